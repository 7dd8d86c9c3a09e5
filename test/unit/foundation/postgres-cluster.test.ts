/**
 * Where the embedded PostgreSQL runs from when Trellis runs as root (see src/db/postgres-cluster.ts):
 * binaries out of the server user's reach are copied to a cache it can read, clusters out of its
 * reach are kept elsewhere and linked from DATA_DIR/pg, and every failure is one clear line.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readlink, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  EmbeddedPostgresError, canReach, clusterDirectory, initCluster, installedBinaries, locateBinaries, removeRelocatedCluster, unprivilegedAccount,
} from '../../../src/db/postgres-cluster.js';

const isRoot = process.getuid?.() === 0;
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function privateDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'trellis-pgc-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('reachability', () => {
  it('a 0700 directory keeps out every other user; 0755 lets them through', async () => {
    const dir = await privateDir();
    const other = { uid: 65_534, gid: 65_534, name: 'nobody' };
    expect(await canReach(dir, other)).toBe(false);
    await chmod(dir, 0o755);
    expect(await canReach(dir, other)).toBe(true);
  });
});

describe('failures are one line that says what to set', () => {
  it('a binary that cannot be spawned', async () => {
    const binaries = { initdb: '/nonexistent/initdb', postgres: '/nonexistent/postgres', version: 'x' };
    const dir = path.join(await privateDir(), 'cluster');
    const failure = initCluster(binaries, dir, 'trellis', 'secret', null);
    await expect(failure).rejects.toBeInstanceOf(EmbeddedPostgresError);
    await expect(failure).rejects.toThrow(/^cannot run \/nonexistent\/initdb \(ENOENT\); set DATABASE_URL/);
  });

  it('no unprivileged user to run the server as, and none can be made', async () => {
    const failure = unprivilegedAccount('no such user!');
    await expect(failure).rejects.toBeInstanceOf(EmbeddedPostgresError);
    await expect(failure).rejects.toThrow(/there is no 'no such user!' user to run it as \(useradd failed: .+\); create one or set DATABASE_URL$/);
  });
});

describe.runIf(isRoot)('as root', () => {
  it('copies binaries the server user cannot reach to a cache it can, and they run as that user', async () => {
    const account = await unprivilegedAccount();
    const installed = installedBinaries();
    const hidden = await privateDir();
    execFileSync('cp', ['-al', installed.nativeDir, path.join(hidden, 'native')]);
    const cacheRoot = path.join(await privateDir(), 'cache');
    await chmod(path.dirname(cacheRoot), 0o755);
    const nativeDir = path.join(hidden, 'native');
    const located = await locateBinaries(account, {
      installed: { ...installed, nativeDir, initdb: path.join(nativeDir, 'bin/initdb'), postgres: path.join(nativeDir, 'bin/postgres') },
      cacheRoot,
    });
    expect(located.postgres.startsWith(cacheRoot)).toBe(true);
    const version = execFileSync(located.postgres, ['--version'], { uid: account.uid, gid: account.gid, encoding: 'utf8' });
    expect(version).toMatch(/^postgres \(PostgreSQL\) \d+/);
    // A second start reuses the copy.
    expect(await locateBinaries(account, { installed: { ...installed, nativeDir, initdb: located.initdb, postgres: path.join(nativeDir, 'bin/postgres') }, cacheRoot })).toEqual(located);
  });

  it('keeps an unreachable DATA_DIR\'s cluster elsewhere, finds it again, and never shares one between DATA_DIRs', async () => {
    const account = await unprivilegedAccount();
    const first = await privateDir();
    const second = await privateDir();
    cleanups.push(() => removeRelocatedCluster(first), () => removeRelocatedCluster(second));
    const a = await clusterDirectory(first, account);
    const b = await clusterDirectory(second, account);
    expect(a.relocated && b.relocated).toBe(true);
    expect(a.dir).not.toBe(b.dir);
    expect(await readlink(path.join(first, 'pg'))).toBe(a.dir);
    expect(await clusterDirectory(first, account)).toEqual(a);
    expect(await canReach(a.dir, account)).toBe(true);
  });

  it('keeps a reachable DATA_DIR\'s cluster in DATA_DIR/pg', async () => {
    const account = await unprivilegedAccount();
    const dir = await privateDir();
    await chmod(dir, 0o755);
    expect(await clusterDirectory(dir, account)).toEqual({ dir: path.join(dir, 'pg'), relocated: false });
  });
});
