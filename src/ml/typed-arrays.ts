/** Typed arrays that grow by doubling (the tokenizer's batch, the scorer's per-row results and known rows). */

type Growable = Int32Array | Uint8Array | Float32Array;

/** `a` itself when it holds `needed` elements; else a copy at least twice as long. */
export function grown<T extends Growable>(a: T, needed: number): T {
  if (needed <= a.length) return a;
  const bigger = new (a.constructor as new (n: number) => T)(Math.max(needed, 2 * a.length));
  bigger.set(a);
  return bigger;
}
