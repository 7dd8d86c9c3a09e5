/**
 * npm run bench:model [-- --data <csv>] [--seeds 1,2,3,4,5] [--python /usr/bin/python3]
 *
 * The MLP against a gradient-boosted-tree baseline on the same features and the same split, over
 * several seeds: macro-F1 on all test rows, at known places (coordinates in the training split) and
 * at new places, mean ± sd, beside the majority baseline. The tree is scikit-learn's
 * HistGradientBoostingClassifier (scripts/bench/gbt.py; Debian's python3-sklearn), given the
 * features the model's encoder makes (location features leave-one-out on training rows, exactly as
 * the MLP sees them), balanced class weights, its number of rounds chosen on validation macro-F1 and
 * the same validation-tuned class offsets as the MLP. Both leave out the gate's pinned rows.
 * One OpenMP thread for the tree: on a shared 2-core machine more threads only contend.
 */
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import { tuneLogitOffsets } from '../src/ml/calibration.js';
import { REPO_ROOT, SHARED_DATASET } from '../src/paths.js';
import { readFacilityCsv } from '../src/ml/csv.js';
import { resolveHyperparameters } from '../src/ml/hyperparameters.js';
import { placeScores, macroF1, argmaxRows } from '../src/ml/metrics.js';
import { withoutPinned } from '../src/ml/pinned.js';
import { prepareData } from '../src/ml/prepare.js';
import { trainModel } from '../src/ml/train.js';
import { LABELS, type FacilityRecord } from '../src/ml/types.js';

const run = promisify(execFile);
const K = LABELS.length;

interface Figures { all: number; known: number | null; new: number | null; baseline: number }

function withOffsets(probs: Float32Array, offsets: readonly number[]): Float32Array {
  const out = new Float32Array(probs.length);
  for (let i = 0; i < probs.length; i++) out[i] = Math.log(Math.max(probs[i] as number, 1e-7)) + (offsets[i % K] as number);
  return out;
}

async function gbt(records: readonly FacilityRecord[], seed: number, python: string, dir: string): Promise<Figures & { rounds: number }> {
  const { labeled, y, split, encoder } = prepareData(withoutPinned(records), seed);
  const rows = (idx: number[]) => idx.map((i) => labeled[i] as FacilityRecord);
  const labels = (idx: number[]) => idx.map((i) => y[i] as number);
  const train = rows(split.train);
  const yTrain = labels(split.train);
  const file = path.join(dir, `gbt-${seed}.json`);
  await writeFile(file, JSON.stringify({
    seed, features: encoder.featureCount,
    xTrain: Array.from(encoder.encodeTraining(train, yTrain)), yTrain,
    xVal: Array.from(encoder.encodeMany(rows(split.validation))), yVal: labels(split.validation),
    xTest: Array.from(encoder.encodeMany(rows(split.test))),
  }));
  const { stdout } = await run(python, [path.join(REPO_ROOT, 'scripts/bench/gbt.py'), file], { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, OMP_NUM_THREADS: '1' } });
  const out = JSON.parse(stdout) as { rounds: number; val: number[]; test: number[] };
  const offsets = tuneLogitOffsets(labels(split.validation), Float32Array.from(out.val), K);
  const yTest = labels(split.test);
  const scores = withOffsets(Float32Array.from(out.test), offsets);
  const place = placeScores(train, rows(split.test), yTest, scores);
  const majority = [0, 1, 2].reduce((b, c) => (yTrain.filter((v) => v === c).length > yTrain.filter((v) => v === b).length ? c : b), 0);
  return {
    all: macroF1(yTest, argmaxRows(scores, K), K), known: place.knownPlaceMacroF1, new: place.newPlaceMacroF1,
    baseline: macroF1(yTest, yTest.map(() => majority), K), rounds: out.rounds,
  };
}

function stats(values: readonly (number | null)[]): string {
  const v = values.filter((x): x is number => x !== null);
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, v.length - 1));
  return `${mean.toFixed(3)} ± ${sd.toFixed(3)}`;
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { data: { type: 'string' }, seeds: { type: 'string' }, python: { type: 'string' } }, strict: true });
  const data = values.data ?? SHARED_DATASET;
  const seeds = (values.seeds ?? '1,2,3,4,5').split(',').map(Number);
  const python = values.python ?? '/usr/bin/python3';
  const records = (await readFacilityCsv(createReadStream(data))).rows.map((r) => r.record);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'trellis-bench-model-'));
  const mlp: Figures[] = [];
  const tree: Figures[] = [];
  try {
    for (const seed of seeds) {
      const started = performance.now();
      const outcome = await trainModel(records, { hyperparameters: resolveHyperparameters({ seed }) });
      const m = outcome.metrics;
      mlp.push({ all: m.macroF1, known: m.knownPlaceMacroF1 ?? null, new: m.newPlaceMacroF1 ?? null, baseline: m.majorityBaselineMacroF1 });
      const mlpSeconds = (performance.now() - started) / 1000;
      const t = await gbt(records, seed, python, dir);
      tree.push(t);
      const f = (x: number | null) => (x === null ? ' n/a ' : x.toFixed(3));
      console.log(`seed ${seed}: test ${m.testRows} rows (known ${m.knownPlaceRows}, new ${m.newPlaceRows}); ` +
        `MLP all ${f(m.macroF1)} known ${f(m.knownPlaceMacroF1 ?? null)} new ${f(m.newPlaceMacroF1 ?? null)} (${mlpSeconds.toFixed(1)} s) | ` +
        `GBT all ${f(t.all)} known ${f(t.known)} new ${f(t.new)} (${t.rounds} rounds) | majority baseline ${f(m.majorityBaselineMacroF1)}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`\nmacro-F1 over seeds ${seeds.join(', ')} (mean ± sd), same features and split for both models:\n`);
  console.log('| model | all test rows | known places | new places |');
  console.log('| --- | ---: | ---: | ---: |');
  console.log(`| MLP (tfjs, this project) | ${stats(mlp.map((x) => x.all))} | ${stats(mlp.map((x) => x.known))} | ${stats(mlp.map((x) => x.new))} |`);
  console.log(`| gradient-boosted trees (scikit-learn HistGradientBoosting) | ${stats(tree.map((x) => x.all))} | ${stats(tree.map((x) => x.known))} | ${stats(tree.map((x) => x.new))} |`);
  console.log(`| majority-class baseline | ${stats(mlp.map((x) => x.baseline))} | | |`);
  const gap = (key: 'all' | 'known' | 'new') => {
    const d = mlp.map((x, i) => (x[key] ?? 0) - (tree[i]?.[key] ?? 0));
    return stats(d);
  };
  console.log(`\nMLP − GBT per seed: all ${gap('all')}, known ${gap('known')}, new ${gap('new')}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  });
}
