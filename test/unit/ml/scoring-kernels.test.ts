import { describe, expect, it } from 'vitest';
import { CsvBytes } from '../../../src/ml/csv-writer.js';
import { formatProbability } from '../../../src/ml/score-csv.js';

describe('CsvBytes.fixed6', () => {
  it('writes exactly formatProbability (toFixed(6)) for float32 probabilities, ties and ends included', () => {
    const values = [0, 1, 0.5, 1 / 128, 0.0000005, 0.9999995, 0.1234565, 1e-7, 0.999999, 0.0078125, 3 / 1024];
    let seed = 7;
    for (let i = 0; i < 20_000; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      values.push(seed / 2 ** 32);
    }
    // the rounding boundaries themselves: k / 10^6 ± ½ 10^-6, as float32
    for (let k = 0; k < 1000; k++) values.push((k * 997 + 0.5) / 1e6);
    const out = new CsvBytes(16);
    let expected = '';
    for (const v of values) {
      const p = Math.fround(v);
      out.fixed6(p);
      expected += `,${formatProbability(p)}`;
    }
    out.fixed6(Number.NaN);
    out.fixed6(1.5);
    expected += ',NaN,1.500000';
    expect(out.take().toString('latin1')).toBe(expected);
  });
});
