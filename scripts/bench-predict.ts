/**
 * npm run bench:predict — the prediction hot path measured against Apollo's own ceiling.
 *
 * Starts the real server (dist/src/main.js, LOG_LEVEL=warn, fresh database: embedded, or a new
 * database on DATABASE_URL's server) with the committed model, then drives it from a SEPARATE
 * process (scripts/bench/load.ts: 32 keep-alive connections, closed loop) through:
 *   (a) { __typename }                       Apollo + Express on this machine, nothing of ours
 *   (b) predict, varied real rows            our resolver, validation, micro-batching, forward pass,
 *                                            with a PREDICTOR key (Authorization: Bearer …)
 *   (b0) the same without a key              ANONYMOUS_ROLE=PREDICTOR: no header, no key lookup
 *                                            (b against b0 is what authentication costs; same run)
 *   (c) predict while a training job runs    retrain on the real dataset, worker thread busy
 * and times predictBatchFile on a 50,000-row CSV made from real rows.
 * Options: --duration <s> (10) --warmup <s> (2) --connections <n> (32) --rounds <n> (3: a, b and b0 alternate, median reported)
 *          --file-rows <n> (50000) --epochs <n> (400)
 */
import { fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { datasetSource, repeatedCsv, sampleInputs } from './bench/data.js';
import type { LoadResult, LoadSpec } from './bench/load.js';
import { BENCH_ADMIN_KEY, startBenchServer, type BenchServer } from './bench/server.js';
import { bearerKey, generateKey, hashKey } from '../src/auth/keys.js';
import { REPO_ROOT, SHARED_DATASET } from '../src/paths.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DATASET = SHARED_DATASET;

const PREDICT = 'query Predict($input: FacilityInput!) { predict(input: $input) { label confidence modelVersion probabilities { label probability } } }';

async function post<T>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<{ data?: T; errors?: { message: string }[] }> {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_ADMIN_KEY}` }, body: JSON.stringify({ query, variables }) });
  return (await res.json()) as { data?: T; errors?: { message: string }[] };
}

async function upload<T>(url: string, query: string, name: string, content: Buffer): Promise<{ ms: number; bytes: number; body: { data?: T; errors?: { message: string }[] } }> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query, variables: { file: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new Blob([new Uint8Array(content)], { type: 'text/csv' }), name);
  const started = performance.now();
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${BENCH_ADMIN_KEY}` }, body: form });
  const text = await res.text();
  const ms = performance.now() - started;
  return { ms, bytes: text.length, body: JSON.parse(text) as { data?: T; errors?: { message: string }[] } };
}

/** Runs the load generator in its own process. */
function loadInChild(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(HERE, 'bench', 'load.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (msg: { result?: LoadResult; error?: string }) => (msg.result ? resolve(msg.result) : reject(new Error(msg.error))));
    child.once('exit', (code) => code !== 0 && reject(new Error(`load generator exited with ${code}`)));
    child.send(spec);
  });
}

async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await check().catch(() => null);
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

interface JobState { id: string; status: string; startedAt: string | null; finishedAt: string | null; epochs: { epoch: number }[] }

/** Uploads the real dataset and queues a long retrain on it; resolves once the job is RUNNING. */
async function startTraining(url: string, csv: Buffer, epochs: number): Promise<{ jobId: string; how: string }> {
  const fields = await post<{ __type: { fields: { name: string }[] } | null }>(url, '{ __type(name: "Mutation") { fields { name } } }');
  const names = new Set(fields.data?.__type?.fields.map((f) => f.name));
  const missing = ['uploadDataset', 'retrain', 'cancelTrainingJob'].filter((n) => !names.has(n));
  if (missing.length > 0) throw new Error(`this build has no ${missing.join(', ')} mutation yet`);
  const up = await upload<{ uploadDataset: { dataset: { id: string } | null } }>(
    url, 'mutation($file: Upload!) { uploadDataset(file: $file, name: "bench", autoRetrain: false) { dataset { id } } }', 'uganda-facilities.csv', csv,
  );
  const datasetId = up.body.data?.uploadDataset.dataset?.id;
  if (!datasetId) throw new Error(`uploadDataset failed: ${JSON.stringify(up.body.errors ?? up.body)}`);
  const res = await post<{ retrain: { id: string } }>(url, 'mutation($input: RetrainInput) { retrain(input: $input) { id status } }', {
    input: { datasetIds: [datasetId], epochs, patience: epochs },
  });
  const jobId = res.data?.retrain.id;
  if (!jobId) throw new Error(`retrain failed: ${JSON.stringify(res.errors)}`);
  await waitFor('the training job to run its first epoch', async () => {
    const job = await jobState(url, jobId);
    return job?.status === 'RUNNING' && job.epochs.length > 0;
  });
  return { jobId, how: `retrain(epochs: ${epochs}, patience: ${epochs}) on the uploaded real dataset` };
}

