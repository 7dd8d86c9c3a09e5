import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Pipeline bookkeeping: which worker wrote each epoch (proves a job ran on one worker per
 * attempt) and what kind of change each activation was (rollback walks the history as a stack).
 */
export class PipelineColumns1764400000000 implements MigrationInterface {
  name = 'PipelineColumns1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE training_epoch ADD COLUMN worker_id text`);
    await q.query(`ALTER TABLE model_activation ADD COLUMN kind text NOT NULL DEFAULT 'promote'
      CHECK (kind IN ('bundled', 'gate', 'promote', 'rollback'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE model_activation DROP COLUMN kind');
    await q.query('ALTER TABLE training_epoch DROP COLUMN worker_id');
  }
}
