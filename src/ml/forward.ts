/** The dense forward pass in plain JS over Float32Array: the serving hot path, no tfjs. */

export interface DenseLayer {
  inputs: number;
  units: number;
  /** row-major [inputs][units], as tfjs stores Dense kernels */
  kernel: Float32Array;
  bias: Float32Array;
  activation: 'relu' | 'softmax' | 'linear';
}

/**
 * Runs `n` rows of `x` (row-major, n × layers[0].inputs) through the layers and returns the
 * output activations (n × last units). One matrix product per layer for the whole batch.
 *
 * The features are mostly one-hot (≈ 25 of 262 inputs are non-zero), so each row's non-zero inputs
 * are gathered first and their kernel rows added four at a time: one load and store of each output
 * per four inputs instead of per input. Every addition is still rounded to float32 in the same
 * order as a plain `out[j] += v * kernel[k][j]` loop over a Float32Array (Math.fround after each
 * add), so the results are bit for bit those of that loop — and of every earlier version.
 */
export function forwardDense(layers: readonly DenseLayer[], x: Float32Array, n: number): Float32Array {
  let input = x;
  // the current row's non-zero inputs: offset of their kernel row, and value
  let widest = 0;
  for (const layer of layers) if (layer.inputs > widest) widest = layer.inputs;
  const idx = new Int32Array(widest);
  const val = new Float64Array(widest);
  for (const layer of layers) {
    const { inputs, units, kernel, bias } = layer;
    const out = new Float32Array(n * units);
    for (let r = 0; r < n; r++) {
      const o = r * units;
      out.set(bias, o);
      const base = r * inputs;
      let nz = 0;
      for (let k = 0; k < inputs; k++) {
        const v = input[base + k] as number;
        if (v !== 0) {
          idx[nz] = k * units;
          val[nz++] = v;
        }
      }
      let t = 0;
      for (; t + 4 <= nz; t += 4) {
        const w0 = idx[t] as number;
        const w1 = idx[t + 1] as number;
        const w2 = idx[t + 2] as number;
        const w3 = idx[t + 3] as number;
        const v0 = val[t] as number;
        const v1 = val[t + 1] as number;
        const v2 = val[t + 2] as number;
        const v3 = val[t + 3] as number;
        for (let j = 0; j < units; j++) {
          let acc = out[o + j] as number;
          acc = Math.fround(acc + v0 * (kernel[w0 + j] as number));
          acc = Math.fround(acc + v1 * (kernel[w1 + j] as number));
          acc = Math.fround(acc + v2 * (kernel[w2 + j] as number));
          out[o + j] = acc + v3 * (kernel[w3 + j] as number);
        }
      }
      for (; t < nz; t++) {
        const w = idx[t] as number;
        const v = val[t] as number;
        for (let j = 0; j < units; j++) out[o + j] = (out[o + j] as number) + v * (kernel[w + j] as number);
      }
      if (layer.activation === 'relu') {
        for (let j = 0; j < units; j++) if ((out[o + j] as number) < 0) out[o + j] = 0;
      } else if (layer.activation === 'softmax') {
        let max = -Infinity;
        for (let j = 0; j < units; j++) max = Math.max(max, out[o + j] as number);
        let sum = 0;
        for (let j = 0; j < units; j++) {
          const e = Math.exp((out[o + j] as number) - max);
          out[o + j] = e;
          sum += e;
        }
        for (let j = 0; j < units; j++) out[o + j] = (out[o + j] as number) / sum;
      }
    }
    input = out;
  }
  return input;
}