async function jobState(url: string, id: string): Promise<JobState | null> {
  const res = await post<{ trainingJob: JobState | null }>(url, 'query($id: ID!) { trainingJob(id: $id) { id status startedAt finishedAt epochs { epoch } } }', { id });
  return res.data?.trainingJob ?? null;
}

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

/**
 * What authenticating one request costs by itself, in this process: what ApiKeyService.authenticate
 * does (parse the header, SHA-256 the key, read the Map of active keys), 200,000 times. Immune to
 * the machine's other load, unlike the req/s of (b) against (b0).
 */
function authCostInProcess(): number {
  const keys = new Map<string, { id: string }>(Array.from({ length: 100 }, () => [hashKey(generateKey()), { id: 'other' }]));
  const key = generateKey();
  keys.set(hashKey(key), { id: 'mine' });
  const header = `Bearer ${key}`;
  let found = 0;
  const n = 200_000;
  for (let i = 0; i < 20_000; i++) if (keys.get(hashKey(bearerKey(header) as string))) found++;
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) if (keys.get(hashKey(bearerKey(header) as string))) found++;
  const us = Number(process.hrtime.bigint() - started) / 1000 / n;
  if (found !== n + 20_000) throw new Error('key lookup failed');
  return us;
}

/** CPU time (user + system, ms) the process has used so far, from /proc (Linux; null elsewhere). */
function cpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

