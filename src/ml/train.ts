/**
 * The training pipeline: labeled records → dedupe → stratified split → features fitted on the
 * training split → class-weighted MLP trained with a custom loop (seeded shuffling and dropout,
 * early stopping with best-weight restore, LR reduction on plateau) → evaluation on the test
 * split → bundle.
 */
import { initBackend, tf, type BackendName } from './backend.js';
import { BUNDLE_FORMAT_VERSION, jsonFile, type ModelBundle } from './bundle.js';
import { FacilityClassifier } from './classifier.js';
import type { FeatureFitOptions } from './features.js';
import { resolveHyperparameters, type Hyperparameters } from './hyperparameters.js';
import { argmaxRows, crossEntropy, evaluate, macroF1, type EpochMetrics, type EvaluationMetrics } from './metrics.js';
import { createNetwork, disposeNetwork, logits, restore, snapshot, toLayersArtifacts, type Network } from './network.js';
import { mulberry32, shuffleInPlace } from './random.js';
import { LABELS, type FacilityRecord } from './types.js';
import { tuneLogitOffsets, weightedCrossEntropy } from './calibration.js';
import { profileRecords } from './drift.js';
import { classWeights, dataFingerprint, DEFAULT_CLASS_WEIGHT_POWER, prepareData, TrainingCancelledError, TrainingDataError } from './prepare.js';
import { placeScores } from './metrics.js';
import { identityHash, withoutPinned } from './pinned.js';

export interface TrainOptions {
  hyperparameters: Hyperparameters;
  onEpoch?: (m: EpochMetrics) => void | Promise<void>;
  /** cancel: stops between batches, rejects with TrainingCancelledError */
  signal?: AbortSignal;
  log?: (msg: string) => void;
  /** backend to prefer (TRELLIS_TF_BACKEND, through the config); default tensorflow, falling back to wasm, then cpu */
  backend?: BackendName;
  /** extra cancellation check between batches (the worker uses a SharedArrayBuffer flag) */
  shouldCancel?: () => boolean;
  /** class weight = (n / (k · n_c)) ** power; 1 = fully balanced, 0 = unweighted */
  classWeightPower?: number;
  featureOptions?: FeatureFitOptions;
  /**
   * split unit: 'duplicate' (default, the protocol) keeps rows with the same name and
   * coordinates together; 'location' keeps all rows at the same coordinates together, which
   * measures generalisation to places never seen in training (see splitGroupKey)
   */
  splitGroups?: 'location' | 'duplicate';
  /** what early stopping selects on: validation macro-F1 (default) or class-weighted validation loss */
  earlyStoppingMetric?: 'macroF1' | 'weightedLoss';
  /** tune per-class logit offsets on the validation split for macro-F1, folded into the output bias (default true) */
  calibrateOffsets?: boolean;
  /**
   * leave out the gate's pinned evaluation rows (hash-selected identities, see pinned.ts) before
   * anything else (default true): no model ever trains on the rows the gate scores it on
   */
  holdOutPinned?: boolean;
  /** identity hashes never to train on (rows of datasets an admin pinned as evaluation-only) */
  excludeIdentities?: string[];
}

export { TrainingDataError, TrainingCancelledError };

export interface TrainingOutcome {
  bundle: ModelBundle;
  metrics: EvaluationMetrics;
  epochs: EpochMetrics[];
  backend: string;
  stoppedEarly: boolean;
  bestEpoch: number;
  /** validation macro-F1 of the restored best epoch (what early stopping selected on) */
  validationMacroF1: number;
  /** The held-out test rows and their labels: the registry's gate scores the active model on the same rows. */
  heldOut: { records: FacilityRecord[]; labels: number[] };
}

const LR_PLATEAU_FACTOR = 0.5;
const MIN_LEARNING_RATE = 1e-6;
/** Longest stretch of training between two turns of the event loop (a cancel message is read then). */
const YIELD_EVERY_MS = 50;

