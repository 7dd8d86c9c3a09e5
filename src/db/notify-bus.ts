/**
 * LISTEN/NOTIFY over one dedicated connection: how processes tell each other about
 * epochs, job changes and model activations. Payloads are small JSON (ids and numbers).
 */
import pg from 'pg';
import type { Logger } from '../logger.js';

export const CHANNELS = {
  jobEvents: 'trellis_job_events',
  epochEvents: 'trellis_epoch_events',
  modelActivated: 'trellis_model_activated',
  apiKeys: 'trellis_api_keys',
  /** sent by the webhook triggers (migrations/1764900000000-Webhooks.ts) when deliveries are queued */
  webhookDeliveries: 'trellis_webhook_deliveries',
} as const;
export type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];

type Handler = (payload: unknown) => void;

export interface NotifyBus {
  /** Publishes through the given executor (a transaction, so the notice is sent on commit) or the bus's pool. */
  publish(channel: Channel, payload: unknown, executor?: { query(sql: string, params: unknown[]): Promise<unknown> }): Promise<void>;
  subscribe(channel: Channel, handler: Handler): () => void;
  close(): Promise<void>;
}

export async function createNotifyBus(url: string, logger: Logger): Promise<NotifyBus> {
  const log = logger.child({ component: 'notify-bus' });
  const handlers = new Map<string, Set<Handler>>();
  const pool = new pg.Pool({ connectionString: url, max: 2, application_name: 'trellis-notify' });
  let listener: pg.Client | null = null;
  let closed = false;

  const dispatch = (msg: pg.Notification) => {
    const set = handlers.get(msg.channel);
    if (!set || set.size === 0) return;
    let payload: unknown;
    try {
      payload = msg.payload ? JSON.parse(msg.payload) : null;
    } catch {
      log.warn({ channel: msg.channel }, 'ignoring a notification that is not JSON');
      return;
    }
    for (const handler of set) {
      try {
        handler(payload);
      } catch (error) {
        log.error({ err: error, channel: msg.channel }, 'notification handler failed');
      }
    }
  };

  const connect = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: url, application_name: 'trellis-listen' });
    client.on('notification', dispatch);
    client.on('error', (error) => {
      if (closed) return;
      log.error({ err: error }, 'LISTEN connection lost; reconnecting');
      listener = null;
      void reconnect();
    });
    await client.connect();
    for (const channel of Object.values(CHANNELS)) await client.query(`LISTEN ${channel}`);
    listener = client;
  };

  const reconnect = async (): Promise<void> => {
    for (let delay = 200; !closed; delay = Math.min(delay * 2, 5_000)) {
      await new Promise((r) => setTimeout(r, delay));
      try {
        await connect();
        log.info('LISTEN connection restored');
        return;
      } catch (error) {
        log.warn({ err: error }, 'LISTEN reconnect failed');
      }
    }
  };

  await connect();

  return {
    async publish(channel, payload, executor) {
      const text = JSON.stringify(payload);
      await (executor ?? pool).query('SELECT pg_notify($1, $2)', [channel, text]);
    },
    subscribe(channel, handler) {
      let set = handlers.get(channel);
      if (!set) handlers.set(channel, (set = new Set()));
      set.add(handler);
      return () => set.delete(handler);
    },
    async close() {
      closed = true;
      handlers.clear();
      await listener?.end().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}
