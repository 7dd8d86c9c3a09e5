/**
 * The model registry's vocabulary: its two tables as rows, and the records the registry hands out.
 *
 * Glossary: ACTIVE = the one version `predict` uses; CANDIDATE = registered but not (yet) active;
 * ARCHIVED = was active once. Activation kinds: bundled (first start), gate (after training),
 * promote (by hand), rollback (by hand, walks the history back like a stack).
 */
import { camelize, type Camelized, type NoneLeft } from '../db/rows.js';
import type { EvaluationMetrics, Hyperparameters } from '../ml/index.js';
import type { GateDecision } from './gate.js';

/** Every status of a model version (the GraphQL enum follows it). */
export const MODEL_STATUSES = ['CANDIDATE', 'ACTIVE', 'ARCHIVED'] as const;
export type ModelStatus = (typeof MODEL_STATUSES)[number];

export const ACTIVATION_KINDS = ['bundled', 'gate', 'promote', 'rollback'] as const;
export type ActivationKind = (typeof ACTIVATION_KINDS)[number];

/** One row of `model_version` as Postgres returns it. At most one row is ACTIVE. */
export interface ModelVersionRow {
  version: number;
  status: ModelStatus;
  /** "bundled" for the committed model imported on an empty database, "training" otherwise */
  source: 'training' | 'bundled';
  training_job_id: string | null;
  dataset_ids: string[];
  row_count: number;
  hyperparameters: Hyperparameters;
  metrics: Omit<EvaluationMetrics, 'report'>;
  macro_f1: number;
  classification_report: string;
  gate_decision: GateDecision | null;
  /** the tfjs backend it was trained on */
  backend: string;
  format_version: number;
  checksum: string;
  size_bytes: number;
  /** the packed bundle; read only to load or score a version (not part of the record) */
  bundle: Buffer;
  created_at: Date;
  activated_at: Date | null;
  archived_at: Date | null;
  /** why the bundle could not be loaded (failed sha256, does not unpack); such a version is never served */
  load_error: string | null;
}

/** A model version as the registry hands it out: the row without its bundle bytes. */
export type ModelVersionRecord = Camelized<Omit<ModelVersionRow, 'bundle'>>;

const RECORD_COLUMNS = [
  'version', 'status', 'source', 'training_job_id', 'dataset_ids', 'row_count', 'hyperparameters', 'metrics', 'macro_f1',
  'classification_report', 'gate_decision', 'backend', 'format_version', 'checksum', 'size_bytes', 'created_at', 'activated_at',
  'archived_at', 'load_error',
] as const satisfies ReadonlyArray<keyof ModelVersionRow>;
/** A column added to the row must be added above too (or this fails to compile, naming it). */
type _EveryColumnButTheBundle = NoneLeft<Exclude<keyof ModelVersionRow, 'bundle' | (typeof RECORD_COLUMNS)[number]>>;

/** The select list of a ModelVersionRecord: every column but the bundle. */
export const MODEL_VERSION_COLUMNS = RECORD_COLUMNS.join(', ');

export const toModelVersion: (row: Omit<ModelVersionRow, 'bundle'>) => ModelVersionRecord = camelize;

/** One row of `model_activation`: one change of the active model (who, when, from, to, why). */
export interface ModelActivationRow {
  id: number;
  from_version: number | null;
  to_version: number;
  reason: string;
  actor: string;
  kind: ActivationKind;
  created_at: Date;
}

export type ModelActivationRecord = Camelized<ModelActivationRow>;
export const toActivation: (row: ModelActivationRow) => ModelActivationRecord = camelize;
