/**
 * The trainer: claims jobs (up to `concurrency` at a time), trains each in a training process,
 * stores and NOTIFYs every epoch, registers the resulting model version (gate included) and
 * completes the job in one transaction.
 *
 * Wake-ups: a NOTIFY of a QUEUED job, a finished job freeing a slot, and a poll every `pollMs`
 * (which also reaps RUNNING jobs whose lease expired with no attempts left).
 * Stop: RUNNING jobs are aborted at the next batch and handed back (QUEUED, lease cleared, the
 * attempt not counted) so another worker restarts them at once; a job whose cancel was asked
 * for is marked CANCELLED instead.
 *
 * Database faults: every write of a running job (epochs, heartbeats, registration + completion,
 * the final state) retries transient errors (see db/retry.ts) for as long as the lease this
 * process last renewed still holds. Training goes on in its thread meanwhile; its epochs wait in
 * order and are written once the database answers again, so an outage shorter than the lease is
 * ridden out by the same attempt. A longer one ends the attempt: the job is handed back to the
 * queue with a retry backoff (never FAILED for it). A permanent error FAILs the job with the
 * error kept.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Config } from '../config.js';
import { loadRecords } from '../datasets/reads.js';
import { CHANNELS, type NotifyBus } from '../db/notify-bus.js';
import type { Logger } from '../logger.js';
import { isTransientDbError, backoffDelay, pause, withRetry } from '../db/retry.js';
import { trainInWorker, type FacilityRecord, type TrainOptions, type TrainingOutcome } from '../ml/index.js';
import { evaluationOnlyIdentities } from '../registry/evaluation-set.js';
import type { ModelRegistry } from '../registry/registry.js';
import { claimJob } from './sql/claim.js';
import { acknowledgeCancel } from './sql/acknowledge-cancel.js';
import { completeJob } from './sql/complete.js';
import { transaction } from '../db/sql.js';
import { failJob } from './sql/fail.js';
import { releaseJob } from './sql/release.js';
import { heartbeatJob } from './sql/heartbeat.js';
import { reapExpiredJobs } from './sql/reap-expired.js';
import { recordEpoch } from './sql/record-epoch.js';
import { claimState } from './sql/claim-state.js';
import { pruneFinishedEpochs } from './sql/prune-epochs.js';
import { retryJobLater } from './sql/retry-later.js';
import type { ClaimToken, JobEvent, JobRecord } from './types.js';

/**
 * Why a running attempt stops early: cancel asked for; lease lost (another claim owns the job);
 * process shutdown; the database unreachable for longer than the lease (outage); JOB_TIMEOUT_MS
 * passed (timeout); a permanent error writing the job's state (error).
 */
type StopReason = 'cancel' | 'lost' | 'shutdown' | 'outage' | 'timeout' | 'error';

interface RunningJob {
  claim: ClaimToken;
  abort(reason: StopReason): void;
  done: Promise<void>;
}

export interface TrainerOptions {
  pool: pg.Pool;
  bus: NotifyBus;
  logger: Logger;
  registry: ModelRegistry;
  jobs: Config['jobs'];
  /** the tfjs backend training tries first (TRELLIS_TF_BACKEND); default tensorflow → wasm → cpu */
  tfBackend?: Config['tfBackend'];
  /** retry of transient database errors (base and cap of the backoff) */
  db?: Pick<Config['db'], 'retryBaseMs' | 'retryMaxMs'>;
  /** how long stop() may spend settling running jobs during an outage before leaving them to their lease */
  stopBudgetMs?: number;
  workerId?: string;
  /** told of each epoch this process trains (its duration), e.g. for metrics */
  onEpochTrained?: (durationMs: number) => void;
  /** the training function (tests may pass a fake); default trainInWorker */
  train?: (records: readonly FacilityRecord[], opts: TrainOptions) => Promise<TrainingOutcome>;
}

class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

/** The training thread died (not a training error): worth another attempt after a backoff. */
const isWorkerCrash = (error: unknown) => error instanceof Error && /training worker exited with code/.test(error.message);

