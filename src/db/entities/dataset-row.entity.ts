import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One cleaned facility row of a dataset. `label` is null for unlabeled rows (never trained on). */
@Entity({ name: 'dataset_row' })
@Index('dataset_row_dataset_idx', ['datasetId', 'line'])
export class DatasetRowEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'dataset_id', type: 'uuid' })
  datasetId!: string;

  @Column({ type: 'integer' })
  line!: number;

  @Column({ name: 'facility_name', type: 'text', nullable: true })
  facilityName!: string | null;

  @Column({ type: 'text', nullable: true })
  services!: string | null;

  @Column({ type: 'double precision', nullable: true })
  latitude!: number | null;

  @Column({ type: 'double precision', nullable: true })
  longitude!: number | null;

  @Column({ type: 'double precision', nullable: true })
  rating!: number | null;

  @Column({ name: 'operating_hours', type: 'text', nullable: true })
  operatingHours!: string | null;

  @Column({ type: 'text', nullable: true })
  website!: string | null;

  @Column({ name: 'phone_number', type: 'text', nullable: true })
  phoneNumber!: string | null;

  @Column({ name: 'care_system', type: 'text', nullable: true })
  careSystem!: string | null;

  @Column({ type: 'text', nullable: true })
  subcounty!: string | null;

  @Column({ type: 'text', nullable: true })
  label!: string | null;
}
