/**
 * One typed configuration, read from the environment once at startup.
 * A bad value stops startup with one line naming the variable and what it accepts.
 */
import path from 'node:path';

export type Role = 'all' | 'api' | 'worker';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | null;
  dataDir: string;
  role: Role;
  logLevel: LogLevel;
  /** Directory of the committed model bundle imported as version 1 on an empty database. */
  bundledModelDir: string;
  upload: { maxBytes: number; maxRows: number };
  predict: {
    maxBatchRows: number; microBatchWindowMs: number; microBatchMaxRows: number; modelCacheSize: number;
    /** a micro-batch also runs once an event-loop turn passes without a new request joining it */
    microBatchFlushWhenIdle: boolean;
    /** scored CSVs of predictBatchFile: kept this long in PostgreSQL (any API replica serves them), at most this many */
    downloadTtlMs: number; downloadMaxFiles: number;
  };
  jobs: { concurrency: number; leaseMs: number; heartbeatMs: number; maxAttempts: number; pollMs: number };
  gate: { tolerance: number };
  /** Browser origins allowed to call the API cross-origin (CORS); `*` for any. */
  corsOrigins: string[];
  shutdownTimeoutMs: number;
}

export class ConfigError extends Error {
  constructor(public readonly variable: string, expected: string, got: string) {
    super(`Invalid ${variable}=${JSON.stringify(got)}: expected ${expected}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(name, `an integer from ${min} to ${max}`, raw);
  return n;
}

function num(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new ConfigError(name, `a number from ${min} to ${max}`, raw);
  return n;
}

function oneOf<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = raw.toLowerCase() as T;
  if (!allowed.includes(value)) throw new ConfigError(name, `one of ${allowed.join(' | ')}`, raw);
  return value;
}

function databaseUrl(env: Env): string | null {
  const raw = env.DATABASE_URL;
  if (raw === undefined || raw === '') return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('DATABASE_URL', 'a postgres:// URL', raw);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError('DATABASE_URL', 'a postgres:// URL', raw);
  }
  return raw;
}

function origins(env: Env): string[] {
  const raw = env.CORS_ORIGINS;
  if (raw === undefined) return ['https://studio.apollographql.com'];
  const list = raw.split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of list) {
    if (origin === '*') continue;
    let url: URL | null = null;
    try {
      url = new URL(origin);
    } catch {
      // reported below
    }
    if (!url || url.origin !== origin) throw new ConfigError('CORS_ORIGINS', 'a comma-separated list of origins like https://example.org, or *', raw);
  }
  return list;
}

/** Parses and validates the environment. Throws ConfigError on the first bad variable. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const dataDir = path.resolve(cwd, env.DATA_DIR || '.data');
  return {
    port: int(env, 'PORT', 4000, 0, 65535),
    host: env.HOST || '0.0.0.0',
    databaseUrl: databaseUrl(env),
    dataDir,
    role: oneOf<Role>(env, 'ROLE', 'all', ['all', 'api', 'worker']),
    logLevel: oneOf<LogLevel>(env, 'LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    bundledModelDir: path.resolve(cwd, env.BUNDLED_MODEL_DIR || 'models/facility-rating'),
    upload: {
      maxBytes: int(env, 'UPLOAD_MAX_BYTES', 50 * 1024 * 1024, 1024, 2 ** 31),
      maxRows: int(env, 'UPLOAD_MAX_ROWS', 200_000, 1, 10_000_000),
    },
    predict: {
      maxBatchRows: int(env, 'PREDICT_MAX_BATCH_ROWS', 1000, 1, 100_000),
      microBatchWindowMs: num(env, 'PREDICT_MICROBATCH_WINDOW_MS', 2, 0, 1000),
      microBatchMaxRows: int(env, 'PREDICT_MICROBATCH_MAX_ROWS', 64, 1, 10_000),
      microBatchFlushWhenIdle: oneOf(env, 'PREDICT_MICROBATCH_FLUSH_WHEN_IDLE', 'true', ['true', 'false']) === 'true',
      modelCacheSize: int(env, 'PREDICT_MODEL_CACHE_SIZE', 4, 1, 100),
      downloadTtlMs: int(env, 'PREDICT_DOWNLOAD_TTL_MS', 3_600_000, 1_000, 7 * 86_400_000),
      downloadMaxFiles: int(env, 'PREDICT_DOWNLOAD_MAX_FILES', 100, 1, 100_000),
    },
    jobs: {
      concurrency: int(env, 'TRAINER_CONCURRENCY', 1, 0, 64),
      leaseMs: int(env, 'JOB_LEASE_MS', 30_000, 500, 3_600_000),
      heartbeatMs: int(env, 'JOB_HEARTBEAT_MS', 10_000, 100, 3_600_000),
      maxAttempts: int(env, 'JOB_MAX_ATTEMPTS', 3, 1, 100),
      pollMs: int(env, 'JOB_POLL_MS', 2_000, 50, 600_000),
    },
    gate: { tolerance: num(env, 'GATE_TOLERANCE', 0, -1, 1) },
    corsOrigins: origins(env),
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000),
  };
}
