/**
 * Webhooks: who wants which events, and the dispatcher that delivers them.
 *
 * Deliveries are rows of `webhook_delivery`, written by database triggers in the same transaction
 * as the event (migrations/1764900000000-Webhooks.ts), so they survive any restart. A dispatcher
 * (in every process that serves the API) claims due rows with SKIP LOCKED and a short lease, POSTs
 * `{event, deliveryId, occurredAt, data}` signed with the webhook's secret, records the attempt,
 * and on a non-2xx answer or a timeout schedules a retry with capped exponential backoff and
 * jitter. A delivery that succeeded is never sent again; one whose process died mid-request is
 * sent again when its lease lapses (receivers dedupe by X-Trellis-Delivery).
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { CHANNELS, type NotifyBus } from '../db/notify-bus.js';
import { BadUserInputError, NotFoundError } from '../errors.js';
import { camelize, type Camelized } from '../db/rows.js';
import { isUuid } from '../db/sql.js';
import type { Logger } from '../logger.js';
import { checkWebhookUrl, postJson, signBody, WebhookTargetError } from './outbound.js';

export const WEBHOOK_EVENTS = ['MODEL_REGISTERED', 'MODEL_ACTIVATED', 'TRAINING_JOB_FINISHED', 'DATASET_UPLOADED'] as const;
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

/** One row of `webhook` as Postgres returns it. */
interface WebhookRow {
  id: string;
  url: string;
  events: WebhookEventName[];
  /** the HMAC key of its deliveries' signatures; shown once, at creation */
  secret: string;
  created_by: string | null;
  created_at: Date;
  /** deleted webhooks are kept (their deliveries' history refers to them) */
  deleted_at: Date | null;
}

const RECORD_COLUMNS = ['id', 'url', 'events', 'created_at', 'created_by'] as const satisfies ReadonlyArray<keyof WebhookRow>;
type RecordRow = Pick<WebhookRow, (typeof RECORD_COLUMNS)[number]>;
/** A webhook as the service hands it out: without its secret (only while not deleted). */
export type WebhookRecord = Camelized<RecordRow>;
const toWebhook: (row: RecordRow) => WebhookRecord = camelize;
const RECORD_SELECT = RECORD_COLUMNS.join(', ');

export interface WebhookAttemptRecord {
  id: string; deliveryId: string; event: WebhookEventName; attempt: number; statusCode: number | null;
  error: string | null; durationMs: number; succeeded: boolean; createdAt: Date; deliveryStatus: 'PENDING' | 'DELIVERED' | 'FAILED';
}

export interface WebhookOptions {
  allowPrivateNetworks: boolean;
  timeoutMs: number;
  maxAttempts: number;
  /** first retry delay; doubled each attempt, capped at maxBackoffMs, ±20% jitter */
  backoffMs: number;
  maxBackoffMs: number;
  pollMs: number;
}

/** How long a claimed delivery is ours before another dispatcher may take it (≥ timeout + margin). */
const leaseMs = (timeoutMs: number) => timeoutMs + 10_000;

interface DeliveryRow { id: string; webhook_id: string; event: WebhookEventName; data: unknown; occurred_at: Date; attempts: number; url: string; secret: string }

