/**
 * Data preparation for training: labeled rows only, duplicates collapsed, a stratified split whose
 * groups never straddle it, class weights and features fitted on the training split alone.
 */
import { createHash } from 'node:crypto';
import { collapseDuplicates, duplicateKey } from './clean.js';
import { FeatureEncoder, fitFeatureState, pointKey, type FeatureFitOptions } from './features.js';
import { stratifiedSplit } from './split.js';
import { labelForRating, labelIndex, type FacilityRecord } from './types.js';

/** Training stopped on request (a cancel, or shutdown handing the job back). */
export class TrainingCancelledError extends Error {
  override name = 'TrainingCancelledError';
  constructor(message = 'training was cancelled') {
    super(message);
  }
}

export class TrainingDataError extends Error {
  override name = 'TrainingDataError';
}

/** Fewest labeled rows training accepts (each split needs rows of several classes). */
export const MIN_LABELED_ROWS = 30;
export const DEFAULT_CLASS_WEIGHT_POWER = 1;

export function dataFingerprint(records: readonly FacilityRecord[]): string {
  const h = createHash('sha256');
  for (const r of records) h.update(JSON.stringify(r)).update('\n');
  return h.digest('hex');
}

/** Class weights n / (k · n_c), computed on the training split only; absent classes weigh 0. */
export function classWeights(labels: readonly number[], k: number, power = 1): number[] {
  const counts = new Array<number>(k).fill(0);
  for (const y of labels) counts[y] = (counts[y] ?? 0) + 1;
  const present = counts.filter((c) => c > 0).length;
  return counts.map((c) => (c === 0 ? 0 : (labels.length / (present * c)) ** power));
}

export interface Prepared {
  labeled: FacilityRecord[];
  y: number[];
  split: { train: number[]; validation: number[]; test: number[] };
  encoder: FeatureEncoder;
}

/**
 * The unit the split assigns whole. 'duplicate': same name and coordinates. 'location': same
 * coordinates. Rows at identical coordinates mostly carry the rating of the one map place they were
 * geocoded to (328 of 332 small same-point groups in the shared file have a single rating), so under
 * 'duplicate' a model can score by recognising the place; 'location' measures new places only.
 */
export function splitGroupKey(record: FacilityRecord, mode: 'location' | 'duplicate' = 'duplicate'): string | null {
  if (mode === 'location' && record.latitude !== null && record.longitude !== null) return `@${pointKey(record.latitude, record.longitude)}`;
  return duplicateKey(record);
}

/** Labeled, deduplicated records, split, and features fitted on the training split. */
export function prepareData(records: readonly FacilityRecord[], seed: number, featureOptions: FeatureFitOptions = {}, splitGroups: 'location' | 'duplicate' = 'duplicate'): Prepared {
  const { rows } = collapseDuplicates(records.filter((r) => r.rating !== null).map((record) => ({ record })));
  const labeled = rows.map((r) => r.record);
  if (labeled.length < MIN_LABELED_ROWS) {
    throw new TrainingDataError(`training needs at least ${MIN_LABELED_ROWS} labeled rows (rows with a rating), got ${labeled.length}`);
  }
  const y = labeled.map((r) => labelIndex(labelForRating(r.rating as number)));
  const split = stratifiedSplit(y, labeled.map((r) => splitGroupKey(r, splitGroups)), seed);
  if (split.train.length === 0 || split.validation.length === 0 || split.test.length === 0) {
    throw new TrainingDataError('the labeled rows are too few to make train, validation and test splits');
  }
  const encoder = new FeatureEncoder(fitFeatureState(split.train.map((i) => labeled[i] as FacilityRecord), featureOptions, split.train.map((i) => y[i] as number)));
  return { labeled, y, split, encoder };
}
