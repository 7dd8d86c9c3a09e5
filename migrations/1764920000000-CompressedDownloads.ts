import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scored CSVs are stored gzip-compressed (by the API process, each chunk a gzip member): storing
 * 17 MB of CSV text set the pace of predictBatchFile. `content_encoding` is null for files stored
 * before (plain text); `encoded_byte_count` is the stored size, `byte_count` stays the CSV's.
 */
export class CompressedDownloads1764920000000 implements MigrationInterface {
  name = 'CompressedDownloads1764920000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE prediction_download
      ADD COLUMN content_encoding text CHECK (content_encoding IN ('gzip')),
      ADD COLUMN encoded_byte_count bigint CHECK (encoded_byte_count >= 0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE prediction_download DROP COLUMN encoded_byte_count, DROP COLUMN content_encoding');
  }
}
