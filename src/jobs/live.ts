/**
 * Live streams over LISTEN/NOTIFY for subscriptions, correct across processes: the subscriber's
 * process need not be the worker's. Each stream subscribes to the bus BEFORE reading stored
 * state, so nothing falls in the gap, and deduplicates by epoch number.
 *
 * Across a database outage: notifications sent while the bus's LISTEN connection was down are
 * lost, so after each reconnect (bus.onReconnect) every stream resyncs — re-reads from its cursor
 * (the last epoch sent, the job's state) — and reads retry transient errors
 * for as long as the subscriber stays, so a subscriber sees each epoch once, in order.
 */
import { CHANNELS } from '../db/notify-bus.js';
import { Channel, closable, reader, RESYNC, type LiveDeps } from '../db/live-channel.js';
import { isUuid } from '../db/sql.js';
import { NotFoundError } from '../errors.js';
import { isTerminalJobStatus as isTerminal, toEpoch, toJob, type EpochEvent, type JobEvent, type JobRecord, type StoredEpoch, type TrainingEpochRow, type TrainingJobRow } from './types.js';

/**
 * Where an epoch stream stands: the attempt it follows and the last epoch it sent. `accept` says
 * whether an epoch is the next one to send (and advances), so stored and live epochs, and the
 * re-reads after a reconnect, can overlap freely without a duplicate or a reordering.
 */
export class EpochCursor {
  constructor(public attempt = 0, public last = 0) {}

  /** A newer attempt restarts the stream at epoch 1. */
  seeAttempt(attempt: number): void {
    if (attempt > this.attempt) {
      this.attempt = attempt;
      this.last = 0;
    }
  }

  /**
   * 'send': next in order (cursor advanced); 'skip': already sent or of an older attempt; 'gap': an
   * earlier one is missing (a live event only: `stored` rows, read in order from the table, are the truth).
   */
  accept(e: { attempt: number; epoch: number }, stored = false): 'send' | 'skip' | 'gap' {
    this.seeAttempt(e.attempt);
    if (e.attempt < this.attempt || e.epoch <= this.last) return 'skip';
    if (!stored && e.epoch !== this.last + 1) return 'gap';
    this.last = e.epoch;
    return 'send';
  }
}

/**
 * Every epoch of a job's current attempt: stored ones first, then live ones, in order, each once;
 * ends when the job reaches a terminal status. A retry (new attempt) restarts at epoch 1.
 */
type EpochStreamEvent = { kind: 'epoch'; e: EpochEvent } | { kind: 'job'; e: JobEvent } | typeof RESYNC;

export function epochStream(deps: LiveDeps, jobId: string): AsyncGenerator<StoredEpoch> {
  const events = new Channel<EpochStreamEvent>();
  return closable(epochStreamOn(deps, jobId, events), events);
}

async function* epochStreamOn(deps: LiveDeps, jobId: string, events: Channel<EpochStreamEvent>): AsyncGenerator<StoredEpoch> {
  if (!isUuid(jobId)) throw new NotFoundError('Training job', jobId);
  const offEpoch = deps.bus.subscribe(CHANNELS.epochEvents, (p) => {
    const e = p as EpochEvent;
    if (e.jobId === jobId) events.push({ kind: 'epoch', e });
  });
  const offJob = deps.bus.subscribe(CHANNELS.jobEvents, (p) => {
    const e = p as JobEvent;
    if (e.id === jobId) events.push({ kind: 'job', e });
  });
  const offResync = deps.bus.onReconnect(() => events.push(RESYNC));
  const read = reader(deps, events);
  try {
    const jobRes = await read(() => deps.pool.query<TrainingJobRow>('SELECT * FROM training_job WHERE id = $1', [jobId]));
    const stored = jobRes.rows[0];
    if (!stored) throw new NotFoundError('Training job', jobId);
    const cursor = new EpochCursor(stored.attempts);
    const fromDb = async function* (): AsyncGenerator<StoredEpoch> {
      const res = await read(() => deps.pool.query<TrainingEpochRow>('SELECT * FROM training_epoch WHERE job_id = $1 AND epoch > $2 ORDER BY epoch', [jobId, cursor.last]));
      for (const row of res.rows) {
        const epoch = toEpoch(row);
        if (cursor.accept(epoch, true) === 'send') yield epoch;
      }
    };
    yield* fromDb();
    let done = isTerminal(stored.status);
    while (!done) {
      const batch = await events.drain(deps.recheckMs ?? 5_000);
      if (events.closed) return;
      let recheck = batch.length === 0;
      for (const item of batch) {
        if (item.kind === 'resync') {
          recheck = true; // the bus reconnected: epochs and the job's end may have been missed
          continue;
        }
        if (item.kind === 'job') {
          if (isTerminal(item.e.status)) done = true;
          continue;
        }
        const e = item.e;
        const verdict = cursor.accept(e);
        if (verdict === 'gap') recheck = true; // fill it from the table
        if (verdict !== 'send') continue;
        const { jobId: id, attempt: a, ...m } = e;
        yield { jobId: id, attempt: a, workerId: null, ...m };
      }
      if (recheck || done) {
        const job = await read(() => deps.pool.query<Pick<TrainingJobRow, 'status' | 'attempts'>>('SELECT status, attempts FROM training_job WHERE id = $1', [jobId]));
        const row = job.rows[0];
        if (!row) return;
        cursor.seeAttempt(row.attempts);
        yield* fromDb();
        if (isTerminal(row.status)) done = true;
      }
    }
  } finally {
    offEpoch();
    offJob();
    offResync();
  }
}

