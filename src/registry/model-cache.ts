/**
 * This process's view of the registry for serving: the active model, loaded once and swapped when
 * `model_activated` is notified (plus a slow poll in case a notification was lost while the LISTEN
 * connection reconnected), and other versions loaded on demand into a small LRU.
 *
 * Hot swap is a reference swap: a request that already called `active()` holds its LoadedModel
 * and finishes on it; the next call sees the new one. Nothing on that path reads the database, so
 * predictions go on answering from memory while it is down; after the bus reconnects, the active
 * version is re-read (an activation may have been missed).
 *
 * Integrity: every load checks the bundle bytes against their stored sha256 before unpacking. A
 * version that fails (or does not unpack) is never served: its reason is recorded in
 * `model_version.load_error`, the previous good model keeps serving, and `unavailableReason()`
 * says why when there is none (/readyz answers 503 with it).
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { CHANNELS, type NotifyBus } from '../db/notify-bus.js';
import type { Logger } from '../logger.js';
import { FacilityClassifier, unpackBundle } from '../ml/index.js';
import { ModelLoadError, type LoadedModel, type ModelSource } from './model-source.js';
import type { ModelVersionRow } from './types.js';

export interface ActiveModelCacheOptions {
  pool: pg.Pool;
  bus: NotifyBus;
  logger: Logger;
  /** versions kept loaded besides the active one (config.predict.modelCacheSize) */
  cacheSize: number;
  /** safety-net poll of the active version; 0 disables */
  pollMs?: number;
  /** why the bundled model was not imported (corrupt on disk), reported while no model is served */
  bundledError?: string | null;
}

export class ActiveModelCache implements ModelSource {
  private current: LoadedModel | null = null;
  private readonly lru = new Map<number, Promise<LoadedModel | null>>();
  private readonly listeners = new Set<(model: LoadedModel) => void>();
  private refreshSeq = 0;
  private unsubscribe: (() => void) | null = null;
  private unsubscribeReconnect: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** the registry's ACTIVE version as last read, and why it could not be loaded (if so) */
  private registryActive: number | null = null;
  private activeLoadError: string | null = null;
  private readonly log: Logger;

  constructor(private readonly opts: ActiveModelCacheOptions) {
    this.log = opts.logger.child({ component: 'model-cache' });
  }

  /** Loads the active model and starts following activations. */
  async start(): Promise<void> {
    this.unsubscribe = this.opts.bus.subscribe(CHANNELS.modelActivated, () => void this.refresh());
    this.unsubscribeReconnect = this.opts.bus.onReconnect(() => void this.refresh());
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
    this.unsubscribeReconnect?.();
    this.unsubscribeReconnect = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  active(): LoadedModel | null {
    return this.current;
  }

  /** Loaded state for /readyz: the version served, the registry's active one, and why it is not served if so. */
  status(): { loaded: boolean; version: number | null; activeVersion: number | null; loadError: string | null } {
    return { loaded: this.current !== null, version: this.current?.version ?? null, activeVersion: this.registryActive, loadError: this.activeLoadError };
  }

  /** Why no model is served (null while one is). */
  unavailableReason(): string | null {
    if (this.current) return null;
    if (this.activeLoadError) return this.activeLoadError;
    if (this.registryActive === null) return this.opts.bundledError ?? 'no model version is active yet: upload data and train one (or promote a version)';
    return `model version ${this.registryActive} is not loaded yet`;
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
      const res = await this.opts.pool.query<Pick<ModelVersionRow, 'version'>>(`SELECT version FROM model_version WHERE status = 'ACTIVE'`);
      const version = res.rows[0]?.version;
      if (seq !== this.refreshSeq) return;
      this.registryActive = version ?? null;
      if (version === undefined || version === this.current?.version) {
        this.activeLoadError = null;
        return;
      }
      let loaded: LoadedModel | null;
      try {
        loaded = await this.get(version);
      } catch (error) {
        if (!(error instanceof ModelLoadError)) throw error;
        if (seq === this.refreshSeq) this.activeLoadError = error.message;
        this.log.error({ version, reason: error.reason, serving: this.current?.version ?? null }, 'the active model version cannot be loaded; it is not served');
        return;
      }
      if (!loaded || seq !== this.refreshSeq) return;
      this.activeLoadError = null;
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

  /** Reads, verifies (sha256 against the stored checksum) and unpacks one version. */
  private async load(version: number): Promise<LoadedModel | null> {
    const res = await this.opts.pool.query<Pick<ModelVersionRow, 'bundle' | 'checksum' | 'load_error'>>(
      'SELECT bundle, checksum, load_error FROM model_version WHERE version = $1',
      [version],
    );
    const row = res.rows[0];
    if (!row) return null;
    const started = performance.now();
    let classifier: FacilityClassifier;
    try {
      const actual = createHash('sha256').update(row.bundle).digest('hex');
      if (actual !== row.checksum) {
        throw new ModelLoadError(version, `its bundle fails the integrity check (sha256 ${actual.slice(0, 16)}… ≠ stored ${row.checksum.slice(0, 16)}…)`);
      }
      try {
        classifier = FacilityClassifier.fromBundle(unpackBundle(row.bundle));
      } catch (error) {
        throw new ModelLoadError(version, `its bundle does not load: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    } catch (error) {
      const reason = error instanceof ModelLoadError ? error.reason : String(error);
      if (row.load_error !== reason) await this.recordLoadError(version, reason);
      throw error;
    }
    if (row.load_error !== null) await this.recordLoadError(version, null); // repaired since
    this.log.debug({ version, ms: Math.round(performance.now() - started) }, 'model loaded');
    return { version, classifier };
  }

  /** Marks (or clears) a version's load error in the registry; best effort, the cache knows it anyway. */
  private async recordLoadError(version: number, reason: string | null): Promise<void> {
    await this.opts.pool
      .query('UPDATE model_version SET load_error = $2 WHERE version = $1', [version, reason])
      .catch((error: unknown) => this.log.warn({ err: error, version }, 'could not record the load error'));
  }
}
