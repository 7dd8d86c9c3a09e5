import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One uploaded (or bundled) CSV file: its rows live in `dataset_row`, its statistics in `stats`. */
@Entity({ name: 'dataset' })
export class DatasetEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'file_name', type: 'text', nullable: true })
  fileName!: string | null;

  @Column({ type: 'text' })
  checksum!: string;

  @Column({ name: 'row_count', type: 'integer' })
  rowCount!: number;

  @Column({ name: 'labeled_count', type: 'integer' })
  labeledCount!: number;

  @Column({ name: 'rejected_count', type: 'integer' })
  rejectedCount!: number;

  /** Precomputed insights (label distribution, missing rates, histograms …), see registry/dataset-stats. */
  @Column({ type: 'jsonb' })
  stats!: Record<string, unknown>;

  /** pinned by an admin: the gate evaluates on its rows, training never uses them */
  @Column({ name: 'evaluation_only', type: 'boolean', default: false })
  evaluationOnly!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