function gatherRows(x: Float32Array, f: number, idx: readonly number[]): Float32Array {
  const out = new Float32Array(idx.length * f);
  idx.forEach((r, i) => out.set(x.subarray(r * f, r * f + f), i * f));
  return out;
}

function predictTf(net: Network, x: tf.Tensor2D): Float32Array {
  return tf.tidy(() => tf.softmax(logits(net, x)).dataSync() as Float32Array);
}

function checkCancelled(opts: TrainOptions): void {
  if (opts.signal?.aborted === true || opts.shouldCancel?.() === true) throw new TrainingCancelledError();
}

/** Trains on the LABELED records (unlabeled ones are ignored), in this thread. */
export async function trainModel(records: readonly FacilityRecord[], opts: TrainOptions): Promise<TrainingOutcome> {
  const hp = resolveHyperparameters(opts.hyperparameters);
  const log = opts.log ?? (() => {});
  checkCancelled(opts);
  const backend = await initBackend(opts.backend, log);
  const excluded = new Set(opts.excludeIdentities ?? []);
  const usable = (opts.holdOutPinned ?? true)
    ? withoutPinned(records, excluded)
    : excluded.size > 0 ? records.filter((r) => !excluded.has(identityHash(r))) : records;
  if (usable.length < records.length) log(`${records.length - usable.length} rows left out: pinned for the gate's evaluation`);
  const { labeled, y, split, encoder } = prepareData(usable, hp.seed, opts.featureOptions, opts.splitGroups);
  const f = encoder.featureCount;
  const k = LABELS.length;
  const all = encoder.encodeMany(labeled);
  const yTrain = split.train.map((i) => y[i] as number);
  // training rows leave their own label out of the location features (see FeatureEncoder.encodeTraining)
  const xTrain = encoder.encodeTraining(split.train.map((i) => labeled[i] as FacilityRecord), yTrain);
  const yVal = split.validation.map((i) => y[i] as number);
  const yTest = split.test.map((i) => y[i] as number);
  const weights = classWeights(yTrain, k, opts.classWeightPower ?? DEFAULT_CLASS_WEIGHT_POWER);
  log(`rows: ${labeled.length} labeled (train ${split.train.length}, validation ${split.validation.length}, test ${split.test.length}); ${f} features; class weights ${weights.map((w) => w.toFixed(2)).join('/')}`);

  const net = createNetwork(f, k, hp);
  const optimizer = tf.train.adam(hp.learningRate);
  const setLr = (lr: number) => {
    (optimizer as unknown as { learningRate: number }).learningRate = lr;
  };
  const xValT = tf.tensor2d(gatherRows(all, f, split.validation), [split.validation.length, f]);
  const xTrainT = tf.tensor2d(xTrain, [split.train.length, f]);
  const rand = mulberry32(hp.seed);
  const order = Int32Array.from(split.train.map((_, i) => i));
  const epochs: EpochMetrics[] = [];
  let best = { score: -Infinity, loss: Infinity, epoch: 0, weights: snapshot(net) };
  let plateau = { best: Infinity, wait: 0 };
  let lr = hp.learningRate;
  let stoppedEarly = false;
  const plateauPatience = Math.max(2, Math.floor(hp.patience / 3));
  const batchX = new Float32Array(hp.batchSize * f);
  const hidden = hp.hiddenUnits;

  try {
    for (let epoch = 1; epoch <= hp.epochs; epoch++) {
      const started = performance.now();
      shuffleInPlace(order, rand);
      let lossSum = 0;
      let yielded = performance.now();
      for (let start = 0; start < order.length; start += hp.batchSize) {
        // Let the event loop run at least every YIELD_EVERY_MS within an epoch too: a cancel that
        // arrives as a message (the training process's) is then seen between batches.
        if (performance.now() - yielded >= YIELD_EVERY_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          yielded = performance.now();
        }
        checkCancelled(opts);
        const n = Math.min(hp.batchSize, order.length - start);
        const labels = new Int32Array(n);
        const sampleWeights = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          const row = order[start + i] as number;
          batchX.set(xTrain.subarray(row * f, row * f + f), i * f);
          labels[i] = yTrain[row] as number;
          sampleWeights[i] = weights[labels[i] as number] as number;
        }
        const masks = hp.dropout > 0 ? hidden.map((units) => dropoutMask(n * units, hp.dropout, rand)) : [];
        const loss = tf.tidy(() => {
          const xb = tf.tensor2d(batchX.subarray(0, n * f), [n, f]);
          const yb = tf.oneHot(tf.tensor1d(labels, 'int32'), k);
          const wb = tf.tensor1d(sampleWeights);
          const maskTensors = masks.map((m, l) => tf.tensor2d(m, [n, hidden[l] as number]));
          return optimizer.minimize(() => {
            const out = logits(net, xb, maskTensors);
            const ce = tf.neg(tf.sum(tf.mul(yb, tf.logSoftmax(out)), 1));
            let total = tf.div(tf.sum(tf.mul(ce, wb)), n);
            if (hp.l2 > 0) {
              for (let l = 0; l < net.variables.length; l += 2) total = tf.add(total, tf.mul(hp.l2, tf.sum(tf.square(net.variables[l] as tf.Variable))));
            }
            return total as tf.Scalar;
          }, true, net.variables) as tf.Scalar;
        });
        lossSum += (loss.dataSync()[0] ?? 0) * n;
        loss.dispose();
      }

      const trainProbs = predictTf(net, xTrainT);
      const valProbs = predictTf(net, xValT);
      const valPred = argmaxRows(valProbs, k);
      const valLoss = crossEntropy(yVal, valProbs, k);
      const valF1 = macroF1(yVal, valPred, k);
      const score = (opts.earlyStoppingMetric ?? 'macroF1') === 'macroF1' ? valF1 : -weightedCrossEntropy(yVal, valProbs, k, weights);
      const m: EpochMetrics = {
        epoch,
        loss: lossSum / order.length,
        accuracy: accuracyOf(yTrain, argmaxRows(trainProbs, k)),
        valLoss,
        valAccuracy: accuracyOf(yVal, valPred),
        learningRate: lr,
        durationMs: performance.now() - started,
      };
      epochs.push(m);
      await opts.onEpoch?.(m);

      // Early stopping monitors validation macro-F1 (the headline metric); val loss breaks ties.
      if (score > best.score + 1e-9 || (Math.abs(score - best.score) <= 1e-9 && valLoss < best.loss)) {
        best = { score, loss: valLoss, epoch, weights: snapshot(net) };
      } else if (epoch - best.epoch >= hp.patience) {
        stoppedEarly = epoch < hp.epochs;
        log(`early stop at epoch ${epoch}: best validation score ${best.score.toFixed(4)} at epoch ${best.epoch}`);
        break;
      }
      // Reduce the learning rate when the validation loss stops improving.
      if (valLoss < plateau.best - 1e-4) plateau = { best: valLoss, wait: 0 };
      else if (++plateau.wait >= plateauPatience && lr > MIN_LEARNING_RATE) {
        lr = Math.max(lr * LR_PLATEAU_FACTOR, MIN_LEARNING_RATE);
        setLr(lr);
        plateau.wait = 0;
        log(`epoch ${epoch}: validation loss plateaued, learning rate → ${lr}`);
      }
      // Let the event loop run (abort signals, progress output) between epochs.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    checkCancelled(opts);
    restore(net, best.weights);
    let validationMacroF1 = macroF1(yVal, argmaxRows(predictTf(net, xValT), k), k);
    let classOffsets = new Array<number>(k).fill(0);
    if (opts.calibrateOffsets ?? true) {
      const valProbs = predictTf(net, xValT);
      const offsets = tuneLogitOffsets(yVal, valProbs, k);
      classOffsets = offsets;
      const outBias = best.weights[best.weights.length - 1] as Float32Array;
      offsets.forEach((o, c) => {
        outBias[c] = (outBias[c] as number) + o;
      });
      restore(net, best.weights);
      validationMacroF1 = macroF1(yVal, argmaxRows(predictTf(net, xValT), k), k);
      log(`validation-tuned class offsets ${offsets.map((o) => o.toFixed(2)).join('/')}: validation macro-F1 ${validationMacroF1.toFixed(4)}`);
    }

    const artifacts = await toLayersArtifacts([f, ...hidden, k], best.weights, hp);
    const provisional: ModelBundle = {
      files: {
        'model.json': jsonFile(artifacts.modelJson),
        'weights.bin': artifacts.weights,
        'features.json': jsonFile(encoder.state),
      },
      metadata: undefined as unknown as ModelBundle['metadata'],
    };
    // Evaluate through the serving path (bundle → plain-JS classifier) so the metrics describe what is served.
    const testRecords = split.test.map((i) => labeled[i] as FacilityRecord);
    const majority = weights.reduce((bestIdx, _, c) => (countOf(yTrain, c) > countOf(yTrain, bestIdx) ? c : bestIdx), 0);
    const metadata = {
      formatVersion: BUNDLE_FORMAT_VERSION,
      labels: [...LABELS],
      hyperparameters: hp,
      metrics: undefined as unknown as EvaluationMetrics,
      backend,
      dataFingerprint: dataFingerprint(labeled),
      createdAt: new Date().toISOString(),
      trainedOnRows: split.train.length,
      tfjsVersion: tf.version.tfjs,
      dataProfile: profileRecords(split.train.map((i) => labeled[i] as FacilityRecord)),
      training: {
        splitGroups: opts.splitGroups ?? 'duplicate',
        classWeights: weights,
        classOffsets,
        earlyStoppingMetric: opts.earlyStoppingMetric ?? 'macroF1',
        bestEpoch: best.epoch,
        epochsRun: epochs.length,
        validationMacroF1,
      },
    };
    const classifier = FacilityClassifier.fromBundle({ ...provisional, metadata });
    const metrics = evaluate(yTest, classifier.predictProbabilities(testRecords), majority, {
      trainRows: split.train.length,
      validationRows: split.validation.length,
      testRows: split.test.length,
    });
    Object.assign(metrics, placeScores(split.train.map((i) => labeled[i] as FacilityRecord), testRecords, yTest, classifier.predictProbabilities(testRecords)));
    metadata.metrics = metrics;
    const bundle: ModelBundle = { files: { ...provisional.files, 'metadata.json': jsonFile(metadata) }, metadata };
    log(`test macro-F1 ${metrics.macroF1.toFixed(4)} (majority baseline ${metrics.majorityBaselineMacroF1.toFixed(4)}), accuracy ${metrics.accuracy.toFixed(4)}; known places ${fmt(metrics.knownPlaceMacroF1)} (${metrics.knownPlaceRows} rows), new places ${fmt(metrics.newPlaceMacroF1)} (${metrics.newPlaceRows} rows)`);
    return { bundle, metrics, epochs, backend, stoppedEarly, bestEpoch: best.epoch, validationMacroF1, heldOut: { records: testRecords, labels: yTest } };
  } finally {
    xValT.dispose();
    xTrainT.dispose();
    optimizer.dispose();
    disposeNetwork(net);
  }
}

function fmt(x: number | null | undefined): string {
  return x === null || x === undefined ? 'n/a' : x.toFixed(4);
}

function dropoutMask(size: number, rate: number, rand: () => number): Float32Array {
  const keep = 1 / (1 - rate);
  const m = new Float32Array(size);
  for (let i = 0; i < size; i++) m[i] = rand() < rate ? 0 : keep;
  return m;
}

function accuracyOf(truth: readonly number[], predicted: readonly number[]): number {
  if (truth.length === 0) return 0;
  let c = 0;
  truth.forEach((t, i) => {
    if (predicted[i] === t) c++;
  });
  return c / truth.length;
}

function countOf(values: readonly number[], v: number): number {
  let c = 0;
  for (const x of values) if (x === v) c++;
  return c;
}
