/**
 * The forward pass remembered by input row: a row whose features are bit for bit those of a row
 * scored before gets that row's outputs back without the ≈ 3,000 multiply-adds of forwardDense.
 * forwardDense scores every row on its own (no batch-dependent arithmetic), so an answer from the
 * memo is exactly what the pass would give: every path gets the same probabilities, memo or not.
 *
 * Keyed by the row's non-zero inputs (index and float32 bits; ≈ 25 of 262 for this model) under
 * a 32-bit hash, compared in full on a hit, so a collision can only cost a miss. Bounded: once
 * `limit` rows are kept, new rows are scored but not kept (like the encoder's caches): ≈ 230 bytes
 * a row, ≈ 5 MB for 20,000 rows (at most twice that, as the arena grows by doubling) per loaded model.
 *
 * It pays only for repeated rows: on the 5,769 real rows, 5,607 feature rows are distinct.
 */

/**
 * Rows are kept in one growing Int32Array (no object per row): at `at`, the next row with the same
 * hash (-1: none), the number of non-zero inputs nz, nz pairs (index, float32 bits), then the
 * outputs' float32 bits.
 */
const NEXT = 0;
const NZ = 1;
const PAIRS = 2;

export class ForwardMemo {
  /** hash → position in `arena` of the newest row with that hash */
  private readonly heads = new Map<number, number>();
  private arena = new Int32Array(1 << 16);
  private used = 0;
  private kept = 0;
  private missRows = new Int32Array(256);
  private missInput = new Float32Array(0);
  private hashes = new Int32Array(256);
  private nonZero = new Int32Array(256);

  constructor(
    private readonly inputs: number,
    private readonly outputs: number,
    private readonly limit = 20_000,
  ) {}

  /** Rows in the memo. */
  get size(): number {
    return this.kept;
  }

  /** `forward` of `n` rows of `x` (n × inputs): rows seen before from the memo, the others through `forward`, in one call. */
  run(forward: (x: Float32Array, n: number) => Float32Array, x: Float32Array, n: number): Float32Array {
    const { inputs, outputs } = this;
    const out = new Float32Array(n * outputs);
    const outBits = new Int32Array(out.buffer);
    const bits = new Int32Array(x.buffer, x.byteOffset, n * inputs);
    if (this.missRows.length < n) {
      this.missRows = new Int32Array(n);
      this.hashes = new Int32Array(n);
      this.nonZero = new Int32Array(n);
    }
    let misses = 0;
    for (let r = 0; r < n; r++) {
      const base = r * inputs;
      // FNV-1a over the non-zero inputs (by bits: -0 and NaN are told apart like any other value)
      let h = 0x811c9dc5 | 0; // int32 throughout, as kept in `hashes`
      let nz = 0;
      for (let i = 0; i < inputs; i++) {
        const b = bits[base + i] as number;
        if (b !== 0) {
          h = Math.imul(h ^ i, 0x01000193);
          h = Math.imul(h ^ b, 0x01000193);
          nz++;
        }
      }
      const at = this.find(h, bits, base, nz);
      if (at >= 0) {
        const from = at + PAIRS + 2 * nz;
        for (let j = 0; j < outputs; j++) outBits[r * outputs + j] = this.arena[from + j] as number;
        continue;
      }
      this.hashes[misses] = h;
      this.nonZero[misses] = nz;
      this.missRows[misses++] = r;
    }
    if (misses === 0) return out;
    // The rows not found, packed together and scored in one pass.
    if (this.missInput.length < misses * inputs) this.missInput = new Float32Array(Math.max(misses, 256) * inputs);
    const input = this.missInput;
    for (let m = 0; m < misses; m++) {
      const r = this.missRows[m] as number;
      input.set(x.subarray(r * inputs, (r + 1) * inputs), m * inputs);
    }
    const scored = forward(input, misses);
    for (let m = 0; m < misses; m++) {
      const r = this.missRows[m] as number;
      out.set(scored.subarray(m * outputs, (m + 1) * outputs), r * outputs);
      if (this.kept < this.limit) this.keep(this.hashes[m] as number, this.nonZero[m] as number, bits, r * inputs, outBits, r * outputs);
    }
    return out;
  }

  /** Position of the row at bits[base..base+inputs) (with `nz` non-zero inputs) in the arena, or -1. */
  private find(hash: number, bits: Int32Array, base: number, nz: number): number {
    const arena = this.arena;
    for (let at = this.heads.get(hash) ?? -1; at >= 0; at = arena[at + NEXT] as number) {
      if (arena[at + NZ] !== nz) continue;
      // same number of non-zero inputs, and each of the kept row's is there with the same bits: the same row
      const end = at + PAIRS + 2 * nz;
      let t = at + PAIRS;
      while (t < end && bits[base + (arena[t] as number)] === arena[t + 1]) t += 2;
      if (t === end) return at;
    }
    return -1;
  }

  private keep(hash: number, nz: number, bits: Int32Array, base: number, outBits: Int32Array, outAt: number): void {
    if (this.find(hash, bits, base, nz) >= 0) return; // the same row twice in one batch
    const size = PAIRS + 2 * nz + this.outputs;
    if (this.used + size > this.arena.length) {
      const bigger = new Int32Array(2 * (this.used + size));
      bigger.set(this.arena.subarray(0, this.used));
      this.arena = bigger;
    }
    const arena = this.arena;
    const at = this.used;
    arena[at + NEXT] = this.heads.get(hash) ?? -1;
    arena[at + NZ] = nz;
    let t = at + PAIRS;
    for (let i = 0; i < this.inputs; i++) {
      const b = bits[base + i] as number;
      if (b !== 0) {
        arena[t++] = i;
        arena[t++] = b;
      }
    }
    for (let j = 0; j < this.outputs; j++) arena[t++] = outBits[outAt + j] as number;
    this.heads.set(hash, at);
    this.used = t;
    this.kept++;
  }
}