/**
 * This process's view of its lease: it holds at least until `until` (the local time before the
 * last successful renewal + the lease length). Writes retry transient errors up to that point.
 */
interface Lease {
  until: number;
}

export class Trainer {
  readonly workerId: string;
  private readonly running = new Map<string, RunningJob>();
  private readonly log: Logger;
  private stopping = false;
  private pumping = false;
  private pumpAgain = false;
  /** the claim loop in progress, so stop() can wait for a claim that is under way */
  private pumpDone: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  /** aborted when stop() has used its budget: settling writes stop retrying */
  private readonly stopAbort = new AbortController();
  private lastPrune = 0;

  constructor(private readonly opts: TrainerOptions) {
    this.workerId = opts.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.log = opts.logger.child({ component: 'trainer', workerId: this.workerId });
  }

  start(): void {
    this.unsubscribe = this.opts.bus.subscribe(CHANNELS.jobEvents, (payload) => {
      const event = payload as JobEvent;
      if (event.status === 'QUEUED') this.pump();
      if (event.cancelRequested) this.running.get(event.id)?.abort('cancel');
    });
    this.timer = setInterval(() => void this.tick(), this.opts.jobs.pollMs);
    this.timer.unref();
    void this.tick();
    this.log.info({ concurrency: this.opts.jobs.concurrency }, 'trainer started');
  }

  /** Jobs this process is training right now. */
  activeJobs(): string[] {
    return [...this.running.keys()];
  }

  private async tick(): Promise<void> {
    if (this.stopping) return;
    try {
      const reaped = await reapExpiredJobs(this.opts.pool);
      if (reaped > 0) this.log.warn({ reaped }, 'ended jobs whose lease expired with no attempts left');
    } catch (error) {
      this.log.error({ err: error }, 'reaping expired jobs failed');
    }
    await this.prune();
    this.pump();
  }

  /** Retention of finished jobs' epochs, at most once a minute. */
  private async prune(): Promise<void> {
    const days = this.opts.jobs.epochRetentionDays;
    if (days <= 0 || Date.now() - this.lastPrune < 60_000) return;
    this.lastPrune = Date.now();
    try {
      const deleted = await pruneFinishedEpochs(this.opts.pool, days);
      if (deleted > 0) this.log.info({ deleted, retentionDays: days }, 'deleted the epochs of jobs finished before the retention period');
    } catch (error) {
      this.log.warn({ err: error }, 'epoch retention failed; retried at the next poll');
    }
  }

  /** Claims jobs while slots are free; one claim loop at a time. */
  private pump(): void {
    if (this.stopping) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    this.pumpDone = (async () => {
      try {
        while (!this.stopping && this.running.size < this.opts.jobs.concurrency) {
          const job = await claimJob(this.opts.pool, this.workerId, this.opts.jobs.leaseMs);
          if (!job) break;
          this.launch(job);
        }
      } catch (error) {
        this.log.error({ err: error }, 'claiming a job failed');
      } finally {
        this.pumping = false;
        if (this.pumpAgain) {
          this.pumpAgain = false;
          this.pump();
        }
      }
    })();
  }

  private launch(job: JobRecord): void {
    const claim: ClaimToken = { jobId: job.id, workerId: this.workerId, attempt: job.attempts };
    const controller = new AbortController();
    let reason: StopReason | null = null;
    const entry: RunningJob = {
      claim,
      abort: (why) => {
        if (reason === null) this.log.debug({ jobId: job.id, reason: why }, 'stopping the attempt');
        reason ??= why;
        controller.abort();
      },
      done: Promise.resolve(),
    };
    this.running.set(job.id, entry);
    entry.done = this.run(job, claim, controller.signal, () => reason, entry.abort).finally(() => {
      this.running.delete(job.id);
      this.pump();
    });
  }

