/**
 * Training, bundle and inference tests on the synthetic dataset. The training-process tests run the
 * compiled entry point (dist/src/ml/train-worker.js): build first with `npx tsc -p tsconfig.build.json`.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src/ml/backend.js';
import { bundleChecksum, loadBundleFromDir, packBundle, saveBundleToDir, unpackBundle } from '../../../src/ml/bundle.js';
import { FacilityClassifier } from '../../../src/ml/classifier.js';
import { readFacilityCsv } from '../../../src/ml/csv.js';
import { resolveHyperparameters } from '../../../src/ml/hyperparameters.js';
import type { EpochMetrics } from '../../../src/ml/metrics.js';
import { loadTfjsModel, predictWithTfjs } from '../../../src/ml/tfjs-reference.js';
import { TrainingCancelledError, TrainingDataError, trainModel, type TrainingOutcome } from '../../../src/ml/train.js';
import { trainInWorker, trainWorkerPath } from '../../../src/ml/worker-client.js';
import type { FacilityRecord } from '../../../src/ml/types.js';
import { withoutPinned } from '../../../src/ml/pinned.js';
import { syntheticCsv } from '../../fixtures/synthetic.js';

const hp = resolveHyperparameters({ epochs: 25, patience: 6, batchSize: 32, learningRate: 0.005, seed: 7 });
let records: FacilityRecord[];
let outcome: TrainingOutcome;
let dir: string;

beforeAll(async () => {
  const csv = await readFacilityCsv(Readable.from([syntheticCsv({ rows: 700, seed: 3, dirty: true })]));
  records = csv.rows.map((r) => r.record);
  outcome = await trainModel(records, { hyperparameters: hp });
  dir = await mkdtemp(path.join(os.tmpdir(), 'trellis-ml-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('trainModel', () => {
  it('learns the synthetic signal, evaluated on the held-out test split', () => {
    const m = outcome.metrics;
    expect(m.macroF1).toBeGreaterThan(m.majorityBaselineMacroF1 + 0.3);
    expect(m.testRows).toBeGreaterThan(50);
    // the gate's pinned evaluation rows are left out before the split
    const trainable = withoutPinned(records).filter((r) => r.rating !== null).length;
    expect(trainable).toBeLessThan(records.filter((r) => r.rating !== null).length);
    expect(m.trainRows + m.validationRows + m.testRows).toBe(trainable);
    expect((m.knownPlaceRows ?? 0) + (m.newPlaceRows ?? 0)).toBe(m.testRows);
    expect(m.unseenLocationMacroF1).toBe(m.newPlaceMacroF1);
    expect(m.perClass.reduce((a, c) => a + c.support, 0)).toBe(m.testRows);
    expect(m.report).toContain('weighted avg');
    expect(outcome.epochs.length).toBeGreaterThan(0);
    expect(outcome.bestEpoch).toBeGreaterThan(0);
  });

  it('reports every epoch with all fields', () => {
    for (const [i, e] of outcome.epochs.entries()) {
      expect(e.epoch).toBe(i + 1);
      for (const v of [e.loss, e.accuracy, e.valLoss, e.valAccuracy, e.learningRate, e.durationMs]) expect(Number.isFinite(v)).toBe(true);
    }
  });

  it('gives the same metrics for the same seed and data', async () => {
    const again = await trainModel(records, { hyperparameters: hp });
    expect(again.metrics).toEqual(outcome.metrics);
    expect(again.epochs.map((e) => e.loss)).toEqual(outcome.epochs.map((e) => e.loss));
  });

  it('ignores unlabeled rows', async () => {
    const labeledOnly = records.filter((r) => r.rating !== null);
    expect(labeledOnly.length).toBeLessThan(records.length);
    const again = await trainModel(labeledOnly, { hyperparameters: { ...hp, epochs: 2 } });
    const first = await trainModel(records, { hyperparameters: { ...hp, epochs: 2 } });
    expect(again.metrics).toEqual(first.metrics);
    expect(again.bundle.metadata.dataFingerprint).toBe(first.bundle.metadata.dataFingerprint);
  });

  it('refuses data with too few labeled rows', async () => {
    await expect(trainModel(records.slice(0, 10), { hyperparameters: hp })).rejects.toBeInstanceOf(TrainingDataError);
  });

  it('can be cancelled between batches', async () => {
    const controller = new AbortController();
    let batchesSeen = 0;
    const run = trainModel(records, {
      hyperparameters: { ...hp, epochs: 50, batchSize: 4 },
      signal: controller.signal,
      shouldCancel: () => ++batchesSeen > 20,
    });
    await expect(run).rejects.toBeInstanceOf(TrainingCancelledError);
    expect(batchesSeen).toBe(21);
    controller.abort();
    await expect(trainModel(records, { hyperparameters: hp, signal: controller.signal })).rejects.toBeInstanceOf(TrainingCancelledError);
  });

  it('does not grow tf.memory() over repeated trainings and 10,000 predictions', async () => {
    await trainModel(records, { hyperparameters: { ...hp, epochs: 2 } });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await trainModel(records, { hyperparameters: { ...hp, epochs: 2 } });
    expect(tf.memory().numTensors).toBe(before);
    const model = await loadTfjsModel(outcome.bundle);
    const afterLoad = tf.memory().numTensors;
    const classifier = FacilityClassifier.fromBundle(outcome.bundle);
    const batch = Array.from({ length: 100 }, (_, i) => records[i % records.length] as FacilityRecord);
    for (let i = 0; i < 100; i++) {
      predictWithTfjs(model, outcome.bundle, batch);
      classifier.predictProbabilities(batch);
    }
    expect(tf.memory().numTensors).toBe(afterLoad);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('model bundle', () => {
  it('saves and loads with identical predictions', async () => {
    await saveBundleToDir(outcome.bundle, dir);
    const loaded = await loadBundleFromDir(dir);
    expect(loaded.metadata).toEqual(outcome.bundle.metadata);
    const a = FacilityClassifier.fromBundle(outcome.bundle).predictProbabilities(records);
    const b = FacilityClassifier.fromBundle(loaded).predictProbabilities(records);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(bundleChecksum(loaded)).toBe(bundleChecksum(outcome.bundle));
  });

  it('packs into one blob and back', () => {
    const packed = packBundle(outcome.bundle);
    const unpacked = unpackBundle(new Uint8Array(packed));
    expect(unpacked.metadata).toEqual(outcome.bundle.metadata);
    expect(packBundle(unpacked).equals(packed)).toBe(true);
    expect(() => unpackBundle(new Uint8Array([1, 2, 3]))).toThrow(/bad magic/);
    expect(() => unpackBundle(new Uint8Array(packed.subarray(0, packed.length - 10)))).toThrow(/truncated/);
  });

  it('records what produced it', () => {
    const md = outcome.bundle.metadata;
    expect(md).toMatchObject({ formatVersion: 1, labels: ['LOW', 'MEDIUM', 'HIGH'], hyperparameters: hp, backend: outcome.backend });
    expect(md.dataFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(md.tfjsVersion).toBe(tf.version.tfjs);
    expect(Object.keys(outcome.bundle.files).sort()).toEqual(['features.json', 'metadata.json', 'model.json', 'weights.bin']);
  });

  it('plain-JS forward pass matches tfjs model.predict to 1e-5', async () => {
    const model = await loadTfjsModel(outcome.bundle);
    const ref = predictWithTfjs(model, outcome.bundle, records);
    model.dispose();
    const fast = FacilityClassifier.fromBundle(outcome.bundle).predictProbabilities(records);
    let maxDiff = 0;
    for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs((ref[i] as number) - (fast[i] as number)));
    expect(maxDiff).toBeLessThan(1e-5);
  });

  it('predicts records never seen in training', () => {
    const c = FacilityClassifier.fromBundle(outcome.bundle);
    const [p] = c.predict([{ facilityName: 'Nowhere Drug Shop', services: 'Something New', latitude: null, longitude: null, rating: null, operatingHours: null, website: null, phoneNumber: null, careSystem: null, subcounty: 'Unknown Town Council' }]);
    expect(p?.label).toMatch(/^(LOW|MEDIUM|HIGH)$/);
    expect((p?.probabilities.LOW ?? 0) + (p?.probabilities.MEDIUM ?? 0) + (p?.probabilities.HIGH ?? 0)).toBeCloseTo(1, 5);
  });
});

describe('trainInWorker', () => {
  it('trains in a process of its own, streaming epochs, with the same result as in-process training', async () => {
    const seen: EpochMetrics[] = [];
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const result = await trainInWorker(records, { hyperparameters: hp, onEpoch: (m) => void seen.push(m) });
    clearInterval(timer);
    expect(seen).toEqual(result.epochs);
    expect(result.metrics).toEqual(outcome.metrics);
    expect(ticks).toBeGreaterThan(3); // the main event loop kept running while the worker trained
  });

  it('cancels between batches through the abort signal', async () => {
    const controller = new AbortController();
    const run = trainInWorker(records, {
      hyperparameters: { ...hp, epochs: 200, patience: 200, batchSize: 2 },
      signal: controller.signal,
      onEpoch: (m) => {
        if (m.epoch === 1) controller.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(TrainingCancelledError);
  });

  it('rejects bad hyperparameters before starting', async () => {
    await expect(trainInWorker(records, { hyperparameters: { ...hp, batchSize: -1 } })).rejects.toThrow(/^batchSize:/);
  });

  it.runIf(process.platform === 'linux')('runs every thread of the training process at niceness 19 and SCHED_IDLE (with chrt), V8\'s own threads included', async () => {
    const controller = new AbortController();
    let threads: { tid: string; nice: number; policy: number }[] = [];
    const run = trainInWorker(records, {
      hyperparameters: { ...hp, epochs: 200, patience: 200 },
      signal: controller.signal,
      onEpoch: (m) => {
        if (m.epoch !== 2) return;
        const pid = trainingProcesses(process.pid)[0];
        if (pid !== undefined) threads = readdirSync(`/proc/${pid}/task`).map((tid) => ({ tid, ...schedulingOf(`/proc/${pid}/task/${tid}/stat`) }));
        controller.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(TrainingCancelledError);
    expect(threads.length).toBeGreaterThan(3); // the main thread and V8's platform threads
    expect(threads.filter((t) => t.nice !== 19)).toEqual([]);
    if (existsSync('/usr/bin/chrt')) expect(threads.filter((t) => t.policy !== SCHED_IDLE)).toEqual([]);
  });

  it.runIf(process.platform === 'linux')('ends with the process that started it (SIGKILLed mid-training)', async () => {
    const input = path.join(dir, 'records.json');
    await writeFile(input, JSON.stringify(records));
    const client = new URL('../../../dist/src/ml/worker-client.js', import.meta.url).href;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', `
      import { readFileSync } from 'node:fs';
      import { trainInWorker } from ${JSON.stringify(client)};
      const records = JSON.parse(readFileSync(${JSON.stringify(input)}, 'utf8'));
      trainInWorker(records, { hyperparameters: { epochs: 500, patience: 500, batchSize: 32, seed: 7 }, onEpoch: () => console.log('epoch') }).catch(() => undefined);
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => parent.stdout.once('data', () => resolve()));
    const [child] = trainingProcesses(parent.pid as number);
    expect(child).toBeDefined();
    parent.kill('SIGKILL');
    const started = Date.now();
    while (Date.now() - started < 10_000 && alive(child as number)) await new Promise((r) => setTimeout(r, 50));
    expect(alive(child as number)).toBe(false);
  });
});

/**
 * The fields of a /proc stat file after the command name (which may hold spaces and parentheses):
 * [0] is field 3 of proc(5), the state; [1] the parent pid, [16] the niceness, [38] the policy.
 */
function statFields(file: string): string[] {
  const stat = readFileSync(file, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Pids of the training processes (train-worker.js) whose parent is `ppid`. */
function trainingProcesses(ppid: number): number[] {
  const entry = trainWorkerPath();
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (Number(statFields(`/proc/${name}/stat`)[1]) === ppid && readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(entry)) found.push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

const SCHED_IDLE = 5;

/** A thread's niceness and scheduling policy. */
function schedulingOf(statFile: string): { nice: number; policy: number } {
  const fields = statFields(statFile);
  return { nice: Number(fields[16]), policy: Number(fields[38]) };
}

function alive(pid: number): boolean {
  try {
    // a zombie (exited, not yet reaped) counts as ended
    return statFields(`/proc/${pid}/stat`)[0] !== 'Z';
  } catch {
    return false;
  }
}
