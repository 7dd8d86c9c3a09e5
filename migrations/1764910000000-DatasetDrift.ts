import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Each upload's drift report against the model that was active when it arrived (src/ml/drift.ts). */
export class DatasetDrift1764910000000 implements MigrationInterface {
  name = 'DatasetDrift1764910000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE dataset ADD COLUMN drift jsonb');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE dataset DROP COLUMN drift');
  }
}
