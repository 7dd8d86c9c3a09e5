/**
 * Training in a worker_threads worker so the API's event loop stays responsive.
 *
 * The worker runs the compiled JavaScript. Under vitest this module is loaded from .ts source,
 * which a Worker cannot execute, so it then uses dist/src/ml/train-worker.js: build first
 * (`npx tsc -p tsconfig.build.json`; `npm test` does).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { HyperparameterError, resolveHyperparameters } from './hyperparameters.js';
import { TrainingCancelledError, TrainingDataError, type TrainOptions, type TrainingOutcome } from './train.js';
import type { FacilityRecord } from './types.js';
import type { TrainWorkerData, TrainWorkerMessage } from './worker-protocol.js';

export function trainWorkerUrl(): URL {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith('.ts')) return new URL('./train-worker.js', import.meta.url);
  const compiled = path.resolve(path.dirname(here), '../../dist/src/ml/train-worker.js');
  if (!existsSync(compiled)) throw new Error(`the training worker runs compiled code: build first (npx tsc -p tsconfig.build.json); missing ${compiled}`);
  return pathToFileURL(compiled);
}

function rebuildError(e: { name: string; message: string; stack?: string; field?: string }): Error {
  let err: Error;
  if (e.name === 'TrainingCancelledError') err = new TrainingCancelledError(e.message);
  else if (e.name === 'TrainingDataError') err = new TrainingDataError(e.message);
  else if (e.name === 'HyperparameterError' && e.field) {
    err = new HyperparameterError(e.field as never, e.message);
    err.message = e.message;
  } else {
    err = new Error(e.message);
    err.name = e.name;
  }
  if (e.stack) err.stack = e.stack;
  return err;
}

/** Trains on the LABELED records (unlabeled ones are ignored), in a worker_threads worker. */
export function trainInWorker(records: readonly FacilityRecord[], opts: TrainOptions): Promise<TrainingOutcome> {
  let hyperparameters;
  try {
    hyperparameters = resolveHyperparameters(opts.hyperparameters);
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
  if (opts.signal?.aborted === true) return Promise.reject(new TrainingCancelledError());
  const cancelFlag = new Int32Array(new SharedArrayBuffer(4));
  const options: TrainWorkerData['options'] = {};
  for (const key of ['splitGroups', 'classWeightPower', 'calibrateOffsets', 'earlyStoppingMetric', 'featureOptions', 'holdOutPinned', 'excludeIdentities'] as const) {
    if (opts[key] !== undefined) (options as Record<string, unknown>)[key] = opts[key];
  }
  const data: TrainWorkerData = { records, hyperparameters, cancelFlag, options, ...(opts.backend ? { backend: opts.backend } : {}) };
  // The worker thread runs at niceness 19, but V8's GC helper threads are the process's, at normal
  // priority, and compete with the API for the CPU. A larger young generation (V8's default is a
  // few MB) means fewer scavenges: helper-thread CPU per second of training 0.25–0.27 → 0.20–0.21.
  const worker = new Worker(trainWorkerUrl(), { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 64 } });
  const onAbort = () => Atomics.store(cancelFlag, 0, 1);
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  return new Promise<TrainingOutcome>((resolve, reject) => {
    // Epoch callbacks run in order, one at a time (a slow one buffers the later epochs); the
    // outcome is delivered after the last one finished. A callback that throws stops training
    // and becomes the result: the chain always has a handler, so a rejection can never go
    // unhandled (which would end the process).
    let chain: Promise<void> = Promise.resolve();
    let callbackError: Error | null = null;
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      void chain
        .then(() => (callbackError ? reject(callbackError) : fn()))
        .finally(() => void worker.terminate().catch(() => undefined));
    };
    worker.on('message', (msg: TrainWorkerMessage) => {
      if (msg.type === 'epoch') {
        const cb = opts.onEpoch;
        if (cb) {
          chain = chain
            .then(() => (callbackError ? undefined : cb(msg.metrics)))
            .catch((err: unknown) => {
              callbackError ??= err instanceof Error ? err : new Error(String(err));
              Atomics.store(cancelFlag, 0, 1);
            });
        }
      } else if (msg.type === 'log') opts.log?.(msg.message);
      else if (msg.type === 'done') finish(() => resolve(msg.outcome));
      else finish(() => reject(rebuildError(msg.error)));
    });
    worker.on('error', (err) => finish(() => reject(err)));
    worker.on('exit', (code) => finish(() => reject(new Error(`the training worker exited with code ${code} before finishing`))));
  });
}
