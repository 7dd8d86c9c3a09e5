/** A text's UTF-8 bytes (or bytes) cut into pieces of random length, 1 to `max` bytes: cuts fall inside characters and line ends too. */
export function pieces(text: string | Uint8Array, random: () => number, max: number): Uint8Array[] {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + Math.floor(random() * max);
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}
