/**
 * The audit log: one row per mutation call (who, what, with which arguments, how it ended),
 * written when the mutation finishes, over HTTP or WebSocket. Arguments are stored without file
 * contents (an upload is recorded as its file name) and with long lists summarised, so a row
 * stays small whatever was sent.
 */
import type pg from 'pg';
import { camelize, type Camelized } from '../db/rows.js';
import { BadUserInputError } from '../errors.js';
import type { AccessRole } from '../auth/roles.js';

/** One row of `audit_log` as Postgres returns it: one mutation call. */
interface AuditRow {
  /** bigserial, so a string */
  id: string;
  at: Date;
  key_id: string | null;
  /** the key's name; null for an anonymous caller (ANONYMOUS_ROLE) */
  key_name: string | null;
  role: AccessRole | null;
  operation: string;
  arguments: unknown;
  /** OK, or the error code the caller got (FORBIDDEN, BAD_USER_INPUT, …) */
  outcome: string;
  error: string | null;
  request_id: string | null;
  transport: 'http' | 'ws';
}

export type AuditEntryRecord = Camelized<AuditRow>;
export type NewAuditEntry = Omit<AuditEntryRecord, 'id' | 'at'>;

export interface AuditPage {
  entries: AuditEntryRecord[];
  hasNextPage: boolean;
  endCursor: string | null;
  totalCount: number;
}

/** Opaque cursor: base64url of "audit:<id>". */
export function encodeAuditCursor(id: string): string {
  return Buffer.from(`audit:${id}`).toString('base64url');
}
export function decodeAuditCursor(cursor: string): string {
  const match = /^audit:(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match?.[1]) throw new BadUserInputError('after: not a cursor returned by auditLog', 'after');
  return match[1];
}

const MAX_LIST_ITEMS = 10;
const MAX_STRING = 500;

/** Arguments as stored: uploads as `{ file: name }`, lists over 10 items as their length, long strings cut. */
export function auditArguments(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}… (${value.length} characters)` : value;
  if (typeof value !== 'object') return value;
  if (value instanceof Promise || typeof (value as { then?: unknown }).then === 'function') return '[file upload]';
  if (depth > 4) return '[…]';
  if (Array.isArray(value)) {
    if (value.length > MAX_LIST_ITEMS) return `[${value.length} items]`;
    return value.map((v) => auditArguments(v, depth + 1));
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, auditArguments(v, depth + 1)]));
}

export class AuditLog {
  constructor(private readonly deps: { pool: pg.Pool }) {}

  async record(entry: NewAuditEntry): Promise<void> {
    await this.deps.pool.query(
      `INSERT INTO audit_log (key_id, key_name, role, operation, arguments, outcome, error, request_id, transport)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [entry.keyId, entry.keyName, entry.role, entry.operation, JSON.stringify(entry.arguments ?? {}), entry.outcome, entry.error, entry.requestId, entry.transport],
    );
  }

  /** Newest first, keyset-paginated on id. */
  async list(opts: { first?: number | null; after?: string | null }): Promise<AuditPage> {
    const first = opts.first ?? 50;
    if (!Number.isInteger(first) || first < 1 || first > 500) throw new BadUserInputError('first: expected an integer from 1 to 500', 'first');
    const after = opts.after ? decodeAuditCursor(opts.after) : null;
    // One statement: the page and the total (a row of NULLs carries the total when the page is empty).
    const res = await this.deps.pool.query<AuditRow & { total: string }>(
      `WITH page AS (SELECT * FROM audit_log WHERE ($1::bigint IS NULL OR id < $1::bigint) ORDER BY id DESC LIMIT $2)
       SELECT (SELECT count(*) FROM audit_log) AS total, page.* FROM (SELECT 1) AS one LEFT JOIN page ON true ORDER BY page.id DESC`,
      [after, first + 1],
    );
    const found = res.rows.filter((r) => r.id !== null);
    const rows = found.slice(0, first);
    return {
      entries: rows.map(({ total: _, ...row }) => camelize(row)),
      hasNextPage: found.length > first,
      endCursor: rows.length ? encodeAuditCursor(rows[rows.length - 1]?.id as string) : null,
      totalCount: Number(res.rows[0]?.total ?? 0),
    };
  }
}
