/**
 * API keys: created (shown once), listed, revoked; authenticated from an in-memory cache of the
 * active keys, so a request costs a SHA-256 and a Map read, never a query.
 *
 * Every replica holds the same cache: a create or revoke NOTIFYs `trellis_api_keys` from its own
 * statement and every process reloads the (small) table when it hears it — a revoked key stops
 * working everywhere within milliseconds of the commit. A reload every API_KEY_REFRESH_MS is the
 * safety net for notices lost while the LISTEN connection was down. `lastUsedAt` is kept in memory
 * and written in one statement per flush (every LAST_USED_FLUSH_MS), not per request.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { CHANNELS, type NotifyBus } from '../db/notify-bus.js';
import type { Logger } from '../logger.js';
import { BadUserInputError, ConflictError, NotFoundError } from '../errors.js';
import { camelize, type Camelized } from '../db/rows.js';
import { isUuid, transaction } from '../db/sql.js';
import { generateKey, hashKey } from './keys.js';
import type { AccessRole } from './roles.js';

export type ApiKeySource = 'created' | 'env' | 'bootstrap';

/** One row of `api_key` as Postgres returns it. */
interface ApiKeyRow {
  id: string;
  name: string;
  role: AccessRole;
  /** sha256 of the key: the key itself is never stored */
  key_hash: string;
  /** created through the API, the ADMIN_API_KEY variable, or the first start's generated key */
  source: ApiKeySource;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** A key as the service hands it out: the row without its hash. */
export type ApiKeyRecord = Camelized<Omit<ApiKeyRow, 'key_hash'>>;

const toRecord = ({ key_hash: _, ...row }: ApiKeyRow): ApiKeyRecord => camelize(row);

/** lastUsedAt precision: one UPDATE per process per 10 s at most, whatever the request rate. */
const LAST_USED_FLUSH_MS = 10_000;
/** Serialises bootstrap between processes starting at once (one generated admin key, not two). */
const BOOTSTRAP_LOCK_KEY = 7_261_010;
const NOTIFY = `pg_notify('${CHANNELS.apiKeys}', json_build_object('id', u.id)::text)::text AS notified`;

export interface GeneratedAdminKey {
  key: string;
  /** DATA_DIR/admin.key, mode 0600 */
  file: string;
}

export class ApiKeyService {
  private byHash = new Map<string, ApiKeyRecord>();
  private activeIds = new Set<string>();
  private lastUsed = new Map<string, Date>();
  private readonly listeners = new Set<() => void>();
  private unsubscribe: (() => void) | null = null;
  private refreshTimer: NodeJS.Timeout | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private reloading: Promise<void> | null = null;
  private reloadAgain = false;

  constructor(private readonly deps: { pool: pg.Pool; bus: NotifyBus; logger: Logger; refreshMs: number }) {}

