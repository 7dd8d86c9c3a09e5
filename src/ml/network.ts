/** The MLP as raw tfjs variables for the training loop, and its conversion to a tfjs layers model. */
import { tf } from './backend.js';
import { BundleFormatError } from './bundle.js';
import type { Hyperparameters } from './hyperparameters.js';
import { mulberry32 } from './random.js';

export interface Network {
  /** kernel, bias, kernel, bias, ... (hidden layers, then the output layer) */
  variables: tf.Variable[];
  sizes: number[];
}

/** Glorot-uniform kernels from a seeded PRNG and zero biases, so initialisation repeats exactly. */
export function createNetwork(inputs: number, outputs: number, hp: Hyperparameters): Network {
  const rand = mulberry32(hp.seed ^ 0x1a1f);
  const sizes = [inputs, ...hp.hiddenUnits, outputs];
  const variables: tf.Variable[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const fanIn = sizes[l] as number;
    const fanOut = sizes[l + 1] as number;
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const kernel = new Float32Array(fanIn * fanOut);
    for (let i = 0; i < kernel.length; i++) kernel[i] = (rand() * 2 - 1) * limit;
    // tf.variable copies its initial value: build both inside tidy so the initial tensors are freed.
    const [k, b] = tf.tidy(() => [tf.variable(tf.tensor2d(kernel, [fanIn, fanOut]), true), tf.variable(tf.zeros([fanOut]), true)]);
    variables.push(k as tf.Variable, b as tf.Variable);
  }
  return { variables, sizes };
}

/** Logits of the network; `masks` (one per hidden layer, already scaled by 1/(1-rate)) apply dropout. */
export function logits(net: Network, x: tf.Tensor2D, masks?: readonly tf.Tensor[]): tf.Tensor2D {
  let h: tf.Tensor2D = x;
  const layers = net.variables.length / 2;
  for (let l = 0; l < layers; l++) {
    h = tf.add(tf.matMul(h, net.variables[2 * l] as tf.Variable), net.variables[2 * l + 1] as tf.Variable);
    if (l + 1 < layers) {
      h = tf.relu(h);
      const mask = masks?.[l];
      if (mask) h = tf.mul(h, mask);
    }
  }
  return h;
}

export function snapshot(net: Network): Float32Array[] {
  return net.variables.map((v) => v.dataSync().slice() as Float32Array);
}

export function restore(net: Network, values: readonly Float32Array[]): void {
  net.variables.forEach((v, i) => {
    const t = tf.tensor(values[i] as Float32Array, v.shape);
    v.assign(t);
    t.dispose();
  });
}

export function disposeNetwork(net: Network): void {
  for (const v of net.variables) v.dispose();
}

export interface ModelArtifactsFiles {
  modelJson: unknown;
  weights: Uint8Array;
}

/**
 * Builds the equivalent tfjs layers model (Dense + Dropout, softmax output) with the given
 * weights and serialises it: model.json (topology + weightsManifest) and weights.bin.
 */
export async function toLayersArtifacts(sizes: readonly number[], weights: readonly Float32Array[], hp: Hyperparameters): Promise<ModelArtifactsFiles> {
  const model = buildLayersModel(sizes, hp);
  try {
    const tensors = weights.map((w, i) => tf.tensor(w, model.getWeights()[i]?.shape));
    model.setWeights(tensors);
    for (const t of tensors) t.dispose();
    let out: ModelArtifactsFiles | null = null;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const data = artifacts.weightData;
        if (!(data instanceof ArrayBuffer)) throw new BundleFormatError('unexpected sharded weight data');
        out = {
          modelJson: {
            format: 'layers-model',
            generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
            convertedBy: null,
            modelTopology: artifacts.modelTopology,
            weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
          },
          weights: new Uint8Array(data.slice(0)),
        };
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    if (out === null) throw new BundleFormatError('model serialisation produced nothing');
    return out;
  } finally {
    model.dispose();
  }
}

/** The tfjs layers model of this architecture (used for the bundle and to check the JS forward pass). */
export function buildLayersModel(sizes: readonly number[], hp: Hyperparameters): tf.Sequential {
  const model = tf.sequential({ name: 'facility_rating_mlp' });
  for (let l = 1; l + 1 < sizes.length; l++) {
    model.add(
      tf.layers.dense({
        units: sizes[l] as number,
        activation: 'relu',
        name: `hidden_${l - 1}`,
        ...(l === 1 ? { inputShape: [sizes[0] as number] } : {}),
        ...(hp.l2 > 0 ? { kernelRegularizer: tf.regularizers.l2({ l2: hp.l2 }) } : {}),
      }),
    );
    if (hp.dropout > 0) model.add(tf.layers.dropout({ rate: hp.dropout, name: `dropout_${l - 1}` }));
  }
  model.add(tf.layers.dense({ units: sizes.at(-1) as number, activation: 'softmax', name: 'output' }));
  return model;
}
