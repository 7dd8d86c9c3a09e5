/**
 * Scored CSVs kept for download, in PostgreSQL (tables `prediction_download` and
 * `prediction_download_chunk`): every API replica serves a file scored on any other, with no
 * shared volume. A file is written while its batch is scored, in chunks of `chunkBytes` (never
 * held whole in memory), becomes downloadable on commit, and is read back a few chunks at a time.
 * Files are deleted after `ttlMs` and beyond `maxFiles` (oldest first) by a sweep that any replica
 * may run; expiry is computed by the database's clock, so replicas' clocks need not agree.
 *
 * Chunks are stored gzip-compressed (level 1, on libuv's thread pool, each chunk one gzip member,
 * so that the stored chunks in order are one gzip file): a scored CSV compresses ≈ 7×, and
 * PostgreSQL storing 17 MB of text (34 inserts of 11–15 ms on the 2-core machine) had set the pace
 * of predictBatchFile. A download is served as stored to a client that accepts gzip, and
 * decompressed on the way for one that does not. Files stored before (plain) are read as they are.
 */
import { randomUUID } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Executor } from '../db/sql.js';
import type { Logger } from '../logger.js';

export interface DownloadStoreOptions {
  /** The pool (any replica's: the files live in the database). */
  db: Executor;
  ttlMs: number;
  maxFiles: number;
  /**
   * Bytes per stored chunk. 512 KiB: a 50,000-row scored file (17.3 MB) is 34 inserts, each
   * small enough that one in flight while the next fills costs no visible memory.
   */
  chunkBytes?: number;
  /** Chunks fetched per query when a file is read back (2 × 512 KiB ≈ 1 MiB per round trip). */
  readChunks?: number;
  /** Store chunks gzip-compressed (default true). */
  compress?: boolean;
  logger?: Logger;
}

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DEFAULT_CHUNK_BYTES = 512 * 1024;

/** Row of `prediction_download` as this module reads it. */
interface DownloadRow {
  id: string;
  byte_count: string; // bigint arrives as text
  chunk_count: number;
  content_encoding: 'gzip' | null;
  encoded_byte_count: string | null;
}

const gzip = promisify(zlib.gzip);

/** `source` decompressed: gunzip reads the chunks' gzip members one after another as one stream; a read error ends it with that error. */
function gunzipped(source: Readable): Readable {
  const gunzip = zlib.createGunzip();
  pipeline(source, gunzip, () => undefined);
  return gunzip;
}

export interface PendingDownload {
  id: string;
  /** Appends `data` (text is stored as UTF-8); waits while the previous chunk is still being stored (backpressure). */
  write(data: Buffer | string): Promise<void>;
  /** Stores what is left and makes the file downloadable. */
  commit(): Promise<void>;
  /** Deletes what was stored of the file. */
  abort(): Promise<void>;
}

/** A committed, unexpired file. */
export interface StoredDownload {
  id: string;
  /** Size of the CSV in bytes (Content-Length of `open()`). */
  bytes: number;
  /** How the chunks are stored: gzip, or null (plain) */
  encoding: 'gzip' | null;
  /** Size as stored (Content-Length of `openEncoded()`). */
  encodedBytes: number;
  /** The CSV's bytes, read from the database a few chunks at a time as the consumer reads (and decompressed). */
  open(): Readable;
  /** The bytes as stored (gzip when `encoding` says so). */
  openEncoded(): Readable;
}

export class DownloadStore {
  private sweeper: NodeJS.Timeout | null = null;
  private readonly chunkBytes: number;
  private readonly readChunks: number;
  private readonly compress: boolean;

  constructor(private readonly options: DownloadStoreOptions) {
    this.chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    this.readChunks = options.readChunks ?? 2;
    this.compress = options.compress ?? true;
  }

