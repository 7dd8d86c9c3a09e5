/**
 * Domain errors with a stable `extensions.code` (the API contract). Services (datasets, jobs,
 * registry, serving, webhooks) and resolvers throw these or subclasses of them, so no layer
 * translates another's errors; anything else reaching the client is masked as
 * INTERNAL_SERVER_ERROR without a stack. Only `ml/` (pure) has plain errors of its own, turned into
 * these where a service calls it.
 */
import { GraphQLError } from 'graphql';

export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'MODEL_NOT_READY'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'QUERY_TOO_COMPLEX'
  | 'INTERNAL_SERVER_ERROR';

export class TrellisError extends GraphQLError {
  constructor(message: string, code: ErrorCode, extensions: Record<string, unknown> = {}, cause?: unknown) {
    super(message, { extensions: { ...extensions, code }, originalError: cause instanceof Error ? cause : undefined });
    this.name = new.target.name;
    if (cause !== undefined) this.cause = cause;
  }
}

/** Invalid argument; `field` is the path of the offending input field, e.g. `input.latitude`. */
export class BadUserInputError extends TrellisError {
  constructor(message: string, field?: string, extra: Record<string, unknown> = {}) {
    super(message, 'BAD_USER_INPUT', field ? { field, ...extra } : extra);
  }
}

export class NotFoundError extends TrellisError {
  constructor(what: string, id: string | number) {
    super(`${what} ${id} not found`, 'NOT_FOUND', { id: String(id) });
  }
}

export class ConflictError extends TrellisError {
  constructor(message: string, extra: Record<string, unknown> = {}) {
    super(message, 'CONFLICT', extra);
  }
}

export class ModelNotReadyError extends TrellisError {
  constructor(message = 'No active model is loaded yet', cause?: unknown) {
    super(message, 'MODEL_NOT_READY', {}, cause);
  }
}

/** Serving has no model to answer with: none active yet, or the active one cannot be loaded (`reason`). */
export class NoActiveModelError extends ModelNotReadyError {
  constructor(reason?: string | null) {
    super(reason ? `No model can be served: ${reason}` : undefined);
  }
}

/** A prediction asked for a version the registry does not have. */
export class UnknownModelVersionError extends NotFoundError {
  constructor(readonly version: number) {
    super('model version', version);
  }
}

export class PayloadTooLargeError extends TrellisError {
  constructor(message: string, readonly limit: number) {
    super(message, 'PAYLOAD_TOO_LARGE', { limit });
  }
}

/** An uploaded file over UPLOAD_MAX_BYTES (uploadDataset, predictBatchFile): one wording for every upload. */
export class FileTooLargeError extends PayloadTooLargeError {
  constructor(maxBytes: number) {
    super(`the file is larger than the upload limit of ${maxBytes} bytes`, maxBytes);
  }
}

/** An uploaded CSV with more data rows than UPLOAD_MAX_ROWS (uploadDataset, predictBatchFile). */
export class TooManyRowsError extends PayloadTooLargeError {
  constructor(maxRows: number) {
    super(`the file has more than ${maxRows} data rows (the upload limit)`, maxRows);
  }
}

/** No key (and no ANONYMOUS_ROLE), or an unknown or revoked key. HTTP 401. */
export class UnauthenticatedError extends TrellisError {
  constructor(message = 'an API key is required: send "Authorization: Bearer <key>"') {
    super(message, 'UNAUTHENTICATED', { http: { status: 401 } });
  }
}

/** The key's role is below what the operation needs; nothing was done. */
export class ForbiddenError extends TrellisError {
  constructor(message: string, required: string) {
    super(message, 'FORBIDDEN', { requiredRole: required, http: { status: 403 } });
  }
}

/** The key went over RATE_LIMIT_PER_SECOND; `retryAfterMs` says when one more operation fits. HTTP 429. */
export class RateLimitedError extends TrellisError {
  constructor(retryAfterMs: number) {
    super(`rate limit exceeded; retry in ${retryAfterMs} ms`, 'RATE_LIMITED', { retryAfterMs, http: { status: 429 } });
  }
}

/** A document over one of the limits (tokens, depth, aliases, directives, cost, predicted rows), refused before execution. */
export class QueryTooComplexError extends TrellisError {
  constructor(message: string, limit: string, max: number, found?: number) {
    super(message, 'QUERY_TOO_COMPLEX', { limit, max, ...(found === undefined ? {} : { found }), http: { status: 400 } });
  }
}
