/**
 * Transient database errors and how to ride them out.
 *
 * Transient: the statement did not run (or its transaction rolled back) for a reason that goes away
 * by itself — the server restarting or failing over, the connection dropped, a serialization or
 * deadlock conflict, the pool out of connections for a while. Retrying the same statement later is
 * correct. Everything else (a constraint violation, a syntax error, bad data) is permanent: retrying
 * would fail the same way, so it is reported at once.
 */

/** SQLSTATE classes and codes that say "try again" (PostgreSQL appendix A). */
const TRANSIENT_CODES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '53300', // too_many_connections
  '57P01', // admin_shutdown (pg_ctl stop -m fast, pg_terminate_backend)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (the server is starting or shutting down)
  '58000', // system_error
  '58030', // io_error
]);

/** Node socket errors of a connection that went away or never came. */
const TRANSIENT_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTCONN']);

/** What node-postgres says when a connection ends under a query, or the pool has no client to give. */
const TRANSIENT_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i, // pg-pool: connectionTimeoutMillis passed with every client busy
  /client has encountered a connection error and is not queryable/i,
  /connection (?:is )?(?:closed|ended)/i,
  /the database system is (?:starting up|shutting down|in recovery mode)/i,
];

function codeOf(error: object): string | undefined {
  return 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/** True when `error` (or an error it wraps as `cause`) is worth retrying. */
export function isTransientDbError(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const code = codeOf(error);
  if (code !== undefined) {
    if (TRANSIENT_CODES.has(code) || code.startsWith('08') || TRANSIENT_ERRNOS.has(code)) return true;
  }
  const message = 'message' in error && typeof error.message === 'string' ? error.message : '';
  if (TRANSIENT_MESSAGES.some((re) => re.test(message))) return true;
  if ('errors' in error && Array.isArray(error.errors)) return error.errors.some((e) => isTransientDbError(e, depth + 1)); // AggregateError (connect to ::1 and 127.0.0.1)
  return 'cause' in error && isTransientDbError(error.cause, depth + 1);
}

export interface RetryOptions {
  /** give up (rethrowing the last error) once this wall-clock time (ms since epoch) has passed */
  deadline?: number | (() => number);
  /** first delay; each retry doubles it up to maxDelayMs, with full jitter */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** stop retrying when aborted (the last error is rethrown) */
  signal?: AbortSignal;
  /** which errors to retry (default isTransientDbError) */
  retryable?: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** Delay before retry number `attempt` (1-based): uniform in [delay/2, delay], delay = min(max, base·2^(attempt−1)). */
export function backoffDelay(attempt: number, baseDelayMs: number, maxDelayMs: number, random = Math.random): number {
  const capped = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(capped / 2 + (random() * capped) / 2);
}

/** Resolves after `ms`, or early when `signal` aborts. Never rejects. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs `fn` until it succeeds, retrying transient errors with capped exponential backoff and
 * jitter while the deadline allows. A permanent error, or a transient one past the deadline, is
 * rethrown unchanged. Without a deadline it retries until `signal` aborts.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const base = opts.baseDelayMs ?? 100;
  const max = opts.maxDelayMs ?? 2_000;
  const retryable = opts.retryable ?? isTransientDbError;
  const deadline = () => (typeof opts.deadline === 'function' ? opts.deadline() : (opts.deadline ?? Number.POSITIVE_INFINITY));
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (!retryable(error) || opts.signal?.aborted) throw error;
      const remaining = deadline() - Date.now();
      if (remaining <= 0) throw error;
      const delay = Math.min(backoffDelay(attempt, base, max), remaining);
      opts.onRetry?.(error, attempt, delay);
      await pause(delay, opts.signal);
      if (opts.signal?.aborted) throw error;
    }
  }
}
