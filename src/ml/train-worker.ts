/** Entry point of the training worker thread (see worker-client.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { trainModel } from './train.js';
import type { TrainWorkerData, TrainWorkerMessage } from './worker-protocol.js';

async function run(): Promise<void> {
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
