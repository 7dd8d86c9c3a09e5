/**
 * Domain errors with a stable `extensions.code` (the API contract). Services and resolvers throw
 * these; anything else reaching the client is masked as INTERNAL_SERVER_ERROR without a stack.
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
  constructor(message = 'No active model is loaded yet') {
    super(message, 'MODEL_NOT_READY');
  }
}

export class PayloadTooLargeError extends TrellisError {
  constructor(message: string, limit: number) {
    super(message, 'PAYLOAD_TOO_LARGE', { limit });
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
