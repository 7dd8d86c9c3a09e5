import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** History of every change of the active model: who, when, from, to, why. */
@Entity({ name: 'model_activation' })
export class ModelActivationEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ name: 'from_version', type: 'integer', nullable: true })
  fromVersion!: number | null;

  @Column({ name: 'to_version', type: 'integer' })
  toVersion!: number;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ type: 'text' })
  actor!: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
