/**
 * Entry point of the training process (see worker-client.ts): a child of the API process that
 * trains one model and exits.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import { trainModel } from './train.js';
import type { TrainRequestMessage, TrainWorkerMessage } from './worker-protocol.js';

/**
 * Training is batch work and serving is latency work: on Linux, this process's threads (V8's own
 * GC and compiler threads included, started before any JavaScript ran) get the SCHED_IDLE policy
 * (`chrt --idle`, util-linux), so they run only on CPU time nothing else wants; threads started
 * later inherit it. Niceness 19 alone still gave training a share of a busy CPU, and predictions
 * a longer tail (docs/performance.md). Without chrt, every thread is reniced to 19 by its id from
 * /proc/self/task. Elsewhere, or when not permitted, training runs at normal priority.
 */
function lowerProcessPriority(): void {
  try {
    for (const tid of readdirSync('/proc/self/task')) os.setPriority(Number(tid), 19);
  } catch {
    return; // not Linux, or not permitted
  }
  try {
    execFileSync('chrt', ['--all-tasks', '--idle', '--pid', '0', String(process.pid)], { stdio: 'ignore' });
  } catch {
    // no chrt: niceness 19 it is
  }
}

function send(msg: TrainWorkerMessage): void {
  process.send?.(msg);
}

async function train(data: Extract<TrainRequestMessage, { type: 'start' }>['data'], cancelled: () => boolean): Promise<void> {
  try {
    const outcome = await trainModel(data.records, {
      ...data.options,
      hyperparameters: data.hyperparameters,
      ...(data.backend ? { backend: data.backend } : {}),
      shouldCancel: cancelled,
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

if (!process.send) throw new Error('train-worker runs as a child process with an IPC channel (worker-client.ts)');
lowerProcessPriority();
// The API process decides when training stops (a cancel message, or closing the channel): a
// terminal's Ctrl-C reaches the whole process group, and the API hands the job back on it.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => undefined);
// The API process is gone (or is done with us): nothing is left to train for.
process.on('disconnect', () => process.exit(0));
let cancel = false;
process.on('message', (msg: TrainRequestMessage) => {
  if (msg.type === 'cancel') cancel = true;
  else void train(msg.data, () => cancel);
});
