/**
 * The trainer: claims jobs (up to `concurrency` at a time), trains each in a worker thread,
 * stores and NOTIFYs every epoch, registers the resulting model version (gate included) and
 * completes the job in one transaction.
 *
 * Wake-ups: a NOTIFY of a QUEUED job, a finished job freeing a slot, and a poll every `pollMs`
 * (which also reaps RUNNING jobs whose lease expired with no attempts left).
 * Stop: RUNNING jobs are aborted at the next batch and handed back (QUEUED, lease cleared, the
 * attempt not counted) so another worker restarts them at once; a job whose cancel was asked
 * for is marked CANCELLED instead.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Config } from '../config.js';
import { CHANNELS, type NotifyBus } from '../db/notify-bus.js';
import type { Logger } from '../logger.js';
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
import type { ClaimToken, JobEvent, JobRecord } from './types.js';

type StopReason = 'cancel' | 'lost' | 'shutdown';

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
  workerId?: string;
  /** the training function (tests may pass a fake); default trainInWorker */
  train?: (records: readonly FacilityRecord[], opts: TrainOptions) => Promise<TrainingOutcome>;
}

class LeaseLostError extends Error {
  override name = 'LeaseLostError';
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
    this.pump();
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
    log.info({ datasets: job.datasetIds.length }, 'training job claimed');
    const heartbeat = setInterval(() => {
      heartbeatJob(pool, claim, this.opts.jobs.leaseMs).then(
        (state) => {
          if (!state) abort('lost');
          else if (state.cancelRequested) abort('cancel');
        },
        (error: unknown) => log.warn({ err: error }, 'heartbeat failed'),
      );
    }, this.opts.jobs.heartbeatMs);
    try {
      const records = await loadRecords(pool, job.datasetIds);
      const train = this.opts.train ?? trainInWorker;
      const outcome = await train(records, {
        hyperparameters: job.hyperparameters,
        // the gate's pinned rows: hash-pinned ones are left out by trainModel, evaluation-only datasets' here
        excludeIdentities: await evaluationOnlyIdentities(pool),
        signal,
        onEpoch: async (m) => {
          if (!(await recordEpoch(pool, claim, m))) abort('lost');
        },
      });
      // Finished training is kept even when a shutdown began meanwhile; a cancel or a lost lease is not.
      const stop = reason();
      if (stop === 'cancel' || stop === 'lost') throw new Error(`stopped: ${stop}`);
      const registered = await transaction(pool, async (tx) => {
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
      log.info({ version: registered.version, macroF1: outcome.metrics.macroF1, promoted: registered.gate.promoted }, 'training job succeeded');
    } catch (error) {
      await this.settleFailure(job, claim, reason(), error, log);
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async settleFailure(job: JobRecord, claim: ClaimToken, reason: StopReason | null, error: unknown, log: Logger): Promise<void> {
    const { pool } = this.opts;
    try {
      if (reason === 'lost' || error instanceof LeaseLostError) {
        log.warn('lost the lease on the job; another worker owns it now');
      } else if (reason === 'cancel') {
        await acknowledgeCancel(pool, claim);
        log.info('training job cancelled');
      } else if (reason === 'shutdown') {
        const state = await heartbeatJob(pool, claim, this.opts.jobs.leaseMs);
        if (state?.cancelRequested) await acknowledgeCancel(pool, claim);
        else log.info({ outcome: await releaseJob(pool, claim) }, 'training job handed back on shutdown');
      } else {
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        await failJob(pool, claim, message);
        log.error({ err: error }, 'training job failed');
      }
    } catch (settleError) {
      log.error({ err: settleError, jobId: job.id }, 'could not record the end of the job; its lease will expire');
    }
  }

  /** Stops claiming; aborts running jobs at their next batch and hands them back. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    // A claim that was under way launches its job; that job must be handed back too.
    await this.pumpDone;
    const running = [...this.running.values()];
    for (const job of running) job.abort('shutdown');
    await Promise.all(running.map((job) => job.done));
  }
}

/** Every row of the datasets (labeled and not; training ignores unlabeled ones), in a stable order. */
export async function loadRecords(pool: pg.Pool, datasetIds: readonly string[]): Promise<FacilityRecord[]> {
  const res = await pool.query(
    `SELECT facility_name, services, latitude, longitude, rating, operating_hours, website, phone_number, care_system, subcounty
       FROM dataset_row WHERE dataset_id = ANY($1::uuid[])
      ORDER BY array_position($1::uuid[], dataset_id), line`,
    [datasetIds],
  );
  return res.rows.map((r) => ({
    facilityName: r.facility_name,
    services: r.services,
    latitude: r.latitude,
    longitude: r.longitude,
    rating: r.rating,
    operatingHours: r.operating_hours,
    website: r.website,
    phoneNumber: r.phone_number,
    careSystem: r.care_system,
    subcounty: r.subcounty,
  }));
}
