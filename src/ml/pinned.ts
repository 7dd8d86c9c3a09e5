/**
 * The gate's pinned evaluation rows, as far as pure code can say: a row's identity (what makes two
 * rows "the same facility": name, place and subcounty, normalised) and a stable hash of it that
 * puts a fixed share of identities in the evaluation set. Training never sees a pinned identity, in
 * any dataset, under any label: re-uploading a pinned facility with another rating trains nothing
 * and changes nothing (the registry keeps the label seen first; see src/registry/evaluation-set.ts).
 */
import { createHash } from 'node:crypto';
import { normalizeName } from './features.js';
import { normalizeSubcounty, pointKey } from './location.js';
import type { FacilityRecord } from './types.js';

/** Share of identities pinned for evaluation (by hash): 10 % of the shared file is ≈ 360 labeled rows. */
export const PINNED_EVALUATION_SHARE = 0.1;
const BUCKETS = 10_000;

/** Name, coordinates (4 decimals) and subcounty, normalised: the same facility uploaded twice has one identity. */
export function rowIdentity(r: FacilityRecord): string {
  const name = r.facilityName === null ? '' : normalizeName(r.facilityName);
  const place = r.latitude === null || r.longitude === null ? '' : pointKey(r.latitude, r.longitude);
  const sub = r.subcounty === null ? '' : normalizeSubcounty(r.subcounty);
  return `${name}|${place}|${sub}`;
}

/** sha256 of the identity, hex: stable across processes, versions and uploads. */
export function identityHash(r: FacilityRecord): string {
  return createHash('sha256').update(rowIdentity(r)).digest('hex');
}

/** Whether the hash puts this identity in the pinned evaluation set. */
export function isPinnedIdentity(hash: string, share = PINNED_EVALUATION_SHARE): boolean {
  return parseInt(hash.slice(0, 8), 16) % BUCKETS < Math.round(share * BUCKETS);
}

/**
 * The records training may use: without hash-pinned identities and without `excluded` identity
 * hashes (the rows of datasets an admin pinned as evaluation-only).
 */
export function withoutPinned(records: readonly FacilityRecord[], excluded: ReadonlySet<string> = new Set()): FacilityRecord[] {
  return records.filter((r) => {
    const h = identityHash(r);
    return !isPinnedIdentity(h) && !excluded.has(h);
  });
}
