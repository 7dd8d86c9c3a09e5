/**
 * The gate's pinned evaluation set, read from stored data: every labeled row of a dataset an admin
 * pinned as evaluation-only, plus the labeled rows of any dataset whose identity (name, place,
 * subcounty) the stable hash pins (src/ml/pinned.ts, a tenth of identities). No model trains on
 * them: the hash-pinned ones are left out by trainModel, the rows of pinned datasets by the trainer.
 *
 * Labels cannot be rewritten by an upload: each identity takes the label of its first stored row
 * (pinned datasets first, then datasets in upload order), so re-uploading pinned facilities with
 * other ratings — every label flipped, say — changes nothing here. What one trusted upload cannot
 * prevent: on a fresh install the first upload's hash-pinned rows define their own labels; pinning
 * a trusted dataset (`pinEvaluationDataset`) gives the gate a reference no later upload can touch.
 */
import { createHash } from 'node:crypto';
import type { Executor } from '../db/sql.js';
import { identityHash, isPinnedIdentity, labelForRating, labelIndex, type FacilityRecord } from '../ml/index.js';

export interface EvaluationSet {
  records: FacilityRecord[];
  /** class indices, order of LABELS */
  labels: number[];
  /** sha256 over the sorted (identity hash, label) pairs */
  checksum: string;
}

type Row = Record<string, unknown>;

function toRecord(r: Row): FacilityRecord {
  return {
    facilityName: r.facility_name as string | null,
    services: r.services as string | null,
    latitude: r.latitude as number | null,
    longitude: r.longitude as number | null,
    rating: r.rating as number | null,
    operatingHours: r.operating_hours as string | null,
    website: r.website as string | null,
    phoneNumber: r.phone_number as string | null,
    careSystem: r.care_system as FacilityRecord['careSystem'],
    subcounty: r.subcounty as string | null,
  };
}

/** Reads the pinned evaluation rows from every stored dataset (one query). */
export async function loadEvaluationSet(db: Executor): Promise<EvaluationSet> {
  const res = await db.query(
    `SELECT r.facility_name, r.services, r.latitude, r.longitude, r.rating, r.operating_hours, r.website, r.phone_number,
            r.care_system, r.subcounty, d.evaluation_only
       FROM dataset_row r JOIN dataset d ON d.id = r.dataset_id
      WHERE r.rating IS NOT NULL
      ORDER BY d.evaluation_only DESC, d.created_at, d.id, r.line`,
  );
  const seen = new Set<string>();
  const records: FacilityRecord[] = [];
  const labels: number[] = [];
  const pairs: string[] = [];
  for (const row of res.rows as Row[]) {
    const record = toRecord(row);
    const hash = identityHash(record);
    if (seen.has(hash)) continue; // the first stored label of an identity is the one that counts
    seen.add(hash);
    if (row.evaluation_only !== true && !isPinnedIdentity(hash)) continue;
    const label = labelIndex(labelForRating(record.rating as number));
    records.push(record);
    labels.push(label);
    pairs.push(`${hash}:${label}`);
  }
  const checksum = createHash('sha256').update(pairs.sort().join('\n')).digest('hex');
  return { records, labels, checksum };
}

/** Identity hashes of the rows of evaluation-only datasets: the trainer never trains on them. */
export async function evaluationOnlyIdentities(db: Executor): Promise<string[]> {
  const res = await db.query(
    `SELECT r.facility_name, r.services, r.latitude, r.longitude, r.rating, r.operating_hours, r.website, r.phone_number, r.care_system, r.subcounty
       FROM dataset_row r JOIN dataset d ON d.id = r.dataset_id WHERE d.evaluation_only`,
  );
  return [...new Set((res.rows as Row[]).map((r) => identityHash(toRecord(r))))];
}