  private async run(job: JobRecord, claim: ClaimToken, signal: AbortSignal, reason: () => StopReason | null, abort: (r: StopReason) => void): Promise<void> {
    const log = this.log.child({ jobId: job.id, attempt: claim.attempt });
    const { pool } = this.opts;
    const { leaseMs, heartbeatMs, timeoutMs } = this.opts.jobs;
    log.info({ datasets: job.datasetIds.length, priority: job.priority }, 'training job claimed');
    const lease: Lease = { until: Date.now() + leaseMs };
    /** A write of this attempt: transient errors retried while the lease holds. */
    const write = <T>(what: string, fn: () => Promise<T>) =>
      withRetry(fn, {
        deadline: () => lease.until,
        baseDelayMs: this.opts.db?.retryBaseMs, maxDelayMs: this.opts.db?.retryMaxMs,
        // a shutdown that ran out of its budget stops waiting for the database
        signal: this.stopAbort.signal,
        onRetry: (err, attempt, delayMs) => {
          if (attempt === 1 || attempt % 10 === 0) log.warn({ err, attempt, delayMs, leaseLeftMs: lease.until - Date.now() }, `${what}: database unavailable, retrying`);
        },
      });
    /** A write failed for good: past the lease it was an outage, otherwise a permanent error. */
    let writeError: unknown = null;
    const writeFailed = (what: string, error: unknown) => {
      if (isTransientDbError(error)) {
        log.warn({ err: error }, `${what}: the database stayed unavailable past the lease; ending the attempt`);
        abort('outage');
      } else {
        log.error({ err: error }, `${what} failed`);
        writeError ??= error;
        abort('error');
      }
    };

    const heartbeatStop = new AbortController();
    const heartbeat = (async () => {
      while (!heartbeatStop.signal.aborted) {
        await pause(heartbeatMs, heartbeatStop.signal);
        if (heartbeatStop.signal.aborted) return;
        try {
          const state = await write('heartbeat', async () => {
            const sent = Date.now();
            const renewed = await heartbeatJob(pool, claim, leaseMs);
            if (renewed) lease.until = sent + leaseMs;
            return renewed;
          });
          if (!state) abort('lost');
          else if (state.cancelRequested) abort('cancel');
        } catch (error) {
          if (heartbeatStop.signal.aborted) return;
          if (isTransientDbError(error)) return writeFailed('heartbeat', error);
          log.warn({ err: error }, 'heartbeat failed'); // permanent but harmless: the next one tries again
        }
      }
    })();
    const timeout = setTimeout(() => abort('timeout'), timeoutMs);
    timeout.unref();

    let records: FacilityRecord[] = [];
    try {
      records = await write('reading the training data', () => loadRecords(pool, job.datasetIds, this.opts.jobs.maxTrainingRows));
      const train = this.opts.train ?? trainInWorker;
      const outcome = await train(records, {
        hyperparameters: job.hyperparameters,
        ...(this.opts.tfBackend ? { backend: this.opts.tfBackend } : {}),
        // the gate's pinned rows: hash-pinned ones are left out by trainModel, evaluation-only datasets' here
        excludeIdentities: await evaluationOnlyIdentities(pool),
        signal,
        // Runs once per epoch, in order, never concurrently (worker-client chains them); never
        // throws, so training is not interrupted by a write that is only waiting for the database.
        onEpoch: async (m) => {
          this.opts.onEpochTrained?.(m.durationMs);
          if (reason() !== null) return;
          try {
            if (!(await write(`storing epoch ${m.epoch}`, () => recordEpoch(pool, claim, m)))) abort('lost');
          } catch (error) {
            writeFailed(`storing epoch ${m.epoch}`, error);
          }
        },
      });
      // Finished training is kept even when a shutdown began meanwhile; any other stop is not.
      const stop = reason();
      if (stop !== null && stop !== 'shutdown') throw new Error(`stopped: ${stop}`);
      const registered = await write('registering the model', async () => {
        // After a connection dropped at COMMIT, the completion may have committed: look first.
        const state = await claimState(pool, claim);
        if (state?.status === 'SUCCEEDED') return { version: state.modelVersion ?? 0, gate: null };
        if (!state || state.status !== 'RUNNING') throw new LeaseLostError('the job was taken over before it could complete');
        return transaction(pool, async (tx) => {
          const result = await this.opts.registry.register(
            tx,
            {
              source: 'training', bundle: outcome.bundle, metrics: outcome.metrics, backend: outcome.backend,
              trainingJobId: job.id, datasetIds: job.datasetIds, rowCount: records.length, heldOut: outcome.heldOut,
            },
            `trainer ${this.workerId}`,
          );
          if (!(await completeJob(tx, claim, result.version))) throw new LeaseLostError('the job was taken over before it could complete');
          return result;
        });
      });
      log.info({ version: registered.version, macroF1: outcome.metrics.macroF1, promoted: registered.gate?.promoted }, 'training job succeeded');
    } catch (error) {
      if (!reason() && !(error instanceof LeaseLostError) && isTransientDbError(error)) abort('outage');
      await this.settleFailure(job, claim, reason(), writeError ?? error, log, lease);
    } finally {
      clearTimeout(timeout);
      heartbeatStop.abort();
      await heartbeat;
    }
  }

