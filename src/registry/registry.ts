/**
 * The model registry: numbered versions with their bundle bytes, metrics and lineage; the gate;
 * activation (one transaction that archives the old active version, activates the new one, writes
 * the history row and NOTIFYs model_activated on commit); manual promote and rollback; the stream
 * of activations. Its vocabulary (statuses, activation kinds, rows and records) is in types.ts.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { CHANNELS, type NotifyBus } from '../db/notify-bus.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { Logger } from '../logger.js';
import { argmaxRows, bundleChecksum, FacilityClassifier, LABELS, packBundle, unpackBundle, type EvaluationMetrics, type FacilityRecord, type ModelBundle } from '../ml/index.js';
import { REGISTRY_LOCK_KEY, transaction, type Executor } from '../db/sql.js';
import { loadEvaluationSet } from './evaluation-set.js';
import { decideGate, type GateDecision, type GateSettings, type PairedScores } from './gate.js';
import { activeModels } from './live.js';
import {
  MODEL_VERSION_COLUMNS, toActivation, toModelVersion,
  type ActivationKind, type ModelActivationRecord, type ModelActivationRow, type ModelVersionRecord, type ModelVersionRow,
} from './types.js';

type VersionRow = Omit<ModelVersionRow, 'bundle'>;

export interface RegisterInput {
  source: 'training' | 'bundled';
  bundle: ModelBundle;
  metrics: EvaluationMetrics;
  backend: string;
  trainingJobId: string | null;
  datasetIds: string[];
  rowCount: number;
  /** The candidate's own held-out test rows (kept for callers; the gate scores on the pinned evaluation set instead). */
  heldOut?: { records: FacilityRecord[]; labels: number[] };
}

export interface Registered {
  version: number;
  gate: GateDecision;
}

/**
 * The version that was active before the current one, replaying the history as a stack:
 * promotions push, rollbacks pop. Exported for unit tests.
 */
export function previousActive(history: ReadonlyArray<Pick<ModelActivationRecord, 'toVersion' | 'kind'>>): number | null {
  const stack: number[] = [];
  for (const a of history) {
    if (a.kind === 'rollback') {
      stack.pop();
      if (stack.at(-1) !== a.toVersion) stack.push(a.toVersion);
    } else if (stack.at(-1) !== a.toVersion) stack.push(a.toVersion);
  }
  return stack.length >= 2 ? (stack[stack.length - 2] ?? null) : null;
}

export class ModelRegistry {
  constructor(
    private readonly deps: {
      pool: pg.Pool;
      logger: Logger;
      gate: Omit<GateSettings, 'bootstrapIterations'> & { bootstrapIterations?: number };
      /** the LISTEN bus, for activeModelChanges (processes that never stream activations may leave it out) */
      bus?: NotifyBus;
    },
  ) {}

  private get gateSettings(): GateSettings {
    return { bootstrapIterations: 2000, ...this.deps.gate };
  }

