import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Queue semantics and integrity (issue 11): a job's priority (claimed highest first), the earliest
 * time a job handed back after a transient failure may run again (retry with backoff), and the
 * reason a model version's bundle could not be loaded (it failed its sha256 or did not unpack).
 */
export class FaultTolerance1764600000000 implements MigrationInterface {
  name = 'FaultTolerance1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE training_job ADD COLUMN priority integer NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE training_job ADD COLUMN run_at timestamptz`);
    await q.query(`DROP INDEX training_job_claim_idx`);
    await q.query(`CREATE INDEX training_job_claim_idx ON training_job (priority DESC, created_at, id) WHERE status IN ('QUEUED', 'RUNNING')`);
    await q.query(`CREATE INDEX training_job_finished_idx ON training_job (finished_at) WHERE finished_at IS NOT NULL`);
    await q.query(`ALTER TABLE model_version ADD COLUMN load_error text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE model_version DROP COLUMN load_error');
    await q.query('DROP INDEX training_job_finished_idx');
    await q.query('DROP INDEX training_job_claim_idx');
    await q.query(`CREATE INDEX training_job_claim_idx ON training_job (created_at) WHERE status IN ('QUEUED', 'RUNNING')`);
    await q.query('ALTER TABLE training_job DROP COLUMN run_at');
    await q.query('ALTER TABLE training_job DROP COLUMN priority');
  }
}
