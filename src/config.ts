/**
 * One typed configuration, read from the environment once at startup.
 * A bad value stops startup with one line naming the variable and what it accepts.
 */
import path from 'node:path';
import { TF_BACKENDS, type BackendName } from './ml/backend-names.js';

export type Role = 'all' | 'api' | 'worker';
/** API-key roles, cumulative (each includes the ones before it); see src/auth/roles.ts. */
export type AccessRole = 'VIEWER' | 'PREDICTOR' | 'TRAINER' | 'ADMIN';
const ACCESS_ROLES = ['viewer', 'predictor', 'trainer', 'admin'] as const;
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
  jobs: {
    concurrency: number; leaseMs: number; heartbeatMs: number; maxAttempts: number; pollMs: number;
    /** longest one attempt may run before it is stopped and the job FAILED */
    timeoutMs: number;
    /** backoff before a job handed back on a transient failure runs again: base·2^(attempt−1), capped */
    retryBaseMs: number; retryMaxMs: number;
    /** stored epochs of jobs finished longer ago than this are deleted; 0 keeps them forever */
    epochRetentionDays: number;
    /** most dataset rows one training reads (read in pages); more is a permanent failure */
    maxTrainingRows: number;
  };
  /** Bounds on every pooled connection, and the retry of transient errors on the training path. */
  db: { statementTimeoutMs: number; idleInTransactionTimeoutMs: number; retryBaseMs: number; retryMaxMs: number };
  gate: {
    /** auto: the gate activates a candidate that wins; manual: every candidate waits for promoteModel */
    policy: 'auto' | 'manual';
    /** the interval's lower end must be above −tolerance */
    tolerance: number;
    /** fewer pinned evaluation rows than this: no automatic promotion */
    minEvaluationRows: number;
    /** confidence of the paired-bootstrap interval */
    confidence: number;
  };
  webhooks: {
    /** deliveries may reach loopback and private addresses (tests, private networks) */
    allowPrivateNetworks: boolean;
    timeoutMs: number; maxAttempts: number; backoffMs: number; maxBackoffMs: number; pollMs: number;
  };
  /** GET /metrics (Prometheus text) is served */
  metricsEnabled: boolean;
  /** the role a key must have to read /metrics; null = open to every caller (the usual in-cluster scrape) */
  metricsRole: AccessRole | null;
  /** Browser origins allowed to call the API cross-origin (CORS); `*` for any. Also checked on WebSocket upgrades. */
  corsOrigins: string[];
  shutdownTimeoutMs: number;
  auth: {
    /** ADMIN_API_KEY: an ADMIN key with this value exists while it is set. */
    adminApiKey: string | null;
    /** the role of callers without a key; null = they are UNAUTHENTICATED */
    anonymousRole: AccessRole | null;
    /** safety-net reload of the key cache (revocations normally arrive by NOTIFY within milliseconds) */
    keyRefreshMs: number;
    /** HMAC secret of signed download links; null = a random one per process */
    downloadLinkSecret: string | null;
    /** per-key operations per second (0 = no limit) and the burst allowed above it */
    rateLimitPerSecond: number;
    rateLimitBurst: number;
  };
  /** What one GraphQL request may cost; refused before execution (QUERY_TOO_COMPLEX). */
  limits: {
    /** largest JSON request body and WebSocket message */
    maxRequestBytes: number;
    maxTokens: number;
    maxDepth: number;
    maxAliases: number;
    maxDirectives: number;
    /** each field 1, each predicted row 1 */
    maxCost: number;
    /** operations at once on one WebSocket connection */
    wsMaxOperations: number;
  };
  /** introspection and "Did you mean" field suggestions (both off by default when NODE_ENV=production) */
  introspection: boolean;
  fieldSuggestions: boolean;
  /** Apollo's landing page at GET /graphql (off when NODE_ENV=production) */
  landingPage: boolean;
  /** GRAPHQL_COMPILE_AFTER: an HTTP query's document is compiled (graphql-jit) on its n-th execution; 0 = never, graphql-js throughout */
  graphqlCompileAfter: number;
  /** TRELLIS_TF_BACKEND: the tfjs backend training tries first (then down tensorflow → wasm → cpu); null = tensorflow first */
  tfBackend: BackendName | null;
}