  private async settleFailure(job: JobRecord, claim: ClaimToken, reason: StopReason | null, error: unknown, log: Logger, lease: Lease): Promise<void> {
    const { pool } = this.opts;
    const { leaseMs, retryBaseMs, retryMaxMs, timeoutMs } = this.opts.jobs;
    // The final write retries past the lease too (the statements are fenced, so a late one is
    // harmless), up to a few leases, or until stop() runs out of time.
    const settle = <T>(fn: () => Promise<T>) =>
      withRetry(fn, {
        deadline: Math.max(lease.until, Date.now()) + 4 * leaseMs,
        baseDelayMs: this.opts.db?.retryBaseMs, maxDelayMs: this.opts.db?.retryMaxMs,
        signal: this.stopAbort.signal,
      });
    const retryLater = async (why: string) => {
      const delayMs = backoffDelay(claim.attempt, retryBaseMs, retryMaxMs);
      const outcome = await settle(() => retryJobLater(pool, claim, delayMs, why));
      log.warn({ outcome, delayMs, why }, outcome === 'failed' ? 'training job failed: no attempt left' : 'training job handed back for a later attempt');
    };
    try {
      if (reason === 'lost' || error instanceof LeaseLostError) {
        log.warn('lost the lease on the job; another worker owns it now');
      } else if (reason === 'cancel') {
        await settle(() => acknowledgeCancel(pool, claim));
        log.info('training job cancelled');
      } else if (reason === 'shutdown') {
        const state = await settle(() => heartbeatJob(pool, claim, leaseMs));
        if (state?.cancelRequested) await settle(() => acknowledgeCancel(pool, claim));
        else log.info({ outcome: await settle(() => releaseJob(pool, claim)) }, 'training job handed back on shutdown');
      } else if (reason === 'outage') {
        await retryLater(`database unavailable for longer than the ${leaseMs} ms lease`);
      } else if (reason === 'timeout') {
        await settle(() => failJob(pool, claim, `JobTimeoutError: the attempt ran longer than JOB_TIMEOUT_MS (${timeoutMs} ms)`));
        log.error({ timeoutMs }, 'training job failed: timed out');
      } else if (isWorkerCrash(error)) {
        await retryLater(error instanceof Error ? error.message : String(error));
      } else {
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        await settle(() => failJob(pool, claim, message));
        log.error({ err: error }, 'training job failed');
      }
    } catch (settleError) {
      log.error({ err: settleError, jobId: job.id }, 'could not record the end of the job; its lease will expire');
    }
  }

  /**
   * Stops claiming; aborts running jobs at their next batch and hands them back. During a
   * database outage the hand-back retries for at most `stopBudgetMs`; a job it could not
   * record is taken over by another worker when its lease expires.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    const budget = setTimeout(() => this.stopAbort.abort(), this.opts.stopBudgetMs ?? 5_000);
    try {
      // A claim that was under way launches its job; that job must be handed back too.
      await this.pumpDone;
      const running = [...this.running.values()];
      for (const job of running) job.abort('shutdown');
      await Promise.all(running.map((job) => job.done));
    } finally {
      clearTimeout(budget);
    }
  }
}
