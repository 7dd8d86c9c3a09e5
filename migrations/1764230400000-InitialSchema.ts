import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Datasets and their rows, the training job queue with its epochs, the model registry and its activation history. */
export class InitialSchema1764230400000 implements MigrationInterface {
  name = 'InitialSchema1764230400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE dataset (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        file_name text,
        checksum text NOT NULL,
        row_count integer NOT NULL,
        labeled_count integer NOT NULL,
        rejected_count integer NOT NULL,
        stats jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE dataset_row (
        id bigserial PRIMARY KEY,
        dataset_id uuid NOT NULL REFERENCES dataset(id) ON DELETE CASCADE,
        line integer NOT NULL,
        facility_name text,
        services text,
        latitude double precision,
        longitude double precision,
        rating double precision,
        operating_hours text,
        website text,
        phone_number text,
        care_system text CHECK (care_system IN ('GOVT', 'PFP', 'PNFP')),
        subcounty text,
        label text CHECK (label IN ('LOW', 'MEDIUM', 'HIGH'))
      )`);
    await q.query(`CREATE INDEX dataset_row_dataset_idx ON dataset_row (dataset_id, line)`);
    await q.query(`
      CREATE TABLE training_job (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        status text NOT NULL DEFAULT 'QUEUED'
          CHECK (status IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
        dataset_ids uuid[] NOT NULL,
        hyperparameters jsonb NOT NULL,
        dedupe_key text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        max_attempts integer NOT NULL DEFAULT 3,
        worker_id text,
        lease_expires_at timestamptz,
        cancel_requested boolean NOT NULL DEFAULT false,
        error text,
        model_version integer,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        cancelled_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX training_job_claim_idx ON training_job (created_at) WHERE status IN ('QUEUED', 'RUNNING')`);
    await q.query(`CREATE INDEX training_job_list_idx ON training_job (created_at DESC, id DESC)`);
    await q.query(`CREATE UNIQUE INDEX training_job_one_queued_per_key ON training_job (dedupe_key) WHERE status = 'QUEUED'`);
    await q.query(`
      CREATE TABLE training_epoch (
        job_id uuid NOT NULL REFERENCES training_job(id) ON DELETE CASCADE,
        epoch integer NOT NULL,
        attempt integer NOT NULL DEFAULT 1,
        loss double precision NOT NULL,
        accuracy double precision NOT NULL,
        val_loss double precision,
        val_accuracy double precision,
        learning_rate double precision NOT NULL,
        duration_ms double precision NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (job_id, epoch)
      )`);
    await q.query(`
      CREATE TABLE model_version (
        version integer PRIMARY KEY,
        status text NOT NULL DEFAULT 'CANDIDATE' CHECK (status IN ('CANDIDATE', 'ACTIVE', 'ARCHIVED')),
        source text NOT NULL,
        training_job_id uuid REFERENCES training_job(id) ON DELETE SET NULL,
        dataset_ids uuid[] NOT NULL DEFAULT '{}',
        row_count integer NOT NULL DEFAULT 0,
        hyperparameters jsonb NOT NULL,
        metrics jsonb NOT NULL,
        macro_f1 double precision NOT NULL,
        classification_report text NOT NULL,
        gate_decision jsonb,
        backend text NOT NULL,
        format_version integer NOT NULL,
        checksum text NOT NULL,
        size_bytes integer NOT NULL,
        bundle bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        activated_at timestamptz,
        archived_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX model_version_one_active ON model_version ((true)) WHERE status = 'ACTIVE'`);
    await q.query(`
      CREATE TABLE model_activation (
        id serial PRIMARY KEY,
        from_version integer REFERENCES model_version(version),
        to_version integer NOT NULL REFERENCES model_version(version),
        reason text NOT NULL,
        actor text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE model_activation');
    await q.query('DROP TABLE model_version');
    await q.query('DROP TABLE training_epoch');
    await q.query('DROP TABLE training_job');
    await q.query('DROP TABLE dataset_row');
    await q.query('DROP TABLE dataset');
  }
}
