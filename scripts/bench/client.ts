/** What the bench scripts say to a running server: GraphQL posts, multipart uploads, the load generator in its own process. */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadResult, LoadSpec } from './load.js';
import { BENCH_ADMIN_KEY } from './server.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export const PREDICT = 'query Predict($input: FacilityInput!) { predict(input: $input) { label confidence modelVersion probabilities { label probability } } }';

export interface GraphQLAnswer<T> {
  data?: T;
  errors?: { message: string }[];
}

/** A GraphQL call with the bench's admin key. */
export async function post<T>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<GraphQLAnswer<T>> {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_ADMIN_KEY}` }, body: JSON.stringify({ query, variables }) });
  return (await res.json()) as GraphQLAnswer<T>;
}

/** A multipart GraphQL upload (one file as `variables.file`), timed from the request to the last byte of the answer. */
export async function upload<T>(url: string, query: string, name: string, content: Buffer): Promise<{ ms: number; bytes: number; body: GraphQLAnswer<T> }> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query, variables: { file: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new Blob([new Uint8Array(content)], { type: 'text/csv' }), name);
  const started = performance.now();
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${BENCH_ADMIN_KEY}` }, body: form });
  const text = await res.text();
  const ms = performance.now() - started;
  return { ms, bytes: text.length, body: JSON.parse(text) as GraphQLAnswer<T> };
}

/** Runs the load generator (scripts/bench/load.ts) in its own process; `onStart` gets its pid. */
export function loadInChild(spec: LoadSpec, onStart?: (pid: number | undefined) => void): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(HERE, 'load.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    onStart?.(child.pid);
    child.once('message', (msg: { result?: LoadResult; error?: string }) => (msg.result ? resolve(msg.result) : reject(new Error(msg.error))));
    child.once('exit', (code) => code !== 0 && reject(new Error(`load generator exited with ${code}`)));
    child.send(spec);
  });
}

export async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await check().catch(() => null);
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Waits for /readyz to report a loaded model. */
export async function waitForModel(url: string): Promise<{ loaded: boolean; version: number | null }> {
  return waitFor('the active model', async () => {
    const r = (await (await fetch(`${url}/readyz`)).json()) as { model?: { loaded: boolean; version: number | null } };
    return r.model?.loaded ? r.model : null;
  });
}

/** A new API key with `role`, made with the admin key. */
export async function createKey(url: string, name: string, role: string): Promise<string> {
  const created = await post<{ createApiKey: { key: string } }>(url, `mutation { createApiKey(name: ${JSON.stringify(name)}, role: ${role}) { key } }`);
  const key = created.data?.createApiKey.key;
  if (!key) throw new Error(`createApiKey failed: ${JSON.stringify(created.errors)}`);
  return key;
}

/** CPU time (user + system, ms) process `pid` has used so far, from /proc (Linux; null elsewhere). */
export function cpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

/** The CPUs process `pid` may run on ("0-1"), from /proc (Linux; "?" elsewhere). */
export function cpusAllowed(pid: number | undefined): string {
  if (pid === undefined) return '?';
  try {
    return /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '?';
  } catch {
    return '?';
  }
}
