/**
 * Live streams over LISTEN/NOTIFY for subscriptions, correct across processes: the subscriber's
 * process need not be the worker's. Each stream subscribes to the bus BEFORE reading stored
 * state, so nothing falls in the gap, and deduplicates by epoch number.
 */
import type pg from 'pg';
import { CHANNELS, type NotifyBus } from '../db/notify-bus.js';
import { NotFoundError } from '../errors.js';
import { isUuid } from './queue.js';
import { TERMINAL_STATUSES, toEpoch, toJob, type EpochEvent, type JobEvent, type JobRecord, type StoredEpoch } from './types.js';

/** A push queue consumed as an async iterator; `onClose` runs once when the consumer stops. */
class Channel<T> {
  private readonly items: T[] = [];
  private wake: (() => void) | null = null;
  closed = false;

  push(item: T): void {
    this.items.push(item);
    this.notify();
  }

  notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Waits until something was pushed (or `ms` passed), then hands over everything queued. */
  async drain(ms: number): Promise<T[]> {
    if (this.items.length === 0 && !this.closed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.items.splice(0);
  }
}

const isTerminal = (status: string) => (TERMINAL_STATUSES as readonly string[]).includes(status);

export interface LiveDeps {
  pool: pg.Pool;
  bus: NotifyBus;
  /** safety-net re-read of the job (lost notifications during a LISTEN reconnect) */
  recheckMs?: number;
}

/**
 * Every epoch of a job's current attempt: stored ones first, then live ones, in order, each once;
 * ends when the job reaches a terminal status. A retry (new attempt) restarts at epoch 1.
 */
export function epochStream(deps: LiveDeps, jobId: string): AsyncGenerator<StoredEpoch> {
  const events = new Channel<{ kind: 'epoch'; e: EpochEvent } | { kind: 'job'; e: JobEvent }>();
  return closable(epochStreamOn(deps, jobId, events), events);
}

async function* epochStreamOn(deps: LiveDeps, jobId: string, events: Channel<{ kind: 'epoch'; e: EpochEvent } | { kind: 'job'; e: JobEvent }>): AsyncGenerator<StoredEpoch> {
  if (!isUuid(jobId)) throw new NotFoundError('Training job', jobId);
  const offEpoch = deps.bus.subscribe(CHANNELS.epochEvents, (p) => {
    const e = p as EpochEvent;
    if (e.jobId === jobId) events.push({ kind: 'epoch', e });
  });
  const offJob = deps.bus.subscribe(CHANNELS.jobEvents, (p) => {
    const e = p as JobEvent;
    if (e.id === jobId) events.push({ kind: 'job', e });
  });
  try {
    const jobRes = await deps.pool.query('SELECT * FROM training_job WHERE id = $1', [jobId]);
    if (!jobRes.rows[0]) throw new NotFoundError('Training job', jobId);
    let attempt = toJob(jobRes.rows[0]).attempts;
    let last = 0;
    const fromDb = async function* (): AsyncGenerator<StoredEpoch> {
      const res = await deps.pool.query('SELECT * FROM training_epoch WHERE job_id = $1 AND epoch > $2 ORDER BY epoch', [jobId, last]);
      for (const row of res.rows) {
        const epoch = toEpoch(row);
        if (epoch.attempt > attempt) attempt = epoch.attempt;
        if (epoch.attempt < attempt || epoch.epoch <= last) continue;
        last = epoch.epoch;
        yield epoch;
      }
    };
    yield* fromDb();
    let done = isTerminal(toJob(jobRes.rows[0]).status);
    while (!done) {
      const batch = await events.drain(deps.recheckMs ?? 5_000);
      if (events.closed) return;
      let recheck = batch.length === 0;
      for (const item of batch) {
        if (item.kind === 'job') {
          if (isTerminal(item.e.status)) done = true;
          continue;
        }
        const e = item.e;
        if (e.attempt > attempt) {
          attempt = e.attempt;
          last = 0;
        }
        if (e.attempt < attempt || e.epoch <= last) continue;
        if (e.epoch !== last + 1) {
          recheck = true; // a gap: fill it from the table
          continue;
        }
        last = e.epoch;
        const { jobId: id, attempt: a, ...m } = e;
        yield { jobId: id, attempt: a, workerId: null, ...m };
      }
      if (recheck || done) {
        const job = await deps.pool.query('SELECT status, attempts FROM training_job WHERE id = $1', [jobId]);
        const row = job.rows[0] as { status: string; attempts: number } | undefined;
        if (!row) return;
        if (row.attempts > attempt) {
          attempt = row.attempts;
          last = 0;
        }
        yield* fromDb();
        if (isTerminal(row.status)) done = true;
      }
    }
  } finally {
    offEpoch();
    offJob();
  }
}

/**
 * Status changes of one job (its current state first; ends after a terminal status) or, with
 * no id, of every job (never ends).
 */
export function jobUpdates(deps: LiveDeps, jobId: string | null): AsyncGenerator<JobRecord> {
  const events = new Channel<JobEvent>();
  return closable(jobUpdatesOn(deps, jobId, events), events);
}

async function* jobUpdatesOn(deps: LiveDeps, jobId: string | null, events: Channel<JobEvent>): AsyncGenerator<JobRecord> {
  if (jobId !== null && !isUuid(jobId)) throw new NotFoundError('Training job', jobId);
  const off = deps.bus.subscribe(CHANNELS.jobEvents, (p) => {
    const e = p as JobEvent;
    if (jobId === null || e.id === jobId) events.push(e);
  });
  const read = async (id: string) => {
    const res = await deps.pool.query('SELECT * FROM training_job WHERE id = $1', [id]);
    return res.rows[0] ? toJob(res.rows[0]) : null;
  };
  const keyOf = (j: Pick<JobRecord, 'status' | 'cancelRequested' | 'attempts'>) => `${j.status}|${j.cancelRequested}|${j.attempts}`;
  try {
    let lastSeen = '';
    if (jobId !== null) {
      const job = await read(jobId);
      if (!job) throw new NotFoundError('Training job', jobId);
      yield job;
      lastSeen = keyOf(job);
      if (isTerminal(job.status)) return;
    }
    for (;;) {
      const batch = await events.drain(deps.recheckMs ?? 5_000);
      if (events.closed) return;
      // Each event is one transition: the row as read now, overlaid with the fields as of the event
      // (the row may already be further along), so every status is reported once, consistently.
      const updates: Array<{ id: string; event?: JobEvent }> = batch.map((e) => ({ id: e.id, event: e }));
      if (jobId !== null && batch.length === 0) updates.push({ id: jobId }); // safety net: re-read
      for (const u of updates) {
        const row = await read(u.id);
        if (!row) continue;
        const e = u.event;
        const job: JobRecord = e
          ? {
              ...row,
              status: e.status,
              cancelRequested: e.cancelRequested ?? row.cancelRequested,
              attempts: e.attempts ?? row.attempts,
              workerId: e.workerId === undefined ? row.workerId : e.workerId,
              modelVersion: e.modelVersion === undefined ? row.modelVersion : e.modelVersion,
            }
          : row;
        if (jobId !== null) {
          if (keyOf(job) === lastSeen) continue;
          lastSeen = keyOf(job);
        }
        yield job;
        if (jobId !== null && isTerminal(job.status)) return;
      }
    }
  } finally {
    off();
  }
}

/** Each model activation, anywhere: the version number that became active. */
export function activations(deps: LiveDeps): AsyncGenerator<number> {
  const events = new Channel<{ version: number }>();
  const gen = async function* (): AsyncGenerator<number> {
    const off = deps.bus.subscribe(CHANNELS.modelActivated, (p) => events.push(p as { version: number }));
    try {
      for (;;) {
        const batch = await events.drain(60_000);
        if (events.closed) return;
        for (const e of batch) yield e.version;
      }
    } finally {
      off();
    }
  };
  return closable(gen(), events);
}

/** Makes `return()` (the subscriber left) wake a generator waiting for events, so it ends at once. */
function closable<T>(gen: AsyncGenerator<T>, events: Channel<unknown>): AsyncGenerator<T> {
  const original = gen.return.bind(gen);
  gen.return = (value) => {
    events.closed = true;
    events.notify();
    return original(value);
  };
  return gen;
}
