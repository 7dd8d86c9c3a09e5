import { describe, expect, it } from 'vitest';
import { CsvBytes } from '../../../src/ml/csv-writer.js';
import { forwardDense, type DenseLayer } from '../../../src/ml/forward.js';
import { ForwardMemo } from '../../../src/ml/forward-memo.js';
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

describe('ForwardMemo', () => {
  const layers: DenseLayer[] = [
    { inputs: 6, units: 4, kernel: Float32Array.from({ length: 24 }, (_, i) => Math.sin(i) / 2), bias: Float32Array.from([0.1, -0.2, 0.3, 0]), activation: 'relu' },
    { inputs: 4, units: 3, kernel: Float32Array.from({ length: 12 }, (_, i) => Math.cos(i)), bias: Float32Array.from([0, 0.5, -0.5]), activation: 'softmax' },
  ];
  const forward = (x: Float32Array, n: number) => forwardDense(layers, x, n);
  const rows = [
    [1, 0, 0, 0.25, 0, 0],
    [0, 1, 0, 0.25, 0, 0],
    [1, 0, 0, 0.25, 0, 0], // a repeat, same batch
    [0, 0, 0, 0, 0, 0],
    [-0, 0, 0, 0, 0, 0], // -0 is its own row (told apart by bits), scored like any other
    [1, 0, 0, 0.5, 0, 1],
  ];
  const x = Float32Array.from(rows.flat());

  it('gives exactly the forward pass, from the memo or not, and keeps each distinct row once', () => {
    const memo = new ForwardMemo(6, 3);
    const plain = forward(x, rows.length);
    expect(memo.run(forward, x, rows.length)).toEqual(plain);
    expect(memo.size).toBe(5);
    let calls = 0;
    const counted = (input: Float32Array, n: number) => {
      calls++;
      return forward(input, n);
    };
    expect(memo.run(counted, x, rows.length)).toEqual(plain);
    expect(calls).toBe(0);
    // rows at other offsets of a bigger buffer
    const shifted = new Float32Array(6 + x.length);
    shifted.set(x, 6);
    expect(memo.run(counted, shifted.subarray(6), rows.length)).toEqual(plain);
  });

  it('stops keeping rows at its limit and still scores the others', () => {
    const memo = new ForwardMemo(6, 3, 2);
    expect(memo.run(forward, x, rows.length)).toEqual(forward(x, rows.length));
    expect(memo.size).toBe(2);
    expect(memo.run(forward, x, rows.length)).toEqual(forward(x, rows.length));
  });
});
