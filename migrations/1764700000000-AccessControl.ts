import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys (hashes only; revoked keys are kept so the audit log and activation history can name
 * them) and the audit log of every mutation.
 */
export class AccessControl1764700000000 implements MigrationInterface {
  name = 'AccessControl1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_key (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        role text NOT NULL CHECK (role IN ('VIEWER', 'PREDICTOR', 'TRAINER', 'ADMIN')),
        key_hash text NOT NULL UNIQUE,
        source text NOT NULL CHECK (source IN ('created', 'env', 'bootstrap')),
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        key_id uuid REFERENCES api_key(id),
        key_name text,
        role text CHECK (role IN ('VIEWER', 'PREDICTOR', 'TRAINER', 'ADMIN')),
        operation text NOT NULL,
        arguments jsonb NOT NULL,
        outcome text NOT NULL,
        error text,
        request_id text,
        transport text NOT NULL CHECK (transport IN ('http', 'ws'))
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE audit_log');
    await q.query('DROP TABLE api_key');
  }
}
