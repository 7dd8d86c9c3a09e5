import { mkdtemp, readdir, readFile, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DownloadStore } from '../../../src/serving/download-store.js';

async function store(opts: { ttlMs?: number; maxFiles?: number } = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'trellis-downloads-'));
  return { dir, store: new DownloadStore({ dir, ttlMs: opts.ttlMs ?? 60_000, maxFiles: opts.maxFiles ?? 10 }) };
}

describe('DownloadStore', () => {
  it('a file is findable only once committed, with the text written', async () => {
    const { store: s } = await store();
    const d = await s.create();
    await d.write('a,b\n');
    await d.write('1,2\n');
    expect(await s.find(d.id)).toBeNull();
    await d.commit();
    const file = await s.find(d.id);
    expect(file).not.toBeNull();
    expect(await readFile(file as string, 'utf8')).toBe('a,b\n1,2\n');
  });

  it('refuses malformed ids (no path traversal) and unknown ones', async () => {
    const { store: s } = await store();
    expect(await s.find('../../etc/passwd')).toBeNull();
    expect(await s.find('00000000-0000-0000-0000-000000000000')).toBeNull();
  });

  it('aborted files leave nothing behind', async () => {
    const { dir, store: s } = await store();
    const d = await s.create();
    await d.write('x\n');
    await d.abort();
    expect(await readdir(dir)).toEqual([]);
  });

  it('expires files after the TTL and keeps at most maxFiles (oldest go first)', async () => {
    const { dir, store: s } = await store({ ttlMs: 60_000, maxFiles: 2 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const d = await s.create();
      await d.write(`${i}\n`);
      await d.commit();
      ids.push(d.id);
      // distinct modification times, oldest first
      const t = new Date(Date.now() - (10 - i) * 1000);
      await utimes(path.join(dir, `${d.id}.csv`), t, t);
    }
    await s.sweep();
    expect(await s.find(ids[0] as string)).toBeNull();
    expect(await s.find(ids[2] as string)).not.toBeNull();

    const old = new Date(Date.now() - 120_000);
    await utimes(path.join(dir, `${ids[2]}.csv`), old, old);
    expect(await s.find(ids[2] as string)).toBeNull(); // expired even before the sweep deletes it
    await s.sweep();
    expect((await readdir(dir)).sort()).toEqual([`${ids[1]}.csv`]);
  });
});
