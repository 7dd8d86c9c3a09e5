import { BundleFormatError, readJsonFile, type BundleMetadata, type ModelBundle } from './bundle.js';
import { FeatureEncoder, type FeatureState } from './features.js';
import { DenseNetwork, type DenseLayer } from './forward.js';
import { LABELS, type FacilityRecord, type RatingClass } from './types.js';

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
}
interface ModelJson {
  modelTopology: { config: { layers: { class_name: string; config: { name: string; units?: number; activation?: string } }[] } };
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
}

/** Reads the Dense layers of a bundle's tfjs model into plain Float32Array kernels and biases. */
export function denseLayersFromBundle(bundle: ModelBundle): DenseLayer[] {
  const model = readJsonFile<ModelJson>(bundle, 'model.json');
  const weightsFile = bundle.files['weights.bin'];
  if (!weightsFile) throw new BundleFormatError('the bundle has no weights.bin');
  // Copy into an aligned buffer: the file bytes may sit at any offset of a larger Buffer.
  const aligned = new Uint8Array(weightsFile.byteLength);
  aligned.set(weightsFile);
  const tensors = new Map<string, { shape: number[]; values: Float32Array }>();
  let byteOffset = 0;
  for (const group of model.weightsManifest) {
    for (const spec of group.weights) {
      if (spec.dtype !== 'float32') throw new BundleFormatError(`weight ${spec.name} has dtype ${spec.dtype}, expected float32`);
      const size = spec.shape.reduce((a, b) => a * b, 1);
      if (byteOffset + size * 4 > aligned.byteLength) throw new BundleFormatError('weights.bin is shorter than its manifest says');
      tensors.set(spec.name, { shape: spec.shape, values: new Float32Array(aligned.buffer, byteOffset, size) });
      byteOffset += size * 4;
    }
  }
  const layers: DenseLayer[] = [];
  for (const layer of model.modelTopology.config.layers) {
    if (layer.class_name === 'Dropout') continue; // inactive at inference
    if (layer.class_name !== 'Dense') throw new BundleFormatError(`unsupported layer type ${layer.class_name}`);
    const { name, activation } = layer.config;
    const kernel = tensors.get(`${name}/kernel`);
    const bias = tensors.get(`${name}/bias`);
    if (!kernel || !bias) throw new BundleFormatError(`weights of layer ${name} are missing`);
    if (activation !== 'relu' && activation !== 'softmax' && activation !== 'linear') throw new BundleFormatError(`unsupported activation ${String(activation)}`);
    const [inputs, units] = kernel.shape;
    if (inputs === undefined || units === undefined || bias.values.length !== units) throw new BundleFormatError(`layer ${name} has inconsistent shapes`);
    const prev = layers.at(-1);
    if (prev && prev.units !== inputs) throw new BundleFormatError(`layer ${name} expects ${inputs} inputs, previous layer gives ${prev.units}`);
    layers.push({ inputs, units, kernel: kernel.values, bias: bias.values, activation });
  }
  if (layers.length === 0) throw new BundleFormatError('the model has no Dense layers');
  return layers;
}

export interface Prediction {
  label: RatingClass;
  probabilities: Record<RatingClass, number>;
}

/** Fast inference (no tfjs on the hot path): feature transform + dense forward pass in plain JS. */
export class FacilityClassifier {
  readonly labels: readonly RatingClass[];
  readonly featureCount: number;
  private readonly encoder: FeatureEncoder;
  private readonly network: DenseNetwork;

  private constructor(
    readonly metadata: BundleMetadata,
    readonly featureState: FeatureState,
    layers: readonly DenseLayer[],
  ) {
    this.encoder = new FeatureEncoder(featureState);
    this.network = new DenseNetwork(layers);
    this.featureCount = this.encoder.featureCount;
    this.labels = metadata.labels;
    const first = layers[0];
    const last = layers.at(-1);
    if (first?.inputs !== this.featureCount) throw new BundleFormatError(`the model takes ${first?.inputs} features but the feature state makes ${this.featureCount}`);
    if (last?.units !== this.labels.length) throw new BundleFormatError(`the model has ${last?.units} outputs for ${this.labels.length} labels`);
    if (this.labels.some((l, i) => l !== LABELS[i])) throw new BundleFormatError(`unexpected labels ${this.labels.join(', ')}`);
  }

  static fromBundle(bundle: ModelBundle): FacilityClassifier {
    return new FacilityClassifier(bundle.metadata, readJsonFile<FeatureState>(bundle, 'features.json'), denseLayersFromBundle(bundle));
  }

  /** Writes features of one record into out[offset..offset+featureCount). Microseconds, no big allocations. */
  encodeInto(record: FacilityRecord, out: Float32Array, offset: number): void {
    this.encoder.encodeInto(record, out, offset);
  }

  /** Probabilities for already-encoded rows (n × featureCount): n × labels.length. */
  predictEncoded(features: Float32Array, n: number): Float32Array {
    return this.network.forward(features, n);
  }

  /** Probabilities for many records, one forward pass; n × labels.length, in the order of `labels`. */
  predictProbabilities(records: readonly FacilityRecord[]): Float32Array {
    const x = new Float32Array(records.length * this.featureCount);
    for (let i = 0; i < records.length; i++) this.encoder.encodeInto(records[i] as FacilityRecord, x, i * this.featureCount);
    return this.network.forward(x, records.length);
  }

  /** Labels and probabilities per record (convenience over predictProbabilities). */
  predict(records: readonly FacilityRecord[]): Prediction[] {
    const probs = this.predictProbabilities(records);
    const k = this.labels.length;
    return records.map((_, i) => {
      let best = 0;
      const probabilities = {} as Record<RatingClass, number>;
      this.labels.forEach((label, j) => {
        const p = probs[i * k + j] as number;
        probabilities[label] = p;
        if (p > (probs[i * k + best] as number)) best = j;
      });
      return { label: this.labels[best] as RatingClass, probabilities };
    });
  }
}
