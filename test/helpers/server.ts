/**
 * Starts the real Trellis HTTP + WebSocket server for integration tests: in this process
 * (`startTestServer`) or as a separate `node dist/src/main.js` process (`spawnTrellis`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { startApp, type RunningApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { REPO_ROOT } from '../../src/paths.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { TEST_ADMIN_KEY } from './graphql-client.js';

export { REPO_ROOT };

export interface TestServer {
  app: RunningApp;
  url: string;
  graphqlUrl: string;
  wsUrl: string;
  database: TestDatabase;
  stop(): Promise<void>;
}

/**
 * Starts the app on a free port against a fresh database, with ADMIN_API_KEY = TEST_ADMIN_KEY
 * (what the graphql-client helpers send). `env` overrides configuration variables.
 */
export async function startTestServer(env: Record<string, string> = {}, database?: TestDatabase): Promise<TestServer> {
  const db = database ?? (await createTestDatabase('server'));
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', DATABASE_URL: db.url, ADMIN_API_KEY: TEST_ADMIN_KEY, ...env }, REPO_ROOT);
  const app = await startApp(config, createLogger(config.logLevel));
  if (!app.url) throw new Error('startTestServer needs a role with an HTTP server');
  const url = app.url;
  return {
    app,
    url,
    graphqlUrl: `${url}/graphql`,
    wsUrl: `${url.replace(/^http/, 'ws')}/graphql`,
    database: db,
    async stop() {
      await app.stop();
      if (!database) await db.drop();
    },
  };
}

export interface SpawnedTrellis {
  child: ChildProcess;
  output(): string;
  /** Resolves with the URL printed on start (null for ROLE=worker once it logs its start). */
  ready: Promise<string | null>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs the compiled server (`npm run build:server` first) as its own process, with ADMIN_API_KEY = TEST_ADMIN_KEY unless `env` sets it. */
export function spawnTrellis(env: Record<string, string>): SpawnedTrellis {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist/src/main.js')], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ADMIN_API_KEY: TEST_ADMIN_KEY, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<string | null>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /ready at (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1] ?? null);
      else if (/Trellis worker started/.test(output)) resolve(null);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(({ code, signal }) => reject(new Error(`trellis exited (${code ?? signal}) before ready:\n${output}`)));
  });
  ready.catch(() => undefined);
  return { child, output: () => output, ready, exited };
}

/** Polls `check` until it returns a truthy value or the deadline passes (wait on state, not on timers). */
export async function waitFor<T>(check: () => Promise<T> | T, { timeoutMs = 30_000, intervalMs = 50, what = 'condition' } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
