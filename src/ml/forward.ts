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
 * A network of dense layers, run over many rows at once: `forward(x, n)` runs `n` rows of `x`
 * (row-major, n × layers[0].inputs) through the layers and returns the output activations
 * (n × last units), a new array. One matrix product per layer for the whole batch.
 *
 * The hidden layers' activations and the gather arrays are kept between calls (grown when a
 * batch is larger): a micro-batch of a few rows used to pay more for allocating them (≈ 4–5 µs,
 * and garbage) than for its arithmetic. Not re-entrant; JavaScript never runs it twice at once.
 *
 * The features are mostly one-hot (≈ 25 of 262 inputs are non-zero), so each row's non-zero inputs
 * are gathered first and their kernel rows added four at a time: one load and store of each output
 * per four inputs instead of per input. Every addition is still rounded to float32 in the same
 * order as a plain `out[j] += v * kernel[k][j]` loop over a Float32Array (Math.fround after each
 * add), so the results are bit for bit those of that loop — and of every earlier version.
 */
export class DenseNetwork {
  /** the current row's non-zero inputs: offset of their kernel row, and value */
  private readonly idx: Int32Array;
  private readonly val: Float64Array;
  /** activations of each hidden layer, room for `rows` rows */
  private hidden: Float32Array[] = [];
  private rows = 0;

  constructor(readonly layers: readonly DenseLayer[]) {
    let widest = 0;
    for (const layer of layers) if (layer.inputs > widest) widest = layer.inputs;
    this.idx = new Int32Array(widest);
    this.val = new Float64Array(widest);
  }

  forward(x: Float32Array, n: number): Float32Array {
    const { layers, idx, val } = this;
    if (n > this.rows) {
      this.rows = Math.max(n, 2 * this.rows, 64);
      this.hidden = layers.slice(0, -1).map((layer) => new Float32Array(this.rows * layer.units));
    }
    let input = x;
    for (let l = 0; l < layers.length; l++) {
      const { inputs, units, kernel, bias, activation } = layers[l] as DenseLayer;
      const out = l === layers.length - 1 ? new Float32Array(n * units) : (this.hidden[l] as Float32Array);
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
        if (activation === 'relu') {
          for (let j = 0; j < units; j++) if ((out[o + j] as number) < 0) out[o + j] = 0;
        } else if (activation === 'softmax') {
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
}
