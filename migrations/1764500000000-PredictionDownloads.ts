import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scored CSVs of predictBatchFile, kept in PostgreSQL so that any API replica serves a download
 * made on another (replicas share nothing but the database). A download is a header row plus its
 * bytes in ordered chunks, written while the batch is scored and read back one chunk range at a time.
 * `committed_at` is null while the file is being written; `expires_at` is set by the database clock.
 */
export class PredictionDownloads1764500000000 implements MigrationInterface {
  name = 'PredictionDownloads1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE prediction_download (
        id uuid PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now(),
        committed_at timestamptz,
        expires_at timestamptz NOT NULL,
        byte_count bigint NOT NULL DEFAULT 0 CHECK (byte_count >= 0),
        chunk_count integer NOT NULL DEFAULT 0 CHECK (chunk_count >= 0)
      )`);
    await q.query('CREATE INDEX prediction_download_expiry_idx ON prediction_download (expires_at)');
    await q.query('CREATE INDEX prediction_download_committed_idx ON prediction_download (committed_at DESC) WHERE committed_at IS NOT NULL');
    await q.query(`
      CREATE TABLE prediction_download_chunk (
        download_id uuid NOT NULL REFERENCES prediction_download(id) ON DELETE CASCADE,
        seq integer NOT NULL CHECK (seq >= 0),
        bytes bytea NOT NULL,
        PRIMARY KEY (download_id, seq)
      )`);
    // Stored out of line without pglz compression: compressing a 17 MB scored CSV on write and
    // decompressing it on every download cost more CPU than the disk it saves for an hour.
    await q.query('ALTER TABLE prediction_download_chunk ALTER COLUMN bytes SET STORAGE EXTERNAL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE prediction_download_chunk');
    await q.query('DROP TABLE prediction_download');
  }
}
