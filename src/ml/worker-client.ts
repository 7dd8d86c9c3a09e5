/**
 * Training in a child process, so that the API's event loop — and its CPU — stay the API's.
 *
 * A worker thread kept the event loop free but shared the process's V8 platform threads: the
 * training's garbage collection ran on them at normal priority, next to the API's, while only the
 * training thread itself could be niced. The child process puts all of its threads on the
 * SCHED_IDLE policy (train-worker.ts), so training takes only the CPU the API leaves idle. It is started with its own
 * execArgv (never the parent's --cpu-prof or test-runner flags) and a larger young generation
 * (fewer scavenges), and it exits when its channel closes, so it never outlives the API process.
 *
 * It runs the compiled JavaScript. Under vitest this module is loaded from .ts source, which node
 * cannot run, so it then uses dist/src/ml/train-worker.js: build first
 * (`npx tsc -p tsconfig.build.json`; `npm test` does).
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HyperparameterError, resolveHyperparameters } from './hyperparameters.js';
import { TrainingCancelledError, TrainingDataError } from './prepare.js';
import type { TrainOptions, TrainingOutcome } from './train.js';
import type { FacilityRecord } from './types.js';
import type { TrainRequestMessage, TrainWorkerData, TrainWorkerMessage } from './worker-protocol.js';

/** V8 flags of the training process: a 32 MB semi-space (young generation ≈ 3×) instead of V8's default. */
const TRAINING_PROCESS_FLAGS = ['--max-semi-space-size=32'];

export function trainWorkerPath(): string {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith('.ts')) return path.join(path.dirname(here), 'train-worker.js');
  const compiled = path.resolve(path.dirname(here), '../../dist/src/ml/train-worker.js');
  if (!existsSync(compiled)) throw new Error(`the training process runs compiled code: build first (npx tsc -p tsconfig.build.json); missing ${compiled}`);
  return compiled;
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

/** Trains on the LABELED records (unlabeled ones are ignored), in a training process of its own. */
export function trainInWorker(records: readonly FacilityRecord[], opts: TrainOptions): Promise<TrainingOutcome> {
  let hyperparameters;
  try {
    hyperparameters = resolveHyperparameters(opts.hyperparameters);
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
  if (opts.signal?.aborted === true) return Promise.reject(new TrainingCancelledError());
  const options: TrainWorkerData['options'] = {};
  for (const key of ['splitGroups', 'classWeightPower', 'calibrateOffsets', 'earlyStoppingMetric', 'featureOptions', 'holdOutPinned', 'excludeIdentities'] as const) {
    if (opts[key] !== undefined) (options as Record<string, unknown>)[key] = opts[key];
  }
  const data: TrainWorkerData = { records, hyperparameters, options, ...(opts.backend ? { backend: opts.backend } : {}) };
  const child = fork(trainWorkerPath(), [], { execArgv: TRAINING_PROCESS_FLAGS, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const request = (msg: TrainRequestMessage) => {
    // A channel that closed meanwhile needs no answer here: 'exit' reports the process's end.
    if (child.connected) child.send(msg, () => undefined);
  };
  const cancel = () => request({ type: 'cancel' });
  opts.signal?.addEventListener('abort', cancel, { once: true });
  request({ type: 'start', data });

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
      opts.signal?.removeEventListener('abort', cancel);
      // Closing the channel ends the training process (train-worker.ts); a kill if it is stuck.
      // (Nothing to end when we are here because it exited.)
      if (child.exitCode === null && child.signalCode === null) {
        if (child.connected) child.disconnect();
        const stuck = setTimeout(() => child.kill('SIGKILL'), 5_000);
        stuck.unref();
        child.once('exit', () => clearTimeout(stuck));
      }
      void chain.then(() => (callbackError ? reject(callbackError) : fn()));
    };
    child.on('message', (msg: TrainWorkerMessage) => {
      if (msg.type === 'epoch') {
        const cb = opts.onEpoch;
        if (cb) {
          chain = chain
            .then(() => (callbackError ? undefined : cb(msg.metrics)))
            .catch((err: unknown) => {
              callbackError ??= err instanceof Error ? err : new Error(String(err));
              cancel();
            });
        }
      } else if (msg.type === 'log') opts.log?.(msg.message);
      else if (msg.type === 'done') finish(() => resolve(msg.outcome));
      else finish(() => reject(rebuildError(msg.error)));
    });
    child.on('error', (err) => finish(() => reject(err)));
    child.on('exit', (code, signal) => finish(() => reject(new Error(`the training process exited (${signal ?? `code ${code}`}) before finishing`))));
  });
}