  /** Loads the active keys and follows changes (NOTIFY, plus the periodic reload). */
  async start(): Promise<void> {
    this.unsubscribe = this.deps.bus.subscribe(CHANNELS.apiKeys, () => this.reloadInBackground());
    await this.reload();
    this.refreshTimer = setInterval(() => this.reloadInBackground(), this.deps.refreshMs);
    this.refreshTimer.unref();
    this.flushTimer = setInterval(() => {
      this.flushLastUsed().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'could not record API key use'));
    }, LAST_USED_FLUSH_MS);
    this.flushTimer.unref();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    if (this.flushTimer) clearInterval(this.flushTimer);
    await this.reloading?.catch(() => undefined);
    await this.flushLastUsed().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'could not record API key use'));
  }

  /** The active key with this value, or null (unknown or revoked). No query. */
  authenticate(key: string): ApiKeyRecord | null {
    const record = this.byHash.get(hashKey(key));
    if (!record) return null;
    this.lastUsed.set(record.id, new Date());
    return record;
  }

  /** Whether the key id is still active (open WebSocket connections re-check this on every change). */
  isActive(id: string): boolean {
    return this.activeIds.has(id);
  }

  /** Called after every reload of the cache (e.g. to close connections of revoked keys). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async list(): Promise<ApiKeyRecord[]> {
    const res = await this.deps.pool.query<ApiKeyRow>('SELECT * FROM api_key ORDER BY created_at DESC, id DESC');
    return res.rows.map((r) => this.withPendingUse(toRecord(r)));
  }

  /** Creates a key; the returned `key` is the only time its value exists outside the caller. */
  async create(name: string, role: AccessRole): Promise<{ key: string; apiKey: ApiKeyRecord }> {
    const trimmed = name.trim();
    if (trimmed.length < 1 || trimmed.length > 100) throw new BadUserInputError('name: expected 1 to 100 characters', 'name');
    const key = generateKey();
    const res = await this.deps.pool.query<ApiKeyRow & { notified: string }>(
      `WITH u AS (INSERT INTO api_key (name, role, key_hash, source) VALUES ($1, $2, $3, 'created') RETURNING *)
       SELECT u.*, ${NOTIFY} FROM u`,
      [trimmed, role, hashKey(key)],
    );
    const { notified: _, ...row } = res.rows[0] as ApiKeyRow & { notified: string };
    const apiKey = toRecord(row);
    this.cache(apiKey, hashKey(key));
    return { key, apiKey };
  }

  /**
   * Revokes a key (idempotent: an already revoked key is returned as it is). The key of
   * ADMIN_API_KEY cannot be revoked here: it exists while the variable is set.
   */
  async revoke(id: string): Promise<ApiKeyRecord> {
    if (!isUuid(id)) throw new NotFoundError('API key', id);
    const res = await this.deps.pool.query<ApiKeyRow & { notified: string }>(
      `WITH u AS (
         UPDATE api_key SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND source <> 'env' RETURNING *
       ) SELECT u.*, ${NOTIFY} FROM u`,
      [id],
    );
    const revoked = res.rows[0];
    if (!revoked) {
      const existing = await this.deps.pool.query<ApiKeyRow>('SELECT * FROM api_key WHERE id = $1', [id]);
      if (!existing.rows[0]) throw new NotFoundError('API key', id);
      throw new ConflictError('this key comes from ADMIN_API_KEY and exists while the variable is set; unset it and restart to remove the key', { source: 'env' });
    }
    const { notified: _, ...row } = revoked;
    this.uncache(row.key_hash);
    return toRecord(row);
  }

  /**
   * At startup: with ADMIN_API_KEY, an ADMIN key of that value exists (earlier values of the
   * variable are revoked); without it, a database with no active key gets a generated ADMIN key,
   * written to DATA_DIR/admin.key (0600) and returned so it can be printed once.
   */
  async bootstrap(options: { adminApiKey: string | null; dataDir: string }): Promise<GeneratedAdminKey | null> {
    const generated = await transaction(this.deps.pool, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK_KEY]);
      const wanted = options.adminApiKey ? hashKey(options.adminApiKey) : null;
      await tx.query(
        `WITH u AS (UPDATE api_key SET revoked_at = now() WHERE source = 'env' AND revoked_at IS NULL AND key_hash IS DISTINCT FROM $1 RETURNING id)
         SELECT ${NOTIFY} FROM u`,
        [wanted],
      );
      if (wanted) {
        await tx.query(
          `WITH u AS (
             INSERT INTO api_key (name, role, key_hash, source) VALUES ('ADMIN_API_KEY', 'ADMIN', $1, 'env')
             ON CONFLICT (key_hash) DO UPDATE SET revoked_at = NULL, role = 'ADMIN', source = 'env'
             RETURNING id
           ) SELECT ${NOTIFY} FROM u`,
          [wanted],
        );
        return null;
      }
      const active = await tx.query<{ n: string }>('SELECT count(*) AS n FROM api_key WHERE revoked_at IS NULL');
      if (Number(active.rows[0]?.n ?? 0) > 0) return null;
      const key = generateKey();
      await tx.query(`INSERT INTO api_key (name, role, key_hash, source) VALUES ('admin (first start)', 'ADMIN', $1, 'bootstrap')`, [hashKey(key)]);
      return key;
    });
    await this.reload();
    if (!generated) return null;
    const file = path.join(options.dataDir, 'admin.key');
    await mkdir(options.dataDir, { recursive: true });
    await writeFile(file, `${generated}\n`, { mode: 0o600 });
    return { key: generated, file };
  }

  /** Re-reads every active key; overlapping calls collapse into one more reload. */
  reload(): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      try {
        do {
          this.reloadAgain = false;
          const res = await this.deps.pool.query<ApiKeyRow>('SELECT * FROM api_key WHERE revoked_at IS NULL');
          this.byHash = new Map(res.rows.map((r) => [r.key_hash, toRecord(r)]));
          this.activeIds = new Set(res.rows.map((r) => r.id));
        } while (this.reloadAgain);
      } finally {
        this.reloading = null;
      }
      this.changed();
    })();
    return this.reloading;
  }

  private reloadInBackground(): void {
    this.reload().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'could not reload API keys; keeping the cached ones'));
  }

  private cache(record: ApiKeyRecord, hash: string): void {
    this.byHash.set(hash, record);
    this.activeIds.add(record.id);
  }

  private uncache(hash: string): void {
    const record = this.byHash.get(hash);
    if (!record) return;
    this.byHash.delete(hash);
    this.activeIds.delete(record.id);
    this.changed();
  }

  private changed(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (error) {
        this.deps.logger.error({ err: error }, 'API key change listener failed');
      }
    }
  }

  private withPendingUse(record: ApiKeyRecord): ApiKeyRecord {
    const pending = this.lastUsed.get(record.id);
    return pending && (!record.lastUsedAt || pending > record.lastUsedAt) ? { ...record, lastUsedAt: pending } : record;
  }

  /** The caller's key as it is now (pending lastUsedAt included), for `me`. */
  current(record: ApiKeyRecord): ApiKeyRecord {
    return this.withPendingUse(record);
  }

  private async flushLastUsed(): Promise<void> {
    if (this.lastUsed.size === 0) return;
    const pending = this.lastUsed;
    this.lastUsed = new Map();
    await this.deps.pool.query(
      `UPDATE api_key k SET last_used_at = greatest(k.last_used_at, u.at)
         FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, at) WHERE k.id = u.id`,
      [[...pending.keys()], [...pending.values()]],
    );
  }
}
