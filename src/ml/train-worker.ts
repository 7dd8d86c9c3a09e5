/** Entry point of the training worker thread (see worker-client.ts). */
import { readlinkSync } from 'node:fs';
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { trainModel } from './train.js';
import type { TrainWorkerData, TrainWorkerMessage } from './worker-protocol.js';

/**
 * Training is batch work and serving is latency work: on Linux, lower this thread's priority
 * (niceness 19) so the API's event loop wins the CPU when both want it. /proc/thread-self names
 * this thread's kernel id; elsewhere the call is skipped.
 */
function lowerThreadPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, 19);
  } catch {
    // not Linux, or not permitted: train at normal priority
  }
}

async function run(): Promise<void> {
  lowerThreadPriority();
  const port = parentPort;
  if (!port) throw new Error('train-worker must run in a worker thread');
  const data = workerData as TrainWorkerData;
  const send = (msg: TrainWorkerMessage) => port.postMessage(msg);
  try {
    const outcome = await trainModel(data.records, {
      ...data.options,
      hyperparameters: data.hyperparameters,
      ...(data.backend ? { backend: data.backend } : {}),
      shouldCancel: () => Atomics.load(data.cancelFlag, 0) === 1,
      onEpoch: (metrics) => send({ type: 'epoch', metrics }),
      log: (message) => send({ type: 'log', message }),
    });
    send({ type: 'done', outcome });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const field = (e as { field?: unknown }).field;
    send({ type: 'error', error: { name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}), ...(typeof field === 'string' ? { field } : {}) } });
  }
}

void run();
