/**
 * npm run bench:predict — the prediction hot path measured against a bare Apollo Server, same run, same machine.
 *
 * Starts three servers:
 *   - a bare Apollo Server 5 (scripts/bench/bare-apollo.ts: `startStandaloneServer`, a one-field
 *     schema, its own process): the ceiling, nothing of ours;
 *   - the same with Trellis's predict signature, answering with a constant: what GraphQL itself
 *     costs for a predict request (input coercion, 11 fields), nothing of ours either;
 *   - the real server (dist/src/main.js, LOG_LEVEL=warn, ADMIN_API_KEY set, ANONYMOUS_ROLE=predictor,
 *     fresh database: embedded, or a new database on DATABASE_URL's server) with the committed model,
 * then drives them from a SEPARATE process (scripts/bench/load.ts: 32 keep-alive connections,
 * closed loop) through, alternating for --rounds rounds (median round reported):
 *   (base) bare Apollo, { __typename }   (base) and (b) back to back, their order swapped each round:
 *                                        the target is the median of the rounds' b ÷ base
 *   (base-p) bare Apollo, the predict document (same bodies as b), a constant answer
 *   (a)    Trellis, { __typename } with a PREDICTOR key    Express, our middlewares, Apollo
 *   (b)    Trellis, predict with a PREDICTOR key           + resolver, validation, micro-batch, forward pass (the same bodies as base-p)
 *   (b0)   the same without a key                          (b against b0 is what authentication costs)
 * then, in --rounds pairs (the median pair reported):
 *   (b-idle) predict, no training
 *   (c)    predict while a training job runs (a retrain on the real dataset, cancelled after the window); its p99 ÷ (b-idle)'s
 * and predictBatchFile on a 50,000-row CSV made from real rows.
 * Options: --duration <s> (6) --warmup <s> (2) --connections <n> (32) --rounds <n> (5)
 *          --file-rows <n> (50000) --epochs <n> (400)
 *          --root <dir> (this repository): the Trellis build to measure, e.g. an older commit's
 *          checkout with `npm run build:server` run in it, for a before/after in one sitting
 *          --only file: the predictBatchFile measurement alone (no bare servers, no predict windows, no training)
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { startBareApollo, type BareApollo } from './bench/bare-apollo.js';
import { cpuMs, cpusAllowed, createKey, loadInChild, post, PREDICT, upload, waitFor, waitForModel } from './bench/client.js';
import { datasetSource, repeatedCsv, sampleInputs } from './bench/data.js';
import type { LoadResult, LoadSpec } from './bench/load.js';
import { startBenchServer, type BenchServer } from './bench/server.js';
import { bearerKey, generateKey, hashKey } from '../src/auth/keys.js';
import { REPO_ROOT, SHARED_DATASET } from '../src/paths.js';

const DATASET = SHARED_DATASET;

/** Targets of issue 13. */
const TARGET = { predictOverBare: 0.7, p99TrainingOverIdle: 1.5, fileRowsPerSecond: 100_000, authShare: 0.05 };

interface JobState { id: string; status: string; startedAt: string | null; finishedAt: string | null; epochs: { epoch: number }[] }

/** Uploads the real dataset (without a retrain); its id. */
async function uploadForTraining(url: string, csv: Buffer): Promise<string> {
  const up = await upload<{ uploadDataset: { dataset: { id: string } | null } }>(
    url, 'mutation($file: Upload!) { uploadDataset(file: $file, name: "bench", autoRetrain: false) { dataset { id } } }', 'uganda-facilities.csv', csv,
  );
  const datasetId = up.body.data?.uploadDataset.dataset?.id;
  if (!datasetId) throw new Error(`uploadDataset failed: ${JSON.stringify(up.body.errors ?? up.body)}`);
  return datasetId;
}

