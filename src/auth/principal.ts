/** Who is calling: the API key presented (if any) and the role it acts with. */
import { UnauthenticatedError } from '../errors.js';
import type { ApiKeyRecord, ApiKeyService } from './api-keys.js';
import { bearerKey } from './keys.js';
import type { AccessRole } from './roles.js';

export interface Principal {
  /** the caller's key; null for an anonymous caller */
  key: ApiKeyRecord | null;
  /** the key's role, or ANONYMOUS_ROLE (null: may call only the open fields) */
  role: AccessRole | null;
}

/**
 * The principal of an `Authorization` value (HTTP header or WebSocket connectionParams). A value
 * that is present but not a known, active key is UNAUTHENTICATED: it never falls back to anonymous.
 */
export function principalFor(authorization: unknown, keys: ApiKeyService, anonymousRole: AccessRole | null): Principal {
  const key = bearerKey(authorization);
  if (key === null) return { key: null, role: anonymousRole };
  if (key === undefined) throw new UnauthenticatedError('the Authorization value must be "Bearer <key>"');
  const record = keys.authenticate(key);
  if (!record) throw new UnauthenticatedError('the API key is unknown or revoked');
  return { key: record, role: record.role };
}