interface Measured extends LoadResult {
  /** server CPU per answered request, µs (includes warm-up requests; null without /proc) */
  cpuUsPerRequest: number | null;
  load1: number;
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '10' }, warmup: { type: 'string', default: '2' }, connections: { type: 'string', default: '32' },
      'file-rows': { type: 'string', default: '50000' }, epochs: { type: 'string', default: '400' }, rounds: { type: 'string', default: '3' },
    },
  });
  const durationMs = Number(values.duration) * 1000;
  const warmupMs = Number(values.warmup) * 1000;
  const connections = Number(values.connections);
  const fileRows = Number(values['file-rows']);
  const epochs = Number(values.epochs);
  const rounds = Math.max(1, Number(values.rounds));

  const source = datasetSource(DATASET);
  const { inputs, skipped } = await sampleInputs(source);
  console.log(`inputs: ${inputs.length} rows of ${source.describe} (${skipped} rows without services/care system/subcounty left out)`);

  let server: BenchServer | null = null;
  try {
    // Anonymous callers may predict, so (b0) measures the same requests without a key.
    server = await startBenchServer(REPO_ROOT, { ANONYMOUS_ROLE: 'predictor' });
    const url = server.url;
    console.log(`server: ${url} (${server.database}, LOG_LEVEL=warn, pid ${server.child.pid})`);
    await waitFor('the active model', async () => {
      const r = (await (await fetch(`${url}/readyz`)).json()) as { model?: { loaded: boolean; version: number | null } };
      return r.model?.loaded ? r.model : null;
    });
    const probe = await post<{ predict: { modelVersion: number } }>(url, PREDICT, { input: inputs[0] });
    if (!probe.data) throw new Error(`predict failed: ${JSON.stringify(probe.errors)}`);
    console.log(`model version ${probe.data.predict.modelVersion}; ${connections} connections, ${values.warmup} s warm-up + ${values.duration} s per scenario\n`);

    const created = await post<{ createApiKey: { key: string } }>(url, 'mutation { createApiKey(name: "bench predictor", role: PREDICTOR) { key } }');
    const predictorKey = created.data?.createApiKey.key;
    if (!predictorKey) throw new Error(`createApiKey failed: ${JSON.stringify(created.errors)}`);
    const withKey = { authorization: `Bearer ${predictorKey}` };
    const spec = (bodies: string[], headers: Record<string, string>): LoadSpec => ({ url: `${url}/graphql`, bodies, headers, connections, warmupMs, durationMs });
    const pid = server.child.pid;
    // Server CPU per request is measured over the measured window only (sampled when it opens and closes).
    const measure = async (bodies: string[], headers: Record<string, string> = withKey): Promise<Measured> => {
      const load1 = os.loadavg()[0] ?? 0;
      let cpuStart: number | null = null;
      const opened = setTimeout(() => {
        cpuStart = cpuMs(pid);
      }, warmupMs);
      let cpuEnd: number | null = null;
      const closed = setTimeout(() => {
        cpuEnd = cpuMs(pid);
      }, warmupMs + durationMs);
      const result = await loadInChild(spec(bodies, headers));
      clearTimeout(opened);
      clearTimeout(closed);
      const cpu = cpuStart !== null && cpuEnd !== null ? ((cpuEnd - cpuStart) * 1000) / result.requests : null;
      return { ...result, cpuUsPerRequest: cpu, load1 };
    };
    const line = (m: Measured) =>
      `${fmt(m.rps, 0)} req/s, p50 ${fmt(m.p50Ms)} ms, p99 ${fmt(m.p99Ms)} ms, errors ${m.errors}, server CPU ${m.cpuUsPerRequest === null ? '-' : fmt(m.cpuUsPerRequest, 0)} µs/req, load avg ${fmt(m.load1)}`;
    const predictBodies = inputs.map((input) => JSON.stringify({ query: PREDICT, variables: { input } }));

    // (a) and (b) alternate for `rounds` rounds so that noise from other work on the machine hits
    // both alike; each is reported by its median round (by req/s).
    const roundsA: Measured[] = [];
    const roundsB: Measured[] = [];
    const roundsB0: Measured[] = [];
    for (let round = 1; round <= rounds; round++) {
      const ra = await measure([JSON.stringify({ query: '{ __typename }' })]);
      roundsA.push(ra);
      console.log(`(a) round ${round} { __typename }: ${line(ra)}`);
      const rb = await measure(predictBodies);
      roundsB.push(rb);
      console.log(`(b) round ${round} predict with a key: ${line(rb)}`);
      const rb0 = await measure(predictBodies, {});
      roundsB0.push(rb0);
      console.log(`(b0) round ${round} predict without a key: ${line(rb0)}`);
    }
    const median = (xs: Measured[]) => [...xs].sort((x, y) => x.rps - y.rps)[Math.floor(xs.length / 2)] as Measured;
    const medianCpu = (xs: Measured[]) => {
      const v = xs.map((x) => x.cpuUsPerRequest).filter((x): x is number => x !== null).sort((x, y) => x - y);
      return v.length ? (v[Math.floor(v.length / 2)] as number) : Number.NaN;
    };
    const a = median(roundsA);
    const b = median(roundsB);
    const b0 = median(roundsB0);

    let c: Measured | null = null;
    let trainingNote = '';
    try {
      const csv = existsSync(DATASET) ? await readFile(DATASET) : await repeatedCsv(source, 3000);
      const training = await startTraining(url, csv, epochs);
      c = await measure(predictBodies);
      const job = await jobState(url, training.jobId);
      const coveredWindow = job?.status === 'RUNNING' || (job?.finishedAt !== null && job?.finishedAt !== undefined && Date.parse(job.finishedAt) >= c.endedAt);
      trainingNote = `training: ${training.how}; job ${job?.status} at ${job?.epochs.length ?? '?'} epochs when the window closed` +
        (coveredWindow ? ' (it ran through the whole window)' : ' (WARNING: it finished inside the window)');
      await post(url, 'mutation($id: ID!) { cancelTrainingJob(id: $id) { id status } }', { id: training.jobId });
      console.log(`(c) predict while training: ${line(c)} (CPU includes the training thread)`);
      console.log(`    ${trainingNote}`);
    } catch (error) {
      trainingNote = `(c) not measured: ${error instanceof Error ? error.message : String(error)}`;
      console.log(trainingNote);
    }

    // predictBatchFile on a 50,000-row CSV made from real rows.
    const big = await repeatedCsv(source, fileRows);
    const summaryQuery = 'mutation($file: Upload!) { predictBatchFile(file: $file) { rows scored errors modelVersion downloadUrl classCounts { label count } } }';
    const fullQuery = 'mutation($file: Upload!) { predictBatchFile(file: $file) { rows scored errors downloadUrl results { row error prediction { label confidence probabilities { label probability } } } } }';
    await upload(url, summaryQuery, 'warm.csv', await repeatedCsv(source, 2000)); // warm the JIT and caches once
    type FileResult = { predictBatchFile: { rows: number; scored: number; errors: number; downloadUrl: string } };
    const file = await upload<FileResult>(url, summaryQuery, 'big.csv', big);
    if (!file.body.data) throw new Error(`predictBatchFile failed: ${JSON.stringify(file.body.errors)}`);
    const r = file.body.data.predictBatchFile;
    const download = await fetch(`${url}${r.downloadUrl}`);
    const scoredLines = (parse(await download.text(), { columns: true }) as unknown[]).length;
    const full = await upload<FileResult>(url, fullQuery, 'big.csv', big);
    const fileRps = r.rows / (file.ms / 1000);
    const fullRps = (full.body.data?.predictBatchFile.rows ?? 0) / (full.ms / 1000);
    console.log(`predictBatchFile ${r.rows} rows (${(big.length / 1e6).toFixed(1)} MB): ${fmt(file.ms / 1000)} s = ${fmt(fileRps, 0)} rows/s (summary + download URL; scored CSV has ${scoredLines} rows, ${r.errors} row errors)`);
    console.log(`predictBatchFile with every per-row result in the response (${(full.bytes / 1e6).toFixed(1)} MB JSON): ${fmt(full.ms / 1000)} s = ${fmt(fullRps, 0)} rows/s`);

    const ba = b.rps / a.rps;
    const cb = c ? c.p99Ms / b.p99Ms : Number.NaN;
    const cpuA = medianCpu(roundsA);
    const cpuB = medianCpu(roundsB);
    const cpuB0 = medianCpu(roundsB0);
    console.log(`\n| scenario | req/s | p50 ms | p99 ms | errors | server CPU µs/req |`);
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    console.log(`| (a) \`{ __typename }\` | ${fmt(a.rps, 0)} | ${fmt(a.p50Ms)} | ${fmt(a.p99Ms)} | ${a.errors} | ${fmt(cpuA, 0)} |`);
    console.log(`| (b) \`predict\`, PREDICTOR key | ${fmt(b.rps, 0)} | ${fmt(b.p50Ms)} | ${fmt(b.p99Ms)} | ${b.errors} | ${fmt(cpuB, 0)} |`);
    console.log(`| (b0) \`predict\`, no key (ANONYMOUS_ROLE) | ${fmt(b0.rps, 0)} | ${fmt(b0.p50Ms)} | ${fmt(b0.p99Ms)} | ${b0.errors} | ${fmt(cpuB0, 0)} |`);
    if (c) console.log(`| (c) \`predict\` while training | ${fmt(c.rps, 0)} | ${fmt(c.p50Ms)} | ${fmt(c.p99Ms)} | ${c.errors} | (with training) |`);
    console.log(`\nb/a throughput ${fmt(ba)} (target >= 0.8) ${ba >= 0.8 ? 'OK' : 'MISSED'}; by server CPU per request (insensitive to other load on the machine) ${fmt(cpuA / cpuB)}`);
    if (c) console.log(`c/b p99 ${fmt(cb)} (target <= 2) ${cb <= 2 ? 'OK' : 'MISSED'}; c/b throughput ${fmt(c.rps / b.rps)}`);
    const authCost = 1 - b.rps / b0.rps;
    const authCpu = cpuB / cpuB0 - 1;
    const lookupUs = authCostInProcess();
    console.log(`authentication cost: ${fmt(authCost * 100, 1)}% of throughput (b against b0, median rounds), ${fmt(authCpu * 100, 1)}% of server CPU per request (target < 5%) ${authCost < 0.05 ? 'OK' : 'MISSED'}`);
    console.log(`the key check alone (header, SHA-256, cache lookup; in-process): ${fmt(lookupUs)} µs per request = ${fmt((lookupUs / cpuB0) * 100, 1)}% of (b0)'s ${fmt(cpuB0, 0)} µs of server CPU`);
    console.log(`predictBatchFile ${fmt(fileRps, 0)} rows/s (target >= 20000) ${fileRps >= 20_000 ? 'OK' : 'MISSED'}`);
    for (const [name, res] of [['a', a], ['b', b], ['b0', b0], ['c', c]] as const) if (res?.firstError) console.log(`first error in (${name}): ${res.firstError}`);
  } finally {
    await server?.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.stack ?? err.message : String(err));
    process.exitCode = 1;
  });
}
