/**
 * The scored-CSV store in PostgreSQL: written in chunks while scoring, findable once committed,
 * readable from another store on the same database (another API replica), expired and capped.
 */
import { buffer, text } from 'node:stream/consumers';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/data-source.js';
import { poolOf } from '../../../src/db/sql.js';
import { DownloadStore, type StoredDownload } from '../../../src/serving/download-store.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';

let database: TestDatabase;
let pool: pg.Pool;
let close: () => Promise<void>;

beforeAll(async () => {
  database = await createTestDatabase('downloads');
  const dataSource = await openDatabase(database.url, 4);
  pool = poolOf(dataSource);
  close = () => dataSource.destroy();
});
afterAll(async () => {
  await close?.();
  await database?.drop();
});

function store(opts: { ttlMs?: number; maxFiles?: number; chunkBytes?: number } = {}) {
  return new DownloadStore({ db: pool, ttlMs: opts.ttlMs ?? 60_000, maxFiles: opts.maxFiles ?? 10, chunkBytes: opts.chunkBytes });
}

async function read(s: DownloadStore, id: string): Promise<string | null> {
  const file = await s.find(id);
  return file ? text(file.open()) : null;
}

async function count(table: string, id: string): Promise<number> {
  const column = table === 'prediction_download' ? 'id' : 'download_id';
  return (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${column} = $1`, [id])).rows[0]?.n ?? -1;
}

describe('DownloadStore (PostgreSQL)', () => {
  it('a file is findable only once committed, with the text written', async () => {
    const s = store();
    const d = await s.create();
    await d.write('a,b\n');
    await d.write('1,2\n');
    expect(await s.find(d.id)).toBeNull();
    await d.commit();
    const file = await s.find(d.id);
    expect(file?.bytes).toBe(8);
    expect(await read(s, d.id)).toBe('a,b\n1,2\n');
  });

  it('is stored in chunks and read back in order, multi-byte text intact, from another replica', async () => {
    const writer = store({ chunkBytes: 64 });
    const d = await writer.create();
    const lines = Array.from({ length: 200 }, (_, i) => `${i},Kasubi HC III — Ŋ ${'x'.repeat(i % 7)}\n`);
    for (const line of lines) await d.write(line);
    await d.commit();
    expect(await count('prediction_download_chunk', d.id)).toBeGreaterThan(20);
    const reader = new DownloadStore({ db: pool, ttlMs: 60_000, maxFiles: 10, readChunks: 3 }); // a second API process
    const file = await reader.find(d.id);
    expect(file?.bytes).toBe(Buffer.byteLength(lines.join('')));
    expect(await read(reader, d.id)).toBe(lines.join(''));
  });

  it('stores chunks gzip-compressed (one gzip member each, so the stored file is one gzip stream); plain files still read', async () => {
    const compressed = store({ chunkBytes: 1024 });
    const d = await compressed.create();
    const lines = Array.from({ length: 500 }, (_, i) => `${i},Kasubi HC III,General Care,0.330000,HIGH\n`);
    const csv = lines.join('');
    for (const line of lines) await d.write(line);
    await d.commit();
    const file = await compressed.find(d.id);
    expect(file).toMatchObject({ encoding: 'gzip', bytes: Buffer.byteLength(csv) });
    expect(file?.encodedBytes).toBeLessThan(Buffer.byteLength(csv) / 3);
    expect(await count('prediction_download_chunk', d.id)).toBeGreaterThan(10);
    expect(gunzipSync(await buffer((file as StoredDownload).openEncoded())).toString()).toBe(csv);
    expect(await read(compressed, d.id)).toBe(csv);

    const plain = new DownloadStore({ db: pool, ttlMs: 60_000, maxFiles: 10, compress: false }); // as stored before compression
    const p = await plain.create();
    await p.write(csv);
    await p.commit();
    expect(await compressed.find(p.id)).toMatchObject({ encoding: null, bytes: Buffer.byteLength(csv), encodedBytes: Buffer.byteLength(csv) });
    expect(await read(compressed, p.id)).toBe(csv);
  });

  it('refuses malformed ids (no injection or traversal) and unknown ones', async () => {
    const s = store();
    expect(await s.find('../../etc/passwd')).toBeNull();
    expect(await s.find("x' OR '1'='1")).toBeNull();
    expect(await s.find('00000000-0000-0000-0000-000000000000')).toBeNull();
  });

  it('aborted files leave nothing behind', async () => {
    const s = store({ chunkBytes: 4 });
    const d = await s.create();
    await d.write('x,y,z\n');
    await d.write('1,2,3\n');
    await d.write('4,5,6\n'); // storing runs up to two chunks behind the writes: the first is in by now
    expect(await count('prediction_download_chunk', d.id)).toBeGreaterThan(0);
    await d.abort();
    expect(await count('prediction_download', d.id)).toBe(0);
    expect(await count('prediction_download_chunk', d.id)).toBe(0);
  });

  it('a chunk that cannot be stored fails the file (a later write or the commit), and abort removes what was stored', async () => {
    let inserts = 0;
    const failing = {
      query: (sql: string, params?: unknown[]) => {
        if (sql.startsWith('INSERT INTO prediction_download_chunk') && ++inserts === 3) return Promise.reject(new Error('disk full'));
        return pool.query(sql, params);
      },
    };
    const s = new DownloadStore({ db: failing as unknown as pg.Pool, ttlMs: 60_000, maxFiles: 10, chunkBytes: 4 });
    const d = await s.create();
    const outcome = (async () => {
      for (let i = 0; i < 20; i++) await d.write(`${i},x\n`);
      await d.commit();
    })();
    await expect(outcome).rejects.toThrow('disk full');
    await d.abort();
    expect(await count('prediction_download', d.id)).toBe(0);
    expect(await count('prediction_download_chunk', d.id)).toBe(0);
  });

  it('expires files after the TTL and keeps at most maxFiles (oldest go first)', async () => {
    await pool.query('DELETE FROM prediction_download');
    const s = store({ ttlMs: 60_000, maxFiles: 2 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const d = await s.create();
      await d.write(`${i}\n`);
      await d.commit();
      ids.push(d.id);
      // distinct commit times, oldest first
      await pool.query(`UPDATE prediction_download SET committed_at = now() - make_interval(secs => $2) WHERE id = $1`, [d.id, 10 - i]);
    }
    await s.sweep();
    expect(await s.find(ids[0] as string)).toBeNull();
    expect(await s.find(ids[2] as string)).not.toBeNull();

    await pool.query(`UPDATE prediction_download SET expires_at = now() - interval '1 second' WHERE id = $1`, [ids[2]]);
    expect(await s.find(ids[2] as string)).toBeNull(); // expired even before the sweep deletes it
    await s.sweep();
    expect((await pool.query<{ id: string }>('SELECT id FROM prediction_download')).rows.map((r) => r.id)).toEqual([ids[1]]);
    expect((await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM prediction_download_chunk WHERE download_id <> $1', [ids[1]])).rows[0]?.n).toBe(0);
  });

  it('a partial file abandoned by a crashed process is swept once its TTL has passed', async () => {
    const s = store({ ttlMs: 60_000 });
    const d = await s.create();
    await d.write('half a file\n');
    await pool.query(`UPDATE prediction_download SET expires_at = now() - interval '1 second' WHERE id = $1`, [d.id]);
    await s.sweep();
    expect(await count('prediction_download', d.id)).toBe(0);
  });
});
