import { Column, Entity, PrimaryColumn } from 'typeorm';

export type ModelStatusValue = 'CANDIDATE' | 'ACTIVE' | 'ARCHIVED';

/** A registered model: its bundle bytes, metrics and lineage. At most one row is ACTIVE. */
@Entity({ name: 'model_version' })
export class ModelVersionEntity {
  @PrimaryColumn({ type: 'integer' })
  version!: number;

  @Column({ type: 'text', default: 'CANDIDATE' })
  status!: ModelStatusValue;

  /** "bundled" for the committed model imported on an empty database, "training" otherwise. */
  @Column({ type: 'text' })
  source!: string;

  @Column({ name: 'training_job_id', type: 'uuid', nullable: true })
  trainingJobId!: string | null;

  @Column({ name: 'dataset_ids', type: 'uuid', array: true, default: () => "'{}'" })
  datasetIds!: string[];

  @Column({ name: 'row_count', type: 'integer', default: 0 })
  rowCount!: number;

  @Column({ type: 'jsonb' })
  hyperparameters!: Record<string, unknown>;

  @Column({ type: 'jsonb' })
  metrics!: Record<string, unknown>;

  @Column({ name: 'macro_f1', type: 'double precision' })
  macroF1!: number;

  @Column({ name: 'classification_report', type: 'text' })
  classificationReport!: string;

  @Column({ name: 'gate_decision', type: 'jsonb', nullable: true })
  gateDecision!: Record<string, unknown> | null;

  @Column({ type: 'text' })
  backend!: string;

  @Column({ name: 'format_version', type: 'integer' })
  formatVersion!: number;

  @Column({ type: 'text' })
  checksum!: string;

  @Column({ name: 'size_bytes', type: 'integer' })
  sizeBytes!: number;

  @Column({ type: 'bytea', select: false })
  bundle!: Buffer;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'activated_at', type: 'timestamptz', nullable: true })
  activatedAt!: Date | null;

  @Column({ name: 'archived_at', type: 'timestamptz', nullable: true })
  archivedAt!: Date | null;

  /** Why the bundle could not be loaded (checksum mismatch, unreadable); such a version is never served. */
  @Column({ name: 'load_error', type: 'text', nullable: true })
  loadError!: string | null;
}
