/**
 * The caller of an HTTP request, from `Authorization: Bearer <key>` (no query: the key cache is in
 * memory). A key that is presented but unknown or revoked is answered 401 UNAUTHENTICATED before
 * anything else runs; no key means ANONYMOUS_ROLE (which may be none: then only open fields work).
 */
import type { NextFunction, Request, Response } from 'express';
import type { ApiKeyService } from '../auth/api-keys.js';
import { principalFor, type Principal } from '../auth/principal.js';
import { roleAtLeast, type AccessRole } from '../auth/roles.js';
import { TrellisError } from '../errors.js';

const PRINCIPAL = Symbol('principal');
type WithPrincipal = Request & { [PRINCIPAL]?: Principal };

export function authenticate(keys: ApiKeyService, anonymousRole: AccessRole | null) {
  return (req: Request, res: Response, next: NextFunction): void => {
    try {
      (req as WithPrincipal)[PRINCIPAL] = principalFor(req.headers.authorization, keys, anonymousRole);
      next();
    } catch (error) {
      if (!(error instanceof TrellisError)) throw error;
      res.status(401).setHeader('www-authenticate', 'Bearer').json({ errors: [{ message: error.message, extensions: { code: error.extensions.code } }] });
    }
  };
}

/** The principal `authenticate` attached to the request. */
export function principalOf(req: Request): Principal {
  const principal = (req as WithPrincipal)[PRINCIPAL];
  if (!principal) throw new Error('authenticate() did not run before this handler');
  return principal;
}

/**
 * For plain HTTP routes (downloads, /metrics): whether the request's key has at least `need`.
 * An unknown or revoked key counts as no key. Answers 401 (no role) or 403 (too low) with `message`
 * and returns false when it does not.
 */
export function requireRole(
  req: Request, res: Response, access: { keys: ApiKeyService; anonymousRole: AccessRole | null }, need: AccessRole, message: string,
): boolean {
  let role: AccessRole | null = null;
  try {
    role = principalFor(req.headers.authorization, access.keys, access.anonymousRole).role;
  } catch {
    // an unknown or revoked key: same answer as none
  }
  if (roleAtLeast(role, need)) return true;
  res.status(role === null ? 401 : 403).json({ error: message });
  return false;
}
