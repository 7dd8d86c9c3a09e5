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
 * output activations (n × last units). Zero inputs are skipped: the features are mostly one-hot.
 */
export function forwardDense(layers: readonly DenseLayer[], x: Float32Array, n: number): Float32Array {
  let input = x;
  for (const layer of layers) {
    const { inputs, units, kernel, bias } = layer;
    const out = new Float32Array(n * units);
    for (let r = 0; r < n; r++) {
      const o = r * units;
      out.set(bias, o);
      const base = r * inputs;
      for (let k = 0; k < inputs; k++) {
        const v = input[base + k] as number;
        if (v === 0) continue;
        const w = k * units;
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
