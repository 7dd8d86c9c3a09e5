/**
 * The plumbing of live streams over LISTEN/NOTIFY (jobs/live.ts, registry/live.ts): a push queue
 * a stream drains, the marker a reconnect of the bus pushes (the stream then re-reads what it may
 * have missed), reads that wait out an outage while the subscriber stays, and a `return()` that
 * ends a waiting stream at once.
 */
import type pg from 'pg';
import type { NotifyBus } from './notify-bus.js';
import { withRetry } from './retry.js';

export interface LiveDeps {
  pool: pg.Pool;
  bus: NotifyBus;
  /** safety-net re-read (lost notifications during a LISTEN reconnect) */
  recheckMs?: number;
  /** how long a read waits out an unreachable database before the subscription fails (default 5 min) */
  outagePatienceMs?: number;
}

/** A push queue consumed as an async iterator; `onClose` runs once when the consumer stops. */
export class Channel<T> {
  private readonly items: T[] = [];
  private wake: (() => void) | null = null;
  closed = false;
  /** aborted when the consumer leaves: reads waiting out an outage give up */
  readonly gone = new AbortController();

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

/** The resync marker pushed into a stream after the bus reconnected. */
export const RESYNC = { kind: 'resync' } as const;

/** How long a read of a stream waits out an unreachable database by default. */
export const OUTAGE_PATIENCE_MS = 300_000;

/** One read of a stream: transient errors retried while the subscriber stays (and within the patience). */
export function reader(deps: Pick<LiveDeps, 'outagePatienceMs'>, events: Channel<unknown>) {
  return <T>(fn: () => Promise<T>): Promise<T> =>
    withRetry(fn, { deadline: Date.now() + (deps.outagePatienceMs ?? OUTAGE_PATIENCE_MS), baseDelayMs: 200, maxDelayMs: 2_000, signal: events.gone.signal });
}

/** Makes `return()` (the subscriber left) wake a generator waiting for events, so it ends at once. */
export function closable<T>(gen: AsyncGenerator<T>, events: Channel<unknown>): AsyncGenerator<T> {
  const original = gen.return.bind(gen);
  gen.return = (value) => {
    events.closed = true;
    events.gone.abort();
    events.notify();
    return original(value);
  };
  return gen;
}