  /**
   * Registers a version inside the caller's transaction (so a trainer can complete its job
   * atomically with it) and applies the gate. Takes the registry lock for the rest of the transaction.
   */
  async register(tx: Executor, input: RegisterInput, actor: string): Promise<Registered> {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [REGISTRY_LOCK_KEY]);
    const next = await tx.query<{ v: number }>('SELECT coalesce(max(version), 0) + 1 AS v FROM model_version');
    const version = next.rows[0]?.v ?? 1;
    const active = await tx.query<Pick<ModelVersionRow, 'version'>>(`SELECT version FROM model_version WHERE status = 'ACTIVE'`);
    const champion = active.rows[0] ? { version: active.rows[0].version } : null;
    const gate: GateDecision = input.source === 'bundled'
      ? { promoted: true, reason: 'bundled model imported on an empty registry', comparedToVersion: null, candidateMacroF1: input.metrics.macroF1, activeMacroF1: null, tolerance: this.deps.gate.tolerance }
      : decideGate(input.metrics.macroF1, champion, champion ? await this.scorePinned(tx, champion.version, input.bundle) : null, this.gateSettings);
    const bytes = packBundle(input.bundle);
    const { report, ...metrics } = input.metrics;
    await tx.query(
      `INSERT INTO model_version (version, status, source, training_job_id, dataset_ids, row_count, hyperparameters, metrics,
         macro_f1, classification_report, gate_decision, backend, format_version, checksum, size_bytes, bundle)
       VALUES ($1, 'CANDIDATE', $2, $3, $4::uuid[], $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
      [
        version, input.source, input.trainingJobId, input.datasetIds, input.rowCount,
        JSON.stringify(input.bundle.metadata.hyperparameters), JSON.stringify(metrics), input.metrics.macroF1, report,
        JSON.stringify(gate), input.backend, input.bundle.metadata.formatVersion, bundleChecksum(input.bundle), bytes.length, bytes,
      ],
    );
    if (gate.promoted) await this.activateIn(tx, version, { actor, reason: gate.reason, kind: input.source === 'bundled' ? 'bundled' : 'gate' });
    return { version, gate };
  }

  /**
   * Champion and challenger predictions on the pinned evaluation rows (see evaluation-set.ts): the
   * same rows for both, rows neither trained on, labels no upload can rewrite. Null when the active
   * bundle cannot be read (the candidate then stays a candidate, with the reason).
   */
  private async scorePinned(tx: Executor, activeVersion: number, candidate: ModelBundle): Promise<PairedScores | null> {
    try {
      const evaluation = await loadEvaluationSet(tx);
      const found = await tx.query<Pick<ModelVersionRow, 'bundle' | 'checksum'>>('SELECT bundle, checksum FROM model_version WHERE version = $1', [activeVersion]);
      const bytes = found.rows[0]?.bundle;
      if (!bytes) return null;
      if (createHash('sha256').update(bytes).digest('hex') !== found.rows[0]?.checksum) throw new Error(`the bundle of v${activeVersion} fails its sha256`);
      const predict = (bundle: ModelBundle) =>
        evaluation.records.length === 0 ? [] : argmaxRows(FacilityClassifier.fromBundle(bundle).predictProbabilities(evaluation.records), LABELS.length);
      return { truth: evaluation.labels, champion: predict(unpackBundle(bytes)), challenger: predict(candidate), checksum: evaluation.checksum };
    } catch (error) {
      this.deps.logger.warn({ err: error, version: activeVersion }, 'could not score the active model on the pinned evaluation rows');
      return null;
    }
  }

  /** Archives the active version, activates `version`, writes history, NOTIFYs (sent on commit). Caller holds the registry lock. */
  private async activateIn(tx: Executor, version: number, how: { actor: string; reason: string; kind: ActivationKind }): Promise<void> {
    const old = await tx.query<Pick<ModelVersionRow, 'version'>>(
      `UPDATE model_version SET status = 'ARCHIVED', archived_at = now() WHERE status = 'ACTIVE' RETURNING version`,
    );
    const from = old.rows[0]?.version ?? null;
    const updated = await tx.query(
      `UPDATE model_version SET status = 'ACTIVE', activated_at = now(), archived_at = NULL WHERE version = $1`,
      [version],
    );
    if (updated.rowCount !== 1) throw new NotFoundError('Model version', version);
    await tx.query(
      `INSERT INTO model_activation (from_version, to_version, reason, actor, kind) VALUES ($1, $2, $3, $4, $5)`,
      [from, version, how.reason, how.actor, how.kind],
    );
    await tx.query('SELECT pg_notify($1, $2)', [CHANNELS.modelActivated, JSON.stringify({ version, fromVersion: from, kind: how.kind })]);
  }

  /** Makes `version` active by hand. CONFLICT when it already is. */
  async promote(version: number, actor: string, reason?: string): Promise<ModelVersionRecord> {
    await transaction(this.deps.pool, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [REGISTRY_LOCK_KEY]);
      const found = await tx.query<Pick<ModelVersionRow, 'status'>>('SELECT status FROM model_version WHERE version = $1', [version]);
      const row = found.rows[0];
      if (!row) throw new NotFoundError('Model version', version);
      if (row.status === 'ACTIVE') throw new ConflictError(`model version ${version} is already active`, { version });
      await this.activateIn(tx, version, { actor, reason: reason ?? `promoted by hand to v${version}`, kind: 'promote' });
    });
    return this.mustGet(version);
  }

  /** Goes back to the version active before the current one. CONFLICT when there is none. */
  async rollback(actor: string): Promise<ModelVersionRecord> {
    const target = await transaction(this.deps.pool, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [REGISTRY_LOCK_KEY]);
      const history = await tx.query<ModelActivationRow>('SELECT * FROM model_activation ORDER BY id');
      const previous = previousActive(history.rows.map(toActivation));
      if (previous === null) throw new ConflictError('there is no previously active model version to roll back to');
      const active = await tx.query<Pick<ModelVersionRow, 'version'>>(`SELECT version FROM model_version WHERE status = 'ACTIVE'`);
      const from = active.rows[0]?.version;
      await this.activateIn(tx, previous, { actor, reason: `rolled back from v${from ?? '?'} to v${previous}`, kind: 'rollback' });
      return previous;
    });
    return this.mustGet(target);
  }

  async list(): Promise<ModelVersionRecord[]> {
    const res = await this.deps.pool.query<VersionRow>(`SELECT ${MODEL_VERSION_COLUMNS} FROM model_version ORDER BY version DESC`);
    return res.rows.map(toModelVersion);
  }

  async get(version: number): Promise<ModelVersionRecord | null> {
    const res = await this.deps.pool.query<VersionRow>(`SELECT ${MODEL_VERSION_COLUMNS} FROM model_version WHERE version = $1`, [version]);
    return res.rows[0] ? toModelVersion(res.rows[0]) : null;
  }

  async getMany(versions: readonly number[]): Promise<Map<number, ModelVersionRecord>> {
    const res = await this.deps.pool.query<VersionRow>(`SELECT ${MODEL_VERSION_COLUMNS} FROM model_version WHERE version = ANY($1::int[])`, [versions]);
    return new Map(res.rows.map((r) => [r.version, toModelVersion(r)]));
  }

  async mustGet(version: number): Promise<ModelVersionRecord> {
    const found = await this.get(version);
    if (!found) throw new NotFoundError('Model version', version);
    return found;
  }

  async active(): Promise<ModelVersionRecord | null> {
    const res = await this.deps.pool.query<VersionRow>(`SELECT ${MODEL_VERSION_COLUMNS} FROM model_version WHERE status = 'ACTIVE'`);
    return res.rows[0] ? toModelVersion(res.rows[0]) : null;
  }

  async activations(first = 50): Promise<ModelActivationRecord[]> {
    const res = await this.deps.pool.query<ModelActivationRow>('SELECT * FROM model_activation ORDER BY id DESC LIMIT $1', [first]);
    return res.rows.map(toActivation);
  }

  /**
   * activeModelChanged: each change of the active model, committed by any process, as the version
   * that became active.
   */
  activeModelChanges(): AsyncGenerator<ModelVersionRecord> {
    const { pool, bus } = this.deps;
    if (!bus) throw new Error('the registry was built without the notify bus: it cannot stream activations');
    return activeModels({ pool, bus }, (version) => this.get(version));
  }

  /** The stored bundle bytes of a version, or null if unknown. */
  async bundleBytes(version: number): Promise<Buffer | null> {
    const res = await this.deps.pool.query<Pick<ModelVersionRow, 'bundle'>>('SELECT bundle FROM model_version WHERE version = $1', [version]);
    return res.rows[0]?.bundle ?? null;
  }

  /**
   * Imports the committed bundle as version 1 (ACTIVE, source "bundled") when the registry is empty.
   * Safe when several processes start at once: the registry lock serialises them and only the first
   * finds the table empty.
   */
  async importBundled(bundle: ModelBundle): Promise<number | null> {
    return transaction(this.deps.pool, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [REGISTRY_LOCK_KEY]);
      const any = await tx.query('SELECT 1 FROM model_version LIMIT 1');
      if (any.rowCount) return null;
      const { version } = await this.register(
        tx,
        {
          source: 'bundled', bundle, metrics: bundle.metadata.metrics, backend: bundle.metadata.backend,
          trainingJobId: null, datasetIds: [], rowCount: bundle.metadata.trainedOnRows,
        },
        'system',
      );
      return version;
    });
  }
}
