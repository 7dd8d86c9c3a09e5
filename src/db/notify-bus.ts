/**
 * LISTEN/NOTIFY over one dedicated connection: how processes tell each other about
 * epochs, job changes and model activations. Payloads are small JSON (ids and numbers).
 *
 * One connection per process, always: when the server ends the session (a restart, a failover,
 * pg_terminate_backend, idle_session_timeout) node-postgres emits `error` and then `end` on the
 * client — sometimes two `error`s. Only the first signal of the current client counts; the old
 * client is closed, and one reconnect loop (capped exponential backoff with jitter) opens the
 * next. Notifications sent while no connection listened are lost, so after every reconnect the
 * `onReconnect` listeners run: subscriptions and caches re-read what they may have missed.
 */
import pg from 'pg';
import type { Logger } from '../logger.js';
import { backoffDelay, pause } from './retry.js';

export const CHANNELS = {
  jobEvents: 'trellis_job_events',
  epochEvents: 'trellis_epoch_events',
  modelActivated: 'trellis_model_activated',
  apiKeys: 'trellis_api_keys',
  /** sent by the webhook triggers (migrations/1764900000000-Webhooks.ts) when deliveries are queued */
  webhookDeliveries: 'trellis_webhook_deliveries',
} as const;
export type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];

/** application_name of the LISTEN connection (visible in pg_stat_activity). */
export const LISTEN_APPLICATION_NAME = 'trellis-listen';

type Handler = (payload: unknown) => void;

export interface NotifyBus {
  /** Publishes through the given executor (a transaction, so the notice is sent on commit) or the bus's pool. */
  publish(channel: Channel, payload: unknown, executor?: { query(sql: string, params: unknown[]): Promise<unknown> }): Promise<void>;
  subscribe(channel: Channel, handler: Handler): () => void;
  /** Called after each reconnect of the LISTEN connection (not the first connect): re-read missed state. */
  onReconnect(listener: () => void): () => void;
  /** Whether the LISTEN connection is up, and how many times it was re-established. */
  status(): { listening: boolean; reconnects: number };
  close(): Promise<void>;
}

export interface NotifyBusOptions {
  /** first reconnect delay; doubles up to maxReconnectDelayMs (jittered) */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
}

/** Factory of LISTEN clients (tests wrap it to watch what the bus does with its clients). */
export type ListenClientFactory = () => pg.Client;

export async function createNotifyBus(url: string, logger: Logger, options: NotifyBusOptions = {}, makeClient?: ListenClientFactory): Promise<NotifyBus> {
  const log = logger.child({ component: 'notify-bus' });
  const handlers = new Map<string, Set<Handler>>();
  const reconnectListeners = new Set<() => void>();
  const pool = new pg.Pool({ connectionString: url, max: 2, application_name: 'trellis-notify' });
  // An idle pooled client whose server went away emits `error` on the pool; unhandled, it would end the process.
  pool.on('error', (error) => log.warn({ err: error }, 'idle notify-pool connection lost'));
  const newClient = makeClient ?? (() => new pg.Client({ connectionString: url, application_name: LISTEN_APPLICATION_NAME, keepAlive: true }));
  const baseDelay = options.reconnectDelayMs ?? 200;
  const maxDelay = options.maxReconnectDelayMs ?? 5_000;
  const stopped = new AbortController();

  let listener: pg.Client | null = null;
  let reconnecting = false;
  let reconnects = 0;

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

  /** Closes a client for good; its later `error`/`end` events are swallowed. */
  const discard = (client: pg.Client) => {
    client.removeAllListeners('notification');
    client.removeAllListeners('error');
    client.removeAllListeners('end');
    client.on('error', () => undefined);
    client.end().catch(() => undefined);
  };

  /** The current client ended or failed: close it and start the (single) reconnect loop. */
  const lost = (client: pg.Client, error?: unknown) => {
    if (client !== listener) return; // a second `error`, or the `end` after it: already handled
    listener = null;
    discard(client);
    if (stopped.signal.aborted) return;
    log.warn({ err: error }, 'LISTEN connection lost; reconnecting');
    void reconnect();
  };

  const connect = async (): Promise<void> => {
    const client = newClient();
    client.on('error', (error) => lost(client, error));
    client.on('end', () => lost(client));
    try {
      await client.connect();
      for (const channel of Object.values(CHANNELS)) await client.query(`LISTEN ${channel}`);
    } catch (error) {
      discard(client);
      throw error;
    }
    if (stopped.signal.aborted) {
      discard(client);
      return;
    }
    client.on('notification', dispatch);
    listener = client;
  };

  const reconnect = async (): Promise<void> => {
    if (reconnecting) return;
    reconnecting = true;
    try {
      for (let attempt = 1; !stopped.signal.aborted; attempt++) {
        await pause(backoffDelay(attempt, baseDelay, maxDelay), stopped.signal);
        if (stopped.signal.aborted) return;
        try {
          await connect();
        } catch (error) {
          log.warn({ err: error, attempt }, 'LISTEN reconnect failed');
          continue;
        }
        if (stopped.signal.aborted) return;
        reconnects++;
        log.info({ attempt, reconnects }, 'LISTEN connection restored; resyncing subscribers');
        for (const fn of reconnectListeners) {
          try {
            fn();
          } catch (error) {
            log.error({ err: error }, 'reconnect listener failed');
          }
        }
        return;
      }
    } finally {
      reconnecting = false;
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
    onReconnect(fn) {
      reconnectListeners.add(fn);
      return () => reconnectListeners.delete(fn);
    },
    status() {
      return { listening: listener !== null, reconnects };
    },
    async close() {
      stopped.abort();
      handlers.clear();
      reconnectListeners.clear();
      const client = listener;
      listener = null;
      if (client) {
        client.removeAllListeners('notification');
        client.removeAllListeners('end');
        client.removeAllListeners('error');
        client.on('error', () => undefined);
        await client.end().catch(() => undefined);
      }
      await pool.end().catch(() => undefined);
    },
  };
}
