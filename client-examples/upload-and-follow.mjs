#!/usr/bin/env node
/* global FormData, Blob, performance */
/**
 * Uploads a facility CSV to Trellis (GraphQL multipart request), then follows the training job it
 * queued over a WebSocket subscription until the job ends, and prints the registered model and
 * the gate's decision.
 *
 *   TRELLIS_API_KEY=trk_… node client-examples/upload-and-follow.mjs path/to/file.csv [--url http://localhost:4000] [--epochs 20]
 *
 * --epochs (and any other hyperparameter flag: --learningRate, --batchSize, --patience, --seed)
 * uploads with autoRetrain: false and queues the retraining with `retrain(input)` instead.
 * The key (TRELLIS_API_KEY or --key; role TRAINER or higher) goes in `Authorization: Bearer …` on
 * HTTP and in connectionParams.authorization on the WebSocket.
 * Needs Node 20+ and the `graphql-ws` + `ws` packages (installed with Trellis).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const args = process.argv.slice(2);
const file = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
if (!file) {
  console.error('usage: node client-examples/upload-and-follow.mjs <file.csv> [--url http://localhost:4000] [--epochs N] [--seed N] ...');
  process.exit(2);
}
const flag = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const base = (flag('url') ?? process.env.TRELLIS_URL ?? 'http://localhost:4000').replace(/\/$/, '');
const httpUrl = `${base}/graphql`;
const key = flag('key') ?? process.env.TRELLIS_API_KEY;
if (!key) {
  console.error('set TRELLIS_API_KEY (or --key) to an API key with the TRAINER role: npm start prints an admin key on a first start (also in DATA_DIR/admin.key)');
  process.exit(2);
}
const authorization = `Bearer ${key}`;
const wsUrl = httpUrl.replace(/^http/, 'ws');
const hyper = Object.fromEntries(
  ['learningRate', 'batchSize', 'epochs', 'patience', 'seed'].flatMap((k) => (flag(k) === undefined ? [] : [[k, Number(flag(k))]])),
);
const customTraining = Object.keys(hyper).length > 0;

async function post(query, variables) {
  const res = await fetch(httpUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify({ query, variables }) });
  const body = await res.json();
  if (body.errors) throw new Error(body.errors.map((e) => `${e.extensions?.code}: ${e.message}`).join('\n'));
  return body.data;
}

// 1. Upload: the GraphQL multipart request spec (operations + map + file part).
const UPLOAD = `mutation ($file: Upload!, $name: String, $autoRetrain: Boolean) {
  uploadDataset(file: $file, name: $name, autoRetrain: $autoRetrain) {
    acceptedCount rejectedCount rejectedRows { line column reason }
    dataset { id name rowCount labeledCount }
    trainingJob { id status }
  }
}`;
const form = new FormData();
form.append('operations', JSON.stringify({ query: UPLOAD, variables: { file: null, name: path.basename(file), autoRetrain: !customTraining } }));
form.append('map', JSON.stringify({ 0: ['variables.file'] }));
form.append('0', new Blob([await readFile(file)], { type: 'text/csv' }), path.basename(file));
const started = performance.now();
const res = await fetch(httpUrl, { method: 'POST', headers: { 'apollo-require-preflight': 'true', authorization }, body: form });
const body = await res.json();
if (body.errors) {
  for (const e of body.errors) console.error(`upload refused (${e.extensions?.code}): ${e.message}`);
  process.exit(1);
}
const upload = body.data.uploadDataset;
console.log(`uploaded ${upload.dataset.name} in ${Math.round(performance.now() - started)} ms: ${upload.acceptedCount} rows stored (${upload.dataset.labeledCount} labeled), ${upload.rejectedCount} rejected`);
for (const r of upload.rejectedRows.slice(0, 5)) console.log(`  line ${r.line}${r.column ? ` (${r.column})` : ''}: ${r.reason}`);

// 2. The job: queued by the upload, or by retrain() with the given hyperparameters.
let jobId = upload.trainingJob?.id;
if (customTraining) {
  const data = await post('mutation ($input: RetrainInput) { retrain(input: $input) { id status } }', { input: hyper });
  jobId = data.retrain.id;
}
if (!jobId) {
  console.log('no training job was queued');
  process.exit(0);
}
console.log(`training job ${jobId}`);

// 3. Follow it: stored epochs first, then live ones; the subscription completes when the job ends.
const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 3, connectionParams: { authorization } });
await new Promise((resolve, reject) => {
  client.subscribe(
    { query: 'subscription ($jobId: ID!) { trainingProgress(jobId: $jobId) { epoch loss accuracy valLoss valAccuracy learningRate durationMs } }', variables: { jobId } },
    {
      next: ({ data, errors }) => {
        if (errors) return reject(new Error(errors.map((e) => e.message).join('\n')));
        const e = data.trainingProgress;
        const val = e.valLoss === null ? '' : `  val_loss ${e.valLoss.toFixed(4)}  val_acc ${e.valAccuracy.toFixed(3)}`;
        console.log(`epoch ${String(e.epoch).padStart(3)}  loss ${e.loss.toFixed(4)}  acc ${e.accuracy.toFixed(3)}${val}  lr ${e.learningRate.toExponential(1)}  ${Math.round(e.durationMs)} ms`);
      },
      error: reject,
      complete: resolve,
    },
  );
});
await client.dispose();

// 4. The outcome.
const { trainingJob: job } = await post(
  `query ($id: ID!) { trainingJob(id: $id) { status error attempts
     model { version status metrics { macroF1 accuracy } gateDecision { promoted reason } } } }`,
  { id: jobId },
);
console.log(`job ${job.status}${job.error ? `: ${job.error}` : ''} (attempts: ${job.attempts})`);
if (job.model) {
  const m = job.model;
  console.log(`model v${m.version} ${m.status}: macro-F1 ${m.metrics.macroF1.toFixed(4)}, accuracy ${m.metrics.accuracy.toFixed(4)}`);
  console.log(`gate: ${m.gateDecision?.promoted ? 'promoted' : 'not promoted'}: ${m.gateDecision?.reason}`);
}
process.exit(job.status === 'SUCCEEDED' ? 0 : 1);
