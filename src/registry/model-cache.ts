/**
 * This process's view of the registry for serving: the active model, loaded once and swapped when
 * `model_activated` is notified (plus a slow poll in case a notification was lost while the LISTEN
 * connection reconnected), and other versions loaded on demand into a small LRU.
 *
 * Hot swap is a reference swap: a request that already called `active()` holds its LoadedModel
 * and finishes on it; the next call sees the new one.
 */
import type pg from 'pg';
import { CHANNELS, type NotifyBus } from '../db/notify-bus.js';
import type { Logger } from '../logger.js';
import { FacilityClassifier, unpackBundle } from '../ml/index.js';
import type { LoadedModel, ModelSource } from './model-source.js';

export interface ActiveModelCacheOptions {
  pool: pg.Pool;
  bus: NotifyBus;
  logger: Logger;
  /** versions kept loaded besides the active one (config.predict.modelCacheSize) */
  cacheSize: number;
  /** safety-net poll of the active version; 0 disables */
  pollMs?: number;
}

export class ActiveModelCache implements ModelSource {
  private current: LoadedModel | null = null;
  private readonly lru = new Map<number, Promise<LoadedModel | null>>();
  private readonly listeners = new Set<(model: LoadedModel) => void>();
  private refreshSeq = 0;
  private unsubscribe: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly log: Logger;

  constructor(private readonly opts: ActiveModelCacheOptions) {
    this.log = opts.logger.child({ component: 'model-cache' });
  }

  /** Loads the active model and starts following activations. */
  async start(): Promise<void> {
    this.unsubscribe = this.opts.bus.subscribe(CHANNELS.modelActivated, () => void this.refresh());
    await this.refresh();
    const pollMs = this.opts.pollMs ?? 30_000;
    if (pollMs > 0) {
      this.timer = setInterval(() => void this.refresh(), pollMs);
      this.timer.unref();
    }
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  active(): LoadedModel | null {
    return this.current;
  }

  /** Loaded state for /readyz. */
  status(): { loaded: boolean; version: number | null } {
    return { loaded: this.current !== null, version: this.current?.version ?? null };
  }

  onActiveChange(listener: (model: LoadedModel) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(version: number): Promise<LoadedModel | null> {
    if (this.current?.version === version) return Promise.resolve(this.current);
    const cached = this.lru.get(version);
    if (cached) {
      this.lru.delete(version);
      this.lru.set(version, cached);
      return cached;
    }
    const loading = this.load(version);
    this.lru.set(version, loading);
    // A failed or unknown load is not cached, so a later registration of that number is found.
    void loading.then((m) => m ?? this.lru.delete(version), () => this.lru.delete(version));
    while (this.lru.size > this.opts.cacheSize) {
      const oldest = this.lru.keys().next().value;
      if (oldest === undefined) break;
      this.lru.delete(oldest);
    }
    return loading;
  }

  /** Re-reads which version is active and swaps to it if it changed. Latest call wins. */
  async refresh(): Promise<void> {
    const seq = ++this.refreshSeq;
    try {
      const res = await this.opts.pool.query<{ version: number }>(`SELECT version FROM model_version WHERE status = 'ACTIVE'`);
      const version = res.rows[0]?.version;
      if (version === undefined || version === this.current?.version) return;
      const loaded = await this.get(version);
      if (!loaded || seq !== this.refreshSeq) return;
      const previous = this.current?.version ?? null;
      this.current = loaded;
      this.log.info({ version, previous }, 'active model swapped');
      for (const listener of this.listeners) {
        try {
          listener(loaded);
        } catch (error) {
          this.log.error({ err: error }, 'active-model listener failed');
        }
      }
    } catch (error) {
      this.log.error({ err: error }, 'could not refresh the active model');
    }
  }

  private async load(version: number): Promise<LoadedModel | null> {
    const res = await this.opts.pool.query<{ bundle: Buffer }>('SELECT bundle FROM model_version WHERE version = $1', [version]);
    const bytes = res.rows[0]?.bundle;
    if (!bytes) return null;
    const started = performance.now();
    const classifier = FacilityClassifier.fromBundle(unpackBundle(bytes));
    this.log.debug({ version, ms: Math.round(performance.now() - started) }, 'model loaded');
    return { version, classifier };
  }
}
