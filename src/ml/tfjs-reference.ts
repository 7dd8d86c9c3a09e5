/** The bundle's model run by tfjs itself: the reference the plain-JS forward pass is checked against. */
import { initBackend, tf } from './backend.js';
import { readJsonFile, type ModelBundle } from './bundle.js';
import { FeatureEncoder, type FeatureState } from './features.js';
import type { FacilityRecord } from './types.js';

interface ModelJson {
  modelTopology: object;
  weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
}

/** Loads the bundle's tfjs layers model (the caller disposes it). */
export async function loadTfjsModel(bundle: ModelBundle): Promise<tf.LayersModel> {
  await initBackend();
  const json = readJsonFile<ModelJson>(bundle, 'model.json');
  const weights = bundle.files['weights.bin'] ?? new Uint8Array();
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData }),
  );
}

/** Probabilities through tfjs model.predict, tensors disposed. */
export function predictWithTfjs(model: tf.LayersModel, bundle: ModelBundle, records: readonly FacilityRecord[]): Float32Array {
  const encoder = new FeatureEncoder(readJsonFile<FeatureState>(bundle, 'features.json'));
  const x = encoder.encodeMany(records);
  return tf.tidy(() => (model.predict(tf.tensor2d(x, [records.length, encoder.featureCount])) as tf.Tensor).dataSync() as Float32Array);
}
