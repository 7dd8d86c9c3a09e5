/**
 * npm run bench:profile — where the server's CPU goes under one workload, from a V8 CPU profile.
 *
 * Starts the real server (as bench:predict does: LOG_LEVEL=warn, ADMIN_API_KEY, fresh database)
 * under `node --cpu-prof`, drives it, stops it (the profile is written on exit) and prints self
 * time by owner (our src/ folders, each npm package, Node) and by function.
 *   --scenario predict   (default) predict with a PREDICTOR key, real rows in rotation, from a
 *                        separate load-generator process (32 keep-alive connections)
 *   --scenario typename  `{ __typename }` with the same key
 *   --scenario bare      `{ __typename }` on the bench's bare Apollo Server (scripts/bench/bare-apollo.ts), for comparison
 *   --scenario file      predictBatchFile on a --file-rows (50,000) row CSV of real rows, --repeat (3) times
 * Options: --duration <s> (10) --connections <n> (32) --out <dir> (a temp dir; the .cpuprofile
 *          stays there for Chrome DevTools / speedscope) --top <n> (15) --inclusive <n> (0: the top n
 *          functions by total time, callees included)
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createKey, loadInChild, PREDICT, upload, waitForModel } from './bench/client.js';
import { formatSummary, monotonicUs, summarizeProfile, type ProfileWindow } from './bench/cpu-profile.js';
import { datasetSource, repeatedCsv, sampleInputs } from './bench/data.js';
import { startBareApollo } from './bench/bare-apollo.js';
import { startBenchServer } from './bench/server.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, HERE.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');
const DATASET = path.resolve(REPO_ROOT, '../shared/datasets/uganda-facilities.csv');

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string', default: 'predict' }, duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '32' },
      out: { type: 'string' }, top: { type: 'string', default: '15' }, inclusive: { type: 'string', default: '0' }, 'file-rows': { type: 'string', default: '50000' }, repeat: { type: 'string', default: '3' },
    },
  });
  const scenario = values.scenario;
  if (scenario !== 'predict' && scenario !== 'typename' && scenario !== 'file' && scenario !== 'bare') throw new Error('--scenario must be predict, typename, bare or file');
  const out = values.out ?? (await mkdtemp(path.join(os.tmpdir(), 'trellis-profile-')));
  const source = datasetSource(DATASET);
  const profile = ['--cpu-prof', '--cpu-prof-dir', out];
  const warmupMs = 1000;
  const durationMs = Number(values.duration) * 1000;
  if (scenario === 'bare') {
    const bare = await startBareApollo(profile);
    const started = monotonicUs();
    try {
      const r = await loadInChild({ url: `${bare.url}/graphql`, bodies: [JSON.stringify({ query: '{ __typename }' })], connections: Number(values.connections), warmupMs, durationMs });
      console.log(`bare Apollo { __typename }: ${Math.round(r.rps)} req/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, errors ${r.errors}; load avg ${os.loadavg()[0]?.toFixed(2)}`);
    } finally {
      await bare.stop();
    }
    return report(out, Number(values.top), Number(values.inclusive), { fromUs: started + warmupMs * 1000, toUs: started + (warmupMs + durationMs) * 1000 });
  }
  const server = await startBenchServer(REPO_ROOT, {}, profile);
  // Only the samples of the workload count (not start-up, migrations or the model load).
  const window: ProfileWindow = { fromUs: 0, toUs: 0 };
  try {
    await waitForModel(server.url);
    const key = await createKey(server.url, 'profile predictor', 'PREDICTOR');
    if (scenario === 'file') {
      const big = await repeatedCsv(source, Number(values['file-rows']));
      const query = 'mutation($file: Upload!) { predictBatchFile(file: $file) { rows scored errors downloadUrl } }';
      await upload(server.url, query, 'warm.csv', await repeatedCsv(source, 2000));
      window.fromUs = monotonicUs();
      for (let i = 0; i < Number(values.repeat); i++) {
        const r = await upload<{ predictBatchFile: { rows: number } }>(server.url, query, 'big.csv', big);
        const rows = r.body.data?.predictBatchFile.rows ?? 0;
        console.log(`predictBatchFile ${rows} rows in ${(r.ms / 1000).toFixed(2)} s = ${Math.round(rows / (r.ms / 1000))} rows/s`);
      }
      window.toUs = monotonicUs();
    } else {
      const { inputs } = await sampleInputs(source);
      const bodies = scenario === 'predict' ? inputs.map((input) => JSON.stringify({ query: PREDICT, variables: { input } })) : [JSON.stringify({ query: '{ __typename }' })];
      const started = monotonicUs();
      const r = await loadInChild({ url: `${server.url}/graphql`, bodies, headers: { authorization: `Bearer ${key}` }, connections: Number(values.connections), warmupMs, durationMs });
      window.fromUs = started + warmupMs * 1000;
      window.toUs = window.fromUs + durationMs * 1000;
      console.log(`${scenario}: ${Math.round(r.rps)} req/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, errors ${r.errors}; load avg ${os.loadavg()[0]?.toFixed(2)}`);
    }
  } finally {
    await server.stop();
  }
  await report(out, Number(values.top), Number(values.inclusive), window);
}

/** Prints the summary of the newest profile in `out`. */
async function report(out: string, top: number, inclusive: number, window: ProfileWindow): Promise<void> {
  const files = existsSync(out) ? (await readdir(out)).filter((f) => f.endsWith('.cpuprofile')) : [];
  const file = files.sort().at(-1);
  if (!file) throw new Error(`no .cpuprofile in ${out}`);
  console.log(`\n${path.join(out, file)}\n${formatSummary(await summarizeProfile(path.join(out, file), Math.max(top, inclusive), window), top, inclusive)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.stack ?? err.message : String(err));
    process.exitCode = 1;
  });
}