/**
 * Status changes of one job (its current state first; ends after a terminal status) or, with
 * no id, of every job (never ends).
 */
export function jobUpdates(deps: LiveDeps, jobId: string | null): AsyncGenerator<JobRecord> {
  const events = new Channel<JobEvent | typeof RESYNC>();
  return closable(jobUpdatesOn(deps, jobId, events), events);
}

/** Jobs changed since a resync cursor (updated_at), oldest change first; bounded. */
const RESYNC_MAX_JOBS = 500;

async function* jobUpdatesOn(deps: LiveDeps, jobId: string | null, events: Channel<JobEvent | typeof RESYNC>): AsyncGenerator<JobRecord> {
  if (jobId !== null && !isUuid(jobId)) throw new NotFoundError('Training job', jobId);
  const off = deps.bus.subscribe(CHANNELS.jobEvents, (p) => {
    const e = p as JobEvent;
    if (jobId === null || e.id === jobId) events.push(e);
  });
  const offResync = deps.bus.onReconnect(() => events.push(RESYNC));
  const retried = reader(deps, events);
  const read = async (id: string) => {
    const res = await retried(() => deps.pool.query<TrainingJobRow>('SELECT * FROM training_job WHERE id = $1', [id]));
    return res.rows[0] ? toJob(res.rows[0]) : null;
  };
  const keyOf = (j: Pick<JobRecord, 'status' | 'cancelRequested' | 'attempts'>) => `${j.status}|${j.cancelRequested}|${j.attempts}`;
  // Every-job mode: what was last sent per job, and the newest updated_at seen (the resync cursor).
  const sent = new Map<string, string>();
  let since: Date | null = null;
  const remember = (job: JobRecord) => {
    sent.delete(job.id);
    sent.set(job.id, keyOf(job));
    if (sent.size > RESYNC_MAX_JOBS) sent.delete(sent.keys().next().value as string);
    if (!since || job.updatedAt > since) since = job.updatedAt;
  };
  try {
    let lastSeen = '';
    if (jobId !== null) {
      const job = await read(jobId);
      if (!job) throw new NotFoundError('Training job', jobId);
      yield job;
      lastSeen = keyOf(job);
      if (isTerminal(job.status)) return;
    } else {
      const now = await retried(() => deps.pool.query<{ now: Date }>('SELECT now() AS now'));
      since = now.rows[0]?.now ?? new Date();
    }
    for (;;) {
      const batch = await events.drain(deps.recheckMs ?? 5_000);
      if (events.closed) return;
      // Each event is one transition: the row as read now, overlaid with the fields as of the event
      // (the row may already be further along), so every status is reported once, consistently.
      const updates: Array<{ id: string; event?: JobEvent }> = [];
      let resync = false;
      for (const e of batch) {
        if ('kind' in e) resync = true;
        else updates.push({ id: e.id, event: e });
      }
      if (jobId !== null && (batch.length === 0 || resync)) updates.push({ id: jobId }); // safety net / resync: re-read
      if (jobId === null && resync && since) {
        // Transitions missed while the bus was down: every job changed since the last one sent.
        const res = await retried(() =>
          deps.pool.query<TrainingJobRow>('SELECT * FROM training_job WHERE updated_at > $1 ORDER BY updated_at, id LIMIT $2', [since, RESYNC_MAX_JOBS]),
        );
        for (const job of res.rows.map(toJob)) {
          if (sent.get(job.id) === keyOf(job)) continue;
          remember(job);
          yield job;
        }
      }
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
        } else {
          remember(job);
        }
        yield job;
        if (jobId !== null && isTerminal(job.status)) return;
      }
    }
  } finally {
    off();
    offResync();
  }
}
