import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type JobStatusValue = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/**
 * A retraining request and its lifecycle. Claimed with FOR UPDATE SKIP LOCKED; `lease_expires_at`
 * is pushed forward by the worker's heartbeat, and an expired lease makes the job claimable again.
 */
@Entity({ name: 'training_job' })
export class TrainingJobEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text', default: 'QUEUED' })
  status!: JobStatusValue;

  @Column({ name: 'dataset_ids', type: 'uuid', array: true })
  datasetIds!: string[];

  @Column({ type: 'jsonb' })
  hyperparameters!: Record<string, unknown>;

  /** Same datasets + hyperparameters => same key; a queued duplicate is returned instead of a new job. */
  @Column({ name: 'dedupe_key', type: 'text' })
  dedupeKey!: string;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'max_attempts', type: 'integer', default: 3 })
  maxAttempts!: number;

  @Column({ name: 'worker_id', type: 'text', nullable: true })
  workerId!: string | null;

  @Column({ name: 'lease_expires_at', type: 'timestamptz', nullable: true })
  leaseExpiresAt!: Date | null;

  @Column({ name: 'cancel_requested', type: 'boolean', default: false })
  cancelRequested!: boolean;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ name: 'model_version', type: 'integer', nullable: true })
  modelVersion!: number | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @Column({ name: 'cancelled_at', type: 'timestamptz', nullable: true })
  cancelledAt!: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  /** Claimed highest first (then oldest first). */
  @Column({ type: 'integer', default: 0 })
  priority!: number;

  /** A job handed back after a transient failure is not claimed before this time (retry backoff). */
  @Column({ name: 'run_at', type: 'timestamptz', nullable: true })
  runAt!: Date | null;
}
