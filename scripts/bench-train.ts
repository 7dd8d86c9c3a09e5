/**
 * npm run bench:train [-- --data <csv>]: wall time of a full training (CSV read, cleaning, features,
 * training in its own process, evaluation, bundle) next to a bare tfjs model.fit of the same architecture
 * on the same tensors for the same number of epochs, in the same run. The ratio is the pipeline's
 * overhead. Also times one epoch of the bare fit on the wasm and cpu backends.
 */
import { createReadStream } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { initBackend, tf } from '../src/ml/backend.js';
import { readFacilityCsv } from '../src/ml/csv.js';
import { resolveHyperparameters, type Hyperparameters } from '../src/ml/hyperparameters.js';
import { buildLayersModel } from '../src/ml/network.js';
import { classWeights, prepareData } from '../src/ml/prepare.js';
import { trainInWorker } from '../src/ml/worker-client.js';
import { LABELS, type FacilityRecord } from '../src/ml/types.js';
import { SHARED_DATASET } from '../src/paths.js';


async function bareFit(records: readonly FacilityRecord[], hp: Hyperparameters, epochs: number): Promise<number> {
  const { labeled, y, split, encoder } = prepareData(records, hp.seed);
  const f = encoder.featureCount;
  const rows = (idx: number[]) => tf.tensor2d(encoder.encodeMany(idx.map((i) => labeled[i] as FacilityRecord)), [idx.length, f]);
  const labels = (idx: number[]) => tf.oneHot(tf.tensor1d(idx.map((i) => y[i] as number), 'int32'), LABELS.length);
  const x = rows(split.train);
  const yT = labels(split.train);
  const xv = rows(split.validation);
  const yv = labels(split.validation);
  const weights = classWeights(split.train.map((i) => y[i] as number), LABELS.length);
  const model = buildLayersModel([f, ...hp.hiddenUnits, LABELS.length], hp);
  model.compile({ optimizer: tf.train.adam(hp.learningRate), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const started = performance.now();
  await model.fit(x, yT, {
    batchSize: hp.batchSize,
    epochs,
    shuffle: true,
    validationData: [xv, yv],
    classWeight: Object.fromEntries(weights.map((w, i) => [i, w])),
    verbose: 0,
  });
  const ms = performance.now() - started;
  model.dispose();
  tf.dispose([x, yT, xv, yv]);
  return ms;
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { data: { type: 'string' } }, strict: true });
  const data = values.data ?? SHARED_DATASET;
  const hp = resolveHyperparameters({});
  const preferred = loadConfig().tfBackend ?? undefined;
  const backend = await initBackend(preferred);
  console.log(`dataset ${data}; backend ${backend}; hyperparameters ${JSON.stringify(hp)}`);

  const started = performance.now();
  const csv = await readFacilityCsv(createReadStream(data));
  const records = csv.rows.map((r) => r.record);
  const outcome = await trainInWorker(records, { hyperparameters: hp, backend: preferred });
  const pipelineMs = performance.now() - started;
  const epochs = outcome.epochs.length;
  console.log(`full training (read + clean + features + ${epochs} epochs in the training process + evaluation + bundle): ${(pipelineMs / 1000).toFixed(2)} s; test macro-F1 ${outcome.metrics.macroF1.toFixed(4)}`);

  const bareMs = await bareFit(records, hp, epochs);
  console.log(`bare tfjs model.fit, same tensors, ${epochs} epochs, batch ${hp.batchSize}: ${(bareMs / 1000).toFixed(2)} s`);
  console.log(`overhead ratio (full training / bare fit): ${(pipelineMs / bareMs).toFixed(2)}x (target <= 1.2x); full training target <= 60 s`);

  for (const name of ['wasm', 'cpu'] as const) {
    await tf.setBackend(name);
    const ms = await bareFit(records, hp, 2);
    console.log(`backend ${name}: ${(ms / 2).toFixed(0)} ms per epoch (bare fit, batch ${hp.batchSize})`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.stack ?? err.message : String(err));
    process.exitCode = 1;
  });
}