export class ConfigError extends Error {
  constructor(public readonly variable: string, expected: string, got: string) {
    super(`Invalid ${variable}=${JSON.stringify(got)}: expected ${expected}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** The variable's value, or null when it is unset or empty (both mean: the default). */
function given(env: Env, name: string): string | null {
  const raw = env[name];
  return raw === undefined || raw === '' ? null : raw;
}

/** A number from `min` to `max` (a whole one when `whole`), or the fallback. */
function bounded(env: Env, name: string, fallback: number, min: number, max: number, whole: boolean): number {
  const raw = given(env, name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!(whole ? Number.isInteger(n) : Number.isFinite(n)) || n < min || n > max) {
    throw new ConfigError(name, `${whole ? 'an integer' : 'a number'} from ${min} to ${max}`, raw);
  }
  return n;
}

const int = (env: Env, name: string, fallback: number, min: number, max: number): number => bounded(env, name, fallback, min, max, true);
const num = (env: Env, name: string, fallback: number, min: number, max: number): number => bounded(env, name, fallback, min, max, false);

function oneOf<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = given(env, name);
  if (raw === null) return fallback;
  const value = raw.toLowerCase() as T;
  if (!allowed.includes(value)) throw new ConfigError(name, `one of ${allowed.join(' | ')}`, raw);
  return value;
}

function databaseUrl(env: Env): string | null {
  const raw = given(env, 'DATABASE_URL');
  if (raw === null) return null;
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

function bool(env: Env, name: string, fallback: boolean): boolean {
  return oneOf(env, name, fallback ? 'true' : 'false', ['true', 'false']) === 'true';
}

function adminApiKey(env: Env): string | null {
  const raw = given(env, 'ADMIN_API_KEY');
  if (raw === null) return null;
  // It is compared by hash like any key; a short one could be guessed.
  if (raw.length < 16 || raw.length > 512 || /\s/.test(raw)) throw new ConfigError('ADMIN_API_KEY', 'at least 16 characters without spaces', raw.replace(/./g, '*'));
  return raw;
}

function tfBackend(env: Env): BackendName | null {
  return given(env, 'TRELLIS_TF_BACKEND') === null ? null : oneOf<BackendName>(env, 'TRELLIS_TF_BACKEND', 'tensorflow', TF_BACKENDS);
}

/** A role, or `none` (null). */
function accessRole(env: Env, name: string): AccessRole | null {
  const value = oneOf(env, name, 'none', ['none', ...ACCESS_ROLES]);
  return value === 'none' ? null : (value.toUpperCase() as AccessRole);
}

/** Parses and validates the environment. Throws ConfigError on the first bad variable. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const dataDir = path.resolve(cwd, env.DATA_DIR || '.data');
  const production = env.NODE_ENV === 'production';
  const introspection = bool(env, 'INTROSPECTION', !production);
  const rateLimitPerSecond = num(env, 'RATE_LIMIT_PER_SECOND', 0, 0, 1_000_000);
  const maxBatchRows = int(env, 'PREDICT_MAX_BATCH_ROWS', 1000, 1, 100_000);
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
      maxBatchRows,
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
      timeoutMs: int(env, 'JOB_TIMEOUT_MS', 3_600_000, 1_000, 7 * 86_400_000),
      retryBaseMs: int(env, 'JOB_RETRY_BASE_MS', 5_000, 0, 3_600_000),
      retryMaxMs: int(env, 'JOB_RETRY_MAX_MS', 300_000, 0, 86_400_000),
      epochRetentionDays: int(env, 'EPOCH_RETENTION_DAYS', 30, 0, 36_500),
      maxTrainingRows: int(env, 'TRAIN_MAX_ROWS', 1_000_000, 1, 100_000_000),
    },
    db: {
      statementTimeoutMs: int(env, 'DB_STATEMENT_TIMEOUT_MS', 60_000, 0, 86_400_000),
      idleInTransactionTimeoutMs: int(env, 'DB_IDLE_IN_TRANSACTION_TIMEOUT_MS', 60_000, 0, 86_400_000),
      retryBaseMs: int(env, 'DB_RETRY_BASE_MS', 100, 1, 60_000),
      retryMaxMs: int(env, 'DB_RETRY_MAX_MS', 2_000, 1, 600_000),
    },
    gate: {
      policy: oneOf(env, 'GATE_POLICY', 'auto', ['auto', 'manual']),
      tolerance: num(env, 'GATE_TOLERANCE', 0, -1, 1),
      minEvaluationRows: int(env, 'GATE_MIN_EVALUATION_ROWS', 100, 0, 1_000_000),
      confidence: num(env, 'GATE_CONFIDENCE', 0.95, 0.5, 0.999),
    },
    webhooks: {
      allowPrivateNetworks: oneOf(env, 'WEBHOOK_ALLOW_PRIVATE_NETWORKS', 'false', ['true', 'false']) === 'true',
      timeoutMs: int(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
      maxAttempts: int(env, 'WEBHOOK_MAX_ATTEMPTS', 8, 1, 100),
      backoffMs: int(env, 'WEBHOOK_BACKOFF_MS', 1_000, 10, 3_600_000),
      maxBackoffMs: int(env, 'WEBHOOK_MAX_BACKOFF_MS', 300_000, 10, 86_400_000),
      pollMs: int(env, 'WEBHOOK_POLL_MS', 1_000, 10, 600_000),
    },
    metricsEnabled: oneOf(env, 'METRICS_ENABLED', 'true', ['true', 'false']) === 'true',
    metricsRole: accessRole(env, 'METRICS_ROLE'),
    corsOrigins: origins(env),
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000),
    auth: {
      adminApiKey: adminApiKey(env),
      anonymousRole: accessRole(env, 'ANONYMOUS_ROLE'),
      keyRefreshMs: int(env, 'API_KEY_REFRESH_MS', 10_000, 100, 3_600_000),
      downloadLinkSecret: env.DOWNLOAD_LINK_SECRET || null,
      rateLimitPerSecond,
      rateLimitBurst: int(env, 'RATE_LIMIT_BURST', Math.max(1, Math.ceil(rateLimitPerSecond)), 1, 1_000_000),
    },
    limits: {
      // 1 MiB: a predictBatch of 1,000 full rows is ~250 KB of JSON; uploads have their own limit.
      maxRequestBytes: int(env, 'MAX_REQUEST_BYTES', 1024 * 1024, 1024, 256 * 1024 * 1024),
      // The web UI's largest document is ~150 tokens, Apollo Studio's introspection query ~300.
      maxTokens: int(env, 'QUERY_MAX_TOKENS', 5_000, 10, 10_000_000),
      // Introspection is exempt; the UI's deepest query is 6 levels.
      maxDepth: int(env, 'QUERY_MAX_DEPTH', 12, 1, 1_000),
      maxAliases: int(env, 'QUERY_MAX_ALIASES', 30, 0, 1_000_000),
      maxDirectives: int(env, 'QUERY_MAX_DIRECTIVES', 50, 0, 1_000_000),
      // A full predictBatch (each row counts 1) plus 5,000 for everything else.
      maxCost: int(env, 'QUERY_MAX_COST', 5_000 + maxBatchRows, 1, 100_000_000),
      wsMaxOperations: int(env, 'WS_MAX_OPERATIONS', 20, 1, 10_000),
    },
    introspection,
    fieldSuggestions: bool(env, 'FIELD_SUGGESTIONS', introspection),
    landingPage: !production,
    graphqlCompileAfter: int(env, 'GRAPHQL_COMPILE_AFTER', 2, 0, 1_000_000),
    tfBackend: tfBackend(env),
  };
}

/**
 * The environment of a child process Trellis starts (embedded PostgreSQL's initdb and postgres):
 * this process's own, as any child inherits it (PATH, HOME, TZ …), with `overrides`. Read here so
 * that the environment is read in this one module.
 */
export function childProcessEnv(overrides: Env): Env {
  return { ...process.env, ...overrides };
}