/** Queues a long retrain on the dataset; resolves once the job has run its first epoch. */
async function startTraining(url: string, datasetId: string, epochs: number): Promise<{ jobId: string; how: string }> {
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

interface Measured extends LoadResult {
  /** server CPU per answered request, µs, over the measured window (null without /proc) */
  cpuUsPerRequest: number | null;
  load1: number;
  /** CPUs the load generator may run on */
  generatorCpus: string;
}

const median = (xs: Measured[]) => [...xs].sort((x, y) => x.rps - y.rps)[Math.floor(xs.length / 2)] as Measured;
const medianOf = (xs: number[]) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((x, y) => x - y);
  return v.length ? (v[Math.floor(v.length / 2)] as number) : Number.NaN;
};
const medianCpu = (xs: Measured[]) => medianOf(xs.map((x) => x.cpuUsPerRequest ?? Number.NaN));

/**
 * predictBatchFile on a `fileRows`-row CSV made from real rows, `rounds` times (median reported),
 * then once with every per-row result; then on the real rows once each (no target: the figure for
 * a file whose rows repeat only where the source repeats them, 44 of 5,864, so that the scorer's
 * per-file cache of known rows barely helps).
 */
async function measureFile(url: string, pid: number | undefined, source: ReturnType<typeof datasetSource>, fileRows: number, rounds: number): Promise<{ fileRps: number; distinct: string }> {
  const big = await repeatedCsv(source, fileRows);
  const summaryQuery = 'mutation($file: Upload!) { predictBatchFile(file: $file) { rows scored errors modelVersion downloadUrl classCounts { label count } } }';
  const fullQuery = 'mutation($file: Upload!) { predictBatchFile(file: $file) { rows scored errors downloadUrl results { row error prediction { label confidence probabilities { label probability } } } } }';
  await upload(url, summaryQuery, 'warm.csv', await repeatedCsv(source, 2000)); // warm the JIT and caches once
  type FileResult = { predictBatchFile: { rows: number; scored: number; errors: number; downloadUrl: string } };
  const fileRuns: number[] = [];
  let r: FileResult['predictBatchFile'] | null = null;
  for (let i = 0; i < rounds; i++) {
    const cpuBefore = cpuMs(pid);
    const file = await upload<FileResult>(url, summaryQuery, 'big.csv', big);
    const cpuAfter = cpuMs(pid);
    if (!file.body.data) throw new Error(`predictBatchFile failed: ${JSON.stringify(file.body.errors)}`);
    r = file.body.data.predictBatchFile;
    fileRuns.push(r.rows / (file.ms / 1000));
    // server CPU per row (all its threads, from /proc): moves less with the machine's other load than rows/s
    const cpu = cpuBefore !== null && cpuAfter !== null ? `, server CPU ${fmt(((cpuAfter - cpuBefore) * 1000) / r.rows, 1)} µs/row` : '';
    console.log(`predictBatchFile round ${i + 1}: ${r.rows} rows (${(big.length / 1e6).toFixed(1)} MB) in ${fmt(file.ms / 1000)} s = ${fmt(r.rows / (file.ms / 1000), 0)} rows/s${cpu} (summary + download URL; ${r.errors} row errors)`);
  }
  const fileRps = medianOf(fileRuns);
  const download = await fetch(`${url}${r?.downloadUrl ?? ''}`);
  const scoredLines = (parse(await download.text(), { columns: true }) as unknown[]).length;
  const full = await upload<FileResult>(url, fullQuery, 'big.csv', big);
  const fullRps = (full.body.data?.predictBatchFile.rows ?? 0) / (full.ms / 1000);
  console.log(`scored CSV downloaded: ${scoredLines} rows`);
  console.log(`predictBatchFile with every per-row result in the response (${(full.bytes / 1e6).toFixed(1)} MB JSON): ${fmt(full.ms / 1000)} s = ${fmt(fullRps, 0)} rows/s`);
  const once = await repeatedCsv(source);
  const distinctRuns: number[] = [];
  let distinctRows = 0;
  for (let i = 0; i < 3; i++) {
    const file = await upload<FileResult>(url, summaryQuery, 'distinct.csv', once);
    distinctRows = file.body.data?.predictBatchFile.rows ?? 0;
    distinctRuns.push(distinctRows / (file.ms / 1000));
  }
  const distinct = `${fmt(medianOf(distinctRuns), 0)} rows/s on the ${distinctRows} real rows once each (median of 3: ${distinctRuns.map((x) => fmt(x, 0)).join(', ')}; repeated only as in the source, no target)`;
  console.log(`predictBatchFile, distinct rows: ${distinct}`);
  return { fileRps, distinct };
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '6' }, warmup: { type: 'string', default: '2' }, connections: { type: 'string', default: '32' },
      'file-rows': { type: 'string', default: '50000' }, epochs: { type: 'string', default: '400' }, rounds: { type: 'string', default: '5' },
      root: { type: 'string', default: REPO_ROOT }, only: { type: 'string' },
    },
  });
  if (values.only !== undefined && values.only !== 'file') throw new Error('--only must be file');
  const onlyFile = values.only === 'file';
  const durationMs = Number(values.duration) * 1000;
  const warmupMs = Number(values.warmup) * 1000;
  const connections = Number(values.connections);
  const fileRows = Number(values['file-rows']);
  const epochs = Number(values.epochs);
  const rounds = Math.max(1, Number(values.rounds));

  const cores = os.availableParallelism();
  const loadAtStart = os.loadavg();
  console.log(`machine: ${cores} cores (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}, load average ${loadAtStart.map((l) => fmt(l)).join(' ')} at start`);
  const source = datasetSource(DATASET);
  if (onlyFile) {
    const server = await startBenchServer(path.resolve(values.root), {});
    try {
      console.log(`Trellis: ${server.url} (build in ${path.resolve(values.root)}, ${server.database}, pid ${server.child.pid})`);
      await waitForModel(server.url);
      const { fileRps, distinct } = await measureFile(server.url, server.child.pid, source, fileRows, rounds);
      console.log(`predictBatchFile: ${fmt(fileRps, 0)} rows/s on ${fileRows} real rows (median of ${rounds}), target >= ${TARGET.fileRowsPerSecond} ${fileRps >= TARGET.fileRowsPerSecond ? 'OK' : 'MISSED'}; ${distinct}; load average ${os.loadavg().map((l) => fmt(l)).join(' ')}`);
    } finally {
      await server.stop();
    }
    return;
  }
  const { inputs, skipped } = await sampleInputs(source);
  console.log(`inputs: ${inputs.length} rows of ${source.describe} (${skipped} rows without services/care system/subcounty left out)`);

  let server: BenchServer | null = null;
  let bare: BareApollo | null = null;
  let bareShaped: BareApollo | null = null;
  const loads: number[] = [];
  try {
    bare = await startBareApollo();
    bareShaped = await startBareApollo([], 'predictShaped');
    // Anonymous callers may predict, so (b0) measures the same requests without a key.
    server = await startBenchServer(path.resolve(values.root), { ANONYMOUS_ROLE: 'predictor' });
    const url = server.url;
    console.log(`bare Apollo: ${bare.url} (pid ${bare.child.pid}, CPUs ${cpusAllowed(bare.child.pid)}); predict-shaped: ${bareShaped.url} (pid ${bareShaped.child.pid})`);
    console.log(`Trellis: ${url} (build in ${path.resolve(values.root)}, ${server.database}, LOG_LEVEL=warn, ADMIN_API_KEY set, pid ${server.child.pid}, CPUs ${cpusAllowed(server.child.pid)})`);
    await waitForModel(url);
    const probe = await post<{ predict: { modelVersion: number } }>(url, PREDICT, { input: inputs[0] });
    if (!probe.data) throw new Error(`predict failed: ${JSON.stringify(probe.errors)}`);
    const predictorKey = await createKey(url, 'bench predictor', 'PREDICTOR');
    const withKey = { authorization: `Bearer ${predictorKey}` };
    console.log(`model version ${probe.data.predict.modelVersion}; ${connections} connections, ${values.warmup} s warm-up + ${values.duration} s per scenario, ${rounds} rounds\n`);

    // Server CPU per request is measured over the measured window only (sampled when it opens and closes).
    const measure = async (target: string, pid: number | undefined, bodies: string[], headers: Record<string, string> = withKey): Promise<Measured> => {
      const spec: LoadSpec = { url: `${target}/graphql`, bodies, headers, connections, warmupMs, durationMs };
      let cpuStart: number | null = null;
      let cpuEnd: number | null = null;
      let load1 = Number.NaN;
      let generatorCpus = '?';
      const opened = setTimeout(() => {
        cpuStart = cpuMs(pid);
      }, warmupMs);
      const closed = setTimeout(() => {
        cpuEnd = cpuMs(pid);
        load1 = os.loadavg()[0] ?? Number.NaN;
        loads.push(load1);
      }, warmupMs + durationMs);
      const result = await loadInChild(spec, (generator) => {
        setTimeout(() => {
          generatorCpus = cpusAllowed(generator);
        }, 100);
      });
      clearTimeout(opened);
      clearTimeout(closed);
      const cpu = cpuStart !== null && cpuEnd !== null ? ((cpuEnd - cpuStart) * 1000) / result.requests : null;
      return { ...result, cpuUsPerRequest: cpu, load1, generatorCpus };
    };
    const line = (m: Measured) =>
      `${fmt(m.rps, 0)} req/s, p50 ${fmt(m.p50Ms)} ms, p99 ${fmt(m.p99Ms)} ms, errors ${m.errors}, server CPU ${m.cpuUsPerRequest === null ? '-' : fmt(m.cpuUsPerRequest, 0)} µs/req, load avg ${fmt(m.load1)}`;
    const typename = [JSON.stringify({ query: '{ __typename }' })];
    const predictBodies = inputs.map((input) => JSON.stringify({ query: PREDICT, variables: { input } }));

    // The scenarios alternate for `rounds` rounds so that noise from other work on the machine hits
    // all alike; each is reported by its median round (by req/s).
    const roundsBase: Measured[] = [];
    const roundsBaseP: Measured[] = [];
    const roundsA: Measured[] = [];
    const roundsB: Measured[] = [];
    const roundsB0: Measured[] = [];
    const ratioPerRound: number[] = [];
    // Steady state, not start-up: one unmeasured pass of every server over its workload first (the
    // JIT settles; Trellis's encoder caches meet each of the 5,769 places once, as a running server has).
    await measure(bare.url, bare.child.pid, typename, {});
    await measure(bareShaped.url, bareShaped.child.pid, predictBodies, {});
    await measure(url, server.child.pid, typename);
    await measure(url, server.child.pid, predictBodies);
    const cpuRatioPerRound: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      // (base) and (b), the target's pair, in adjacent windows, the order swapped every round: the
      // machine's load drifts over seconds, and a pair measured back to back sees the same load.
      const baseFirst = round % 2 === 1;
      let rBase: Measured | null = baseFirst ? await measure(bare.url, bare.child.pid, typename, {}) : null;
      const rb = await measure(url, server.child.pid, predictBodies);
      rBase ??= await measure(bare.url, bare.child.pid, typename, {});
      roundsBase.push(rBase);
      roundsB.push(rb);
      ratioPerRound.push(rb.rps / rBase.rps);
      if (rb.cpuUsPerRequest !== null && rBase.cpuUsPerRequest !== null) cpuRatioPerRound.push(rBase.cpuUsPerRequest / rb.cpuUsPerRequest);
      console.log(`(base) round ${round} bare Apollo { __typename }: ${line(rBase)}`);
      console.log(`(b) round ${round} predict with a key (${baseFirst ? 'after' : 'before'} base): ${line(rb)}  → b/base ${fmt(rb.rps / rBase.rps)}`);
      const rBaseP = await measure(bareShaped.url, bareShaped.child.pid, predictBodies, {});
      roundsBaseP.push(rBaseP);
      console.log(`(base-p) round ${round} bare Apollo, predict document, constant answer: ${line(rBaseP)}`);
      const ra = await measure(url, server.child.pid, typename);
      roundsA.push(ra);
      console.log(`(a) round ${round} Trellis { __typename } with a key: ${line(ra)}`);
      const rb0 = await measure(url, server.child.pid, predictBodies, {});
      roundsB0.push(rb0);
      console.log(`(b0) round ${round} predict without a key: ${line(rb0)}`);
    }
    const base = median(roundsBase);
    const baseP = median(roundsBaseP);
    const a = median(roundsA);
    const b = median(roundsB);
    const b0 = median(roundsB0);
    const generatorCpus = b.generatorCpus;

    // p99 while training against idle, in pairs: an idle window, then a window while a retrain runs
    // (cancelled after it), `rounds` times; each pair is compared with itself (the machine's other
    // load drifts between pairs), and the median pair is reported.
    const pairs: { idle: Measured; busy: Measured; ratio: number }[] = [];
    let trainingHow = '';
    try {
      const csv = existsSync(DATASET) ? await readFile(DATASET) : await repeatedCsv(source, 3000);
      const datasetId = await uploadForTraining(url, csv);
      for (let round = 1; round <= rounds; round++) {
        const idleWindow = await measure(url, server.child.pid, predictBodies);
        console.log(`(b-idle) round ${round} predict with a key, no training: ${line(idleWindow)}`);
        const training = await startTraining(url, datasetId, epochs);
        trainingHow = training.how;
        const busy = await measure(url, server.child.pid, predictBodies);
        const job = await jobState(url, training.jobId);
        const covered = job?.status === 'RUNNING' || (job?.finishedAt !== null && job?.finishedAt !== undefined && Date.parse(job.finishedAt) >= busy.endedAt);
        await post(url, 'mutation($id: ID!) { cancelTrainingJob(id: $id) { id status } }', { id: training.jobId });
        await waitFor('the cancelled job to stop', async () => ['CANCELLED', 'SUCCEEDED', 'FAILED'].includes((await jobState(url, training.jobId))?.status ?? ''));
        const ratio = busy.p99Ms / idleWindow.p99Ms;
        pairs.push({ idle: idleWindow, busy, ratio });
        console.log(`(c) round ${round} predict while training: ${line(busy)} (CPU includes the training process's) → p99 ÷ idle p99 ${fmt(ratio)}; ` +
          `job ${job?.status} at ${job?.epochs.length ?? '?'} epochs when the window closed${covered ? '' : ' (WARNING: it finished inside the window)'}`);
      }
    } catch (error) {
      console.log(`(c) not measured: ${error instanceof Error ? error.message : String(error)}`);
    }
    const pairRatios = pairs.map((p) => p.ratio);
    const medianPair = [...pairs].sort((x, y) => x.ratio - y.ratio)[Math.floor(pairs.length / 2)];
    const idle = medianPair?.idle ?? null;
    const c = medianPair?.busy ?? null;

    const { fileRps, distinct } = await measureFile(url, server.child.pid, source, fileRows, rounds);

    const cpuBase = medianCpu(roundsBase);
    const cpuBaseP = medianCpu(roundsBaseP);
    const cpuA = medianCpu(roundsA);
    const cpuB = medianCpu(roundsB);
    const cpuB0 = medianCpu(roundsB0);
    console.log(`\n| scenario (median of ${rounds} rounds) | req/s | p50 ms | p99 ms | errors | server CPU µs/req |`);
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    console.log(`| (base) bare Apollo Server, \`{ __typename }\` | ${fmt(base.rps, 0)} | ${fmt(base.p50Ms)} | ${fmt(base.p99Ms)} | ${base.errors} | ${fmt(cpuBase, 0)} |`);
    console.log(`| (base-p) bare Apollo Server, the \`predict\` document, constant answer | ${fmt(baseP.rps, 0)} | ${fmt(baseP.p50Ms)} | ${fmt(baseP.p99Ms)} | ${baseP.errors} | ${fmt(cpuBaseP, 0)} |`);
    console.log(`| (a) Trellis \`{ __typename }\`, PREDICTOR key | ${fmt(a.rps, 0)} | ${fmt(a.p50Ms)} | ${fmt(a.p99Ms)} | ${a.errors} | ${fmt(cpuA, 0)} |`);
    console.log(`| (b) Trellis \`predict\`, PREDICTOR key | ${fmt(b.rps, 0)} | ${fmt(b.p50Ms)} | ${fmt(b.p99Ms)} | ${b.errors} | ${fmt(cpuB, 0)} |`);
    console.log(`| (b0) Trellis \`predict\`, no key (ANONYMOUS_ROLE) | ${fmt(b0.rps, 0)} | ${fmt(b0.p50Ms)} | ${fmt(b0.p99Ms)} | ${b0.errors} | ${fmt(cpuB0, 0)} |`);
    if (idle) console.log(`| (b-idle) Trellis \`predict\`, no training (the median pair's) | ${fmt(idle.rps, 0)} | ${fmt(idle.p50Ms)} | ${fmt(idle.p99Ms)} | ${idle.errors} | ${fmt(idle.cpuUsPerRequest ?? Number.NaN, 0)} |`);
    if (c) console.log(`| (c) Trellis \`predict\` while training (the median pair's) | ${fmt(c.rps, 0)} | ${fmt(c.p50Ms)} | ${fmt(c.p99Ms)} | ${c.errors} | (with training) |`);

    // The target: the median of the rounds' paired ratios (each pair measured back to back).
    const bBase = medianOf(ratioPerRound);
    const bBaseCpu = medianOf(cpuRatioPerRound);
    console.log(`\nmachine: ${cores} cores; load generator: one separate Node process (CPUs ${generatorCpus}), servers on CPUs ${cpusAllowed(server.child.pid)} (no pinning: all share the ${cores} cores); load average ${fmt(Math.min(...loads))}–${fmt(Math.max(...loads))} during the windows`);
    console.log(`predict ÷ bare Apollo { __typename }: ${fmt(bBase)} by throughput (median of the ${rounds} back-to-back pairs: ${ratioPerRound.map((x) => fmt(x)).join(', ')}; ratio of the median rounds ${fmt(b.rps / base.rps)}), target >= ${TARGET.predictOverBare} ${bBase >= TARGET.predictOverBare ? 'OK' : 'MISSED'}; ${fmt(bBaseCpu)} by server CPU per request (median pair)`);
    console.log(`Trellis { __typename } ÷ bare Apollo: ${fmt(a.rps / base.rps)} by throughput, ${fmt(cpuBase / cpuA)} by server CPU per request`);
    console.log(`GraphQL's own share: bare predict-shaped ÷ bare { __typename } ${fmt(baseP.rps / base.rps)} by throughput, ${fmt(cpuBase / cpuBaseP)} by server CPU; Trellis predict ÷ bare predict-shaped ${fmt(b.rps / baseP.rps)} by throughput, ${fmt(cpuBaseP / cpuB)} by server CPU`);
    if (c && idle) {
      const cIdle = c.p99Ms / idle.p99Ms;
      console.log(`p99 while training ÷ idle p99, median of ${pairs.length} pairs: ${fmt(cIdle)} (${fmt(c.p99Ms)} / ${fmt(idle.p99Ms)} ms; per pair ${pairRatios.map((x) => fmt(x)).join(', ')}), target <= ${TARGET.p99TrainingOverIdle} ${cIdle <= TARGET.p99TrainingOverIdle ? 'OK' : 'MISSED'}; throughput while training ÷ idle ${fmt(c.rps / idle.rps)}; training: ${trainingHow}`);
    }
    const authCost = 1 - b.rps / b0.rps;
    const authCpu = cpuB / cpuB0 - 1;
    const lookupUs = authCostInProcess();
    console.log(`authentication cost: ${fmt(authCost * 100, 1)}% of throughput (b against b0, median rounds), ${fmt(authCpu * 100, 1)}% of server CPU per request`);
    console.log(`the key check alone (header, SHA-256, cache lookup; in-process): ${fmt(lookupUs)} µs per request = ${fmt((lookupUs / cpuB0) * 100, 1)}% of (b0)'s ${fmt(cpuB0, 0)} µs of server CPU, target < ${TARGET.authShare * 100}% ${lookupUs / cpuB0 < TARGET.authShare ? 'OK' : 'MISSED'}`);
    console.log(`predictBatchFile: ${fmt(fileRps, 0)} rows/s on ${fileRows} real rows (median of ${rounds}), target >= ${TARGET.fileRowsPerSecond} ${fileRps >= TARGET.fileRowsPerSecond ? 'OK' : 'MISSED'}; ${distinct}`);
    for (const [name, res] of [['base', base], ['base-p', baseP], ['a', a], ['b', b], ['b0', b0], ['b-idle', idle], ['c', c]] as const) if (res?.firstError) console.log(`first error in (${name}): ${res.firstError}`);
  } finally {
    await server?.stop();
    await bare?.stop();
    await bareShaped?.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.stack ?? err.message : String(err));
    process.exitCode = 1;
  });
}
