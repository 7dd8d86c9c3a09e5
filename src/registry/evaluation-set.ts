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
import { evaluationOnlyRecords, labeledRecordsForEvaluation } from '../datasets/reads.js';
import type { Executor } from '../db/sql.js';
import { identityHash, isPinnedIdentity, labelForRating, labelIndex, type FacilityRecord } from '../ml/index.js';

export interface EvaluationSet {
  records: FacilityRecord[];
  /** class indices, order of LABELS */
  labels: number[];
  /** sha256 over the sorted (identity hash, label) pairs */
  checksum: string;
}

/** Reads the pinned evaluation rows from every stored dataset (one query). */
export async function loadEvaluationSet(db: Executor): Promise<EvaluationSet> {
  const seen = new Set<string>();
  const records: FacilityRecord[] = [];
  const labels: number[] = [];
  const pairs: string[] = [];
  for (const { record, evaluationOnly } of await labeledRecordsForEvaluation(db)) {
    const hash = identityHash(record);
    if (seen.has(hash)) continue; // the first stored label of an identity is the one that counts
    seen.add(hash);
    if (!evaluationOnly && !isPinnedIdentity(hash)) continue;
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
  return [...new Set((await evaluationOnlyRecords(db)).map(identityHash))];
}