export function retryDelayMs(attempt: number, options: Pick<WebhookOptions, 'backoffMs' | 'maxBackoffMs'>, random = Math.random): number {
  const base = Math.min(options.maxBackoffMs, options.backoffMs * 2 ** (attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

export class WebhookService {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly deps: { pool: pg.Pool; bus: NotifyBus; logger: Logger; options: WebhookOptions }) {}

  async create(url: string, events: readonly WebhookEventName[], createdBy: string | null): Promise<{ webhook: WebhookRecord; secret: string }> {
    let target: URL;
    try {
      target = checkWebhookUrl(url, this.deps.options.allowPrivateNetworks);
    } catch (error) {
      if (error instanceof WebhookTargetError) throw new BadUserInputError(error.message, 'input.url');
      throw error;
    }
    if (events.length === 0) throw new BadUserInputError('events: expected at least one event', 'input.events');
    const secret = `whsec_${randomBytes(24).toString('base64url')}`;
    const { rows } = await this.deps.pool.query<RecordRow>(
      `INSERT INTO webhook (url, events, secret, created_by) VALUES ($1, $2, $3, $4) RETURNING ${RECORD_SELECT}`,
      [target.toString(), [...new Set(events)], secret, createdBy],
    );
    return { secret, webhook: toWebhook(rows[0] as RecordRow) };
  }

  async list(): Promise<WebhookRecord[]> {
    const { rows } = await this.deps.pool.query<RecordRow>(
      `SELECT ${RECORD_SELECT} FROM webhook WHERE deleted_at IS NULL ORDER BY created_at DESC`,
    );
    return rows.map(toWebhook);
  }

  /** Deletes a webhook: no new deliveries; pending ones are dropped. */
  async delete(id: string): Promise<WebhookRecord> {
    if (!isUuid(id)) throw new NotFoundError('Webhook', id);
    const { rows } = await this.deps.pool.query<RecordRow>(
      `WITH gone AS (UPDATE webhook SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL RETURNING ${RECORD_SELECT}),
            dropped AS (UPDATE webhook_delivery SET status = 'FAILED' WHERE webhook_id IN (SELECT id FROM gone) AND status = 'PENDING')
       SELECT * FROM gone`,
      [id],
    );
    const r = rows[0];
    if (!r) throw new NotFoundError('Webhook', id);
    return toWebhook(r);
  }

  /** Attempts of a webhook's deliveries, newest first. */
  async attempts(webhookId: string, first: number): Promise<WebhookAttemptRecord[]> {
    if (!isUuid(webhookId)) throw new NotFoundError('Webhook', webhookId);
    const { rows } = await this.deps.pool.query<{
      id: string; delivery_id: string; event: WebhookEventName; attempt: number; status_code: number | null; error: string | null;
      duration_ms: number; created_at: Date; delivery_status: WebhookAttemptRecord['deliveryStatus'];
    }>(
      `SELECT a.id, a.delivery_id, d.event, a.attempt, a.status_code, a.error, a.duration_ms, a.created_at, d.status AS delivery_status
         FROM webhook_attempt a JOIN webhook_delivery d ON d.id = a.delivery_id
        WHERE a.webhook_id = $1 ORDER BY a.created_at DESC, a.id DESC LIMIT $2`,
      [webhookId, first],
    );
    return rows.map((r) => ({
      id: String(r.id), deliveryId: r.delivery_id, event: r.event, attempt: r.attempt, statusCode: r.status_code, error: r.error,
      durationMs: r.duration_ms, succeeded: r.status_code !== null && r.status_code >= 200 && r.status_code < 300, createdAt: r.created_at,
      deliveryStatus: r.delivery_status,
    }));
  }

  /** Starts delivering: on each NOTIFY from the triggers, and every pollMs for retries that fall due. */
  start(): void {
    this.stopped = false;
    this.unsubscribe = this.deps.bus.subscribe(CHANNELS.webhookDeliveries, () => this.kick());
    this.timer = setInterval(() => this.kick(), this.deps.options.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Stops claiming; waits for the deliveries in flight (each bounded by the timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Runs a delivery pass now, or once more after the one in progress. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.deliverDue()
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'webhook delivery pass failed; retrying on the next poll'))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async deliverDue(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const { rows } = await this.deps.pool.query<DeliveryRow>(
        `UPDATE webhook_delivery d SET locked_until = now() + make_interval(secs => $1::double precision / 1000), attempts = d.attempts + 1
           FROM webhook w
          WHERE d.id IN (SELECT id FROM webhook_delivery
                          WHERE status = 'PENDING' AND next_attempt_at <= now() AND (locked_until IS NULL OR locked_until < now())
                          ORDER BY next_attempt_at FOR UPDATE SKIP LOCKED LIMIT 8)
            AND w.id = d.webhook_id
        RETURNING d.id, d.webhook_id, d.event, d.data, d.occurred_at, d.attempts, w.url, w.secret`,
        [leaseMs(this.deps.options.timeoutMs)],
      );
      if (rows.length === 0) return;
      await Promise.all(rows.map((row) => this.deliver(row)));
    }
  }

  private async deliver(row: DeliveryRow): Promise<void> {
    const { options, pool, logger } = this.deps;
    const body = JSON.stringify({ event: row.event, deliveryId: row.id, occurredAt: row.occurred_at.toISOString(), data: row.data });
    const result = await postJson(new URL(row.url), body, {
      'x-trellis-event': row.event,
      'x-trellis-delivery': row.id,
      'x-trellis-signature': signBody(row.secret, body),
    }, { timeoutMs: options.timeoutMs, allowPrivate: options.allowPrivateNetworks });
    const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
    const error = ok ? null : (result.error ?? `HTTP ${result.statusCode}`);
    const giveUp = !ok && row.attempts >= options.maxAttempts;
    await pool.query(
      `WITH attempt AS (
         INSERT INTO webhook_attempt (delivery_id, webhook_id, attempt, status_code, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6)
       )
       UPDATE webhook_delivery SET status = $7, locked_until = NULL,
              next_attempt_at = now() + make_interval(secs => $8::double precision / 1000),
              delivered_at = CASE WHEN $7 = 'DELIVERED' THEN now() END
        WHERE id = $1`,
      [row.id, row.webhook_id, row.attempts, result.statusCode, error, result.durationMs,
        ok ? 'DELIVERED' : giveUp ? 'FAILED' : 'PENDING', ok || giveUp ? 0 : retryDelayMs(row.attempts, options)],
    );
    const log = { webhookId: row.webhook_id, deliveryId: row.id, event: row.event, attempt: row.attempts, statusCode: result.statusCode, ms: Math.round(result.durationMs) };
    if (ok) logger.debug(log, 'webhook delivered');
    else logger.warn({ ...log, error, giveUp }, giveUp ? 'webhook delivery failed for good' : 'webhook delivery failed; will retry');
  }
}