  /** Starts the periodic sweep of expired files (timer unref'd: never keeps the process alive). */
  start(): void {
    if (this.sweeper) return;
    const every = Math.max(1_000, Math.min(this.options.ttlMs, 60_000));
    this.sweeper = setInterval(() => void this.sweepQuietly(), every);
    this.sweeper.unref();
    void this.sweepQuietly();
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  async create(): Promise<PendingDownload> {
    const { db, ttlMs } = this.options;
    const id = randomUUID();
    // An abandoned file (process killed mid-scoring) expires like any other and the sweep removes it.
    const encoding = this.compress ? 'gzip' : null;
    await db.query(
      `INSERT INTO prediction_download (id, expires_at, content_encoding) VALUES ($1, now() + make_interval(secs => $2::double precision / 1000), $3)`,
      [id, ttlMs, encoding],
    );
    // Bytes, encoded once as each piece arrives (measuring a text's UTF-8 length and encoding it
    // later would walk it twice).
    let parts: Buffer[] = [];
    let buffered = 0;
    let seq = 0;
    let total = 0;
    let stored = 0;
    let failure: unknown = null;
    // Storing is a pipeline beside the scoring: a chunk is compressed (thread pool) while the one
    // before it is inserted. A new chunk waits for the last one's compression and for the insert
    // before that, so at most three chunks are held. Compressing and inserting one after the other
    // made the scorer wait ≈ 200 ms of a 50,000-row file's 450.
    let compressed: Promise<unknown> = Promise.resolve();
    let inserted: Promise<void> = Promise.resolve();
    let insertedBefore: Promise<void> = Promise.resolve();

    const flush = async () => {
      if (buffered === 0) return;
      const bytes = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, buffered);
      parts = [];
      buffered = 0;
      await Promise.all([compressed, insertedBefore]);
      if (failure) throw failure;
      const chunk = seq++;
      total += bytes.length;
      // one output buffer for a whole chunk's gzip (zlib's default, 16 KiB, is a thread-pool round trip every 16 KiB)
      const compressing = this.compress ? gzip(bytes, { level: 1, chunkSize: 256 * 1024 }) : Promise.resolve(bytes);
      compressed = compressing.catch(() => undefined);
      const previous = inserted;
      insertedBefore = previous;
      inserted = (async () => {
        const encoded = await compressing;
        await previous;
        if (failure) return;
        stored += encoded.length;
        await db.query('INSERT INTO prediction_download_chunk (download_id, seq, bytes) VALUES ($1, $2, $3)', [id, chunk, encoded]);
      })().catch((error: unknown) => {
        failure ??= error;
      });
    };

    return {
      id,
      write: async (data) => {
        if (failure) throw failure;
        const piece = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
        parts.push(piece);
        buffered += piece.length;
        if (buffered >= this.chunkBytes) await flush();
      },
      commit: async () => {
        await flush();
        await inserted;
        if (failure) throw failure;
        await db.query(
          `UPDATE prediction_download
              SET committed_at = now(), expires_at = now() + make_interval(secs => $2::double precision / 1000),
                  byte_count = $3, chunk_count = $4, encoded_byte_count = $5
            WHERE id = $1`,
          [id, ttlMs, total, seq, stored],
        );
        void this.sweepQuietly();
      },
      abort: async () => {
        await inserted;
        parts = [];
        await db.query('DELETE FROM prediction_download WHERE id = $1', [id]);
      },
    };
  }

  /** A downloadable file, or null when the id is malformed, unknown, not yet committed or expired. */
  async find(id: string): Promise<StoredDownload | null> {
    if (!ID.test(id)) return null;
    const res = await this.options.db.query<DownloadRow>(
      `SELECT id, byte_count, chunk_count, content_encoding, encoded_byte_count FROM prediction_download
        WHERE id = $1 AND committed_at IS NOT NULL AND expires_at > now()`,
      [id],
    );
    const row = res.rows[0];
    if (!row) return null;
    const openEncoded = () => Readable.from(this.chunks(row.id, row.chunk_count), { objectMode: false });
    return {
      id: row.id,
      bytes: Number(row.byte_count),
      encoding: row.content_encoding,
      encodedBytes: Number(row.encoded_byte_count ?? row.byte_count),
      openEncoded,
      open: () => (row.content_encoding === 'gzip' ? gunzipped(openEncoded()) : openEncoded()),
    };
  }

  /** Deletes expired files (and partial ones older than the TTL), then the oldest beyond maxFiles. */
  async sweep(): Promise<void> {
    const { db, maxFiles } = this.options;
    await db.query('DELETE FROM prediction_download WHERE expires_at <= now()');
    await db.query(
      `DELETE FROM prediction_download WHERE id IN (
         SELECT id FROM prediction_download WHERE committed_at IS NOT NULL ORDER BY committed_at DESC, id OFFSET $1)`,
      [maxFiles],
    );
  }

  private async sweepQuietly(): Promise<void> {
    try {
      await this.sweep();
    } catch (err) {
      this.options.logger?.warn({ err }, 'scored-download sweep failed; retried on the next tick');
    }
  }

  private async *chunks(id: string, count: number): AsyncGenerator<Buffer> {
    for (let from = 0; from < count; from += this.readChunks) {
      const to = Math.min(count, from + this.readChunks);
      // Text format (bytea as hex): pg's binary result format hands bytea back as a decoded string.
      // Reading costs ≈ 0.45 s of CPU per 17 MB file (a file on disk: ≈ 0.07 s), see README "Predictions".
      const res = await this.options.db.query<{ bytes: Buffer }>(
        'SELECT bytes FROM prediction_download_chunk WHERE download_id = $1 AND seq >= $2 AND seq < $3 ORDER BY seq',
        [id, from, to],
      );
      // Swept while being read (expired mid-download): end with an error rather than a short file.
      if (res.rows.length !== to - from) throw new Error(`scored download ${id} was deleted while it was being read`);
      for (const row of res.rows) yield row.bytes;
    }
  }
}
