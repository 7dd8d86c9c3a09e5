import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Datasets an admin pins as evaluation-only: the gate scores champion and challenger on their rows
 * and no training ever uses them (see src/registry/evaluation-set.ts).
 */
export class EvaluationOnlyDatasets1764650000000 implements MigrationInterface {
  name = 'EvaluationOnlyDatasets1764650000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE dataset ADD COLUMN evaluation_only boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE dataset DROP COLUMN evaluation_only');
  }
}
