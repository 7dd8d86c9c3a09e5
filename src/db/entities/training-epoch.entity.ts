import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One finished epoch of a job's current attempt (earlier attempts' epochs are replaced on retry). */
@Entity({ name: 'training_epoch' })
export class TrainingEpochEntity {
  @PrimaryColumn({ name: 'job_id', type: 'uuid' })
  jobId!: string;

  @PrimaryColumn({ type: 'integer' })
  epoch!: number;

  @Column({ type: 'integer', default: 1 })
  attempt!: number;

  @Column({ type: 'double precision' })
  loss!: number;

  @Column({ type: 'double precision' })
  accuracy!: number;

  @Column({ name: 'val_loss', type: 'double precision', nullable: true })
  valLoss!: number | null;

  @Column({ name: 'val_accuracy', type: 'double precision', nullable: true })
  valAccuracy!: number | null;

  @Column({ name: 'learning_rate', type: 'double precision' })
  learningRate!: number;

  @Column({ name: 'duration_ms', type: 'double precision' })
  durationMs!: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
