#!/usr/bin/env node
/**
 * Subscription monitor: prints every training-job status change and every active-model change,
 * from any Trellis process (everything travels through PostgreSQL NOTIFY). Ctrl-C to stop.
 *
 *   TRELLIS_API_KEY=trk_… node client-examples/monitor.mjs [--url http://localhost:4000] [--job <jobId>]
 *
 * Any role may subscribe (VIEWER is enough); the key travels in connectionParams.authorization.
 * A revoked key closes the connection with 4401, which is not retried.
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const base = (flag('url') ?? process.env.TRELLIS_URL ?? 'http://localhost:4000').replace(/\/$/, '');
const wsUrl = `${base.replace(/^http/, 'ws')}/graphql`;
const jobId = flag('job') ?? null;

const key = flag('key') ?? process.env.TRELLIS_API_KEY;
const client = createClient({
  url: wsUrl,
  webSocketImpl: WebSocket,
  connectionParams: key ? { authorization: `Bearer ${key}` } : {},
  retryAttempts: Infinity,
  shouldRetry: (event) => event?.code !== 4401,
  on: { closed: (event) => event?.code === 4401 && console.error(time(), `closed: ${event.reason} (set TRELLIS_API_KEY to a valid key)`) },
});
const time = () => new Date().toISOString().slice(11, 23);

const follow = (query, variables, print) =>
  client.subscribe({ query, variables }, {
    next: ({ data, errors }) => (errors ? console.error(time(), errors.map((e) => e.message).join('; ')) : print(data)),
    error: (e) => console.error(time(), 'subscription error', e instanceof Error ? e.message : e),
    complete: () => console.log(time(), 'subscription completed'),
  });

follow(
  `subscription ($jobId: ID) { trainingJobUpdated(jobId: $jobId) { id status attempts cancelRequested workerId error modelVersion } }`,
  { jobId },
  ({ trainingJobUpdated: j }) =>
    console.log(time(), `job ${j.id.slice(0, 8)} ${j.status.padEnd(9)} attempt ${j.attempts}${j.cancelRequested ? ' (cancel requested)' : ''}` +
      `${j.workerId ? ` on ${j.workerId}` : ''}${j.modelVersion ? ` → model v${j.modelVersion}` : ''}${j.error ? ` error: ${j.error}` : ''}`),
);
follow(
  'subscription { activeModelChanged { version source metrics { macroF1 } } }',
  {},
  ({ activeModelChanged: m }) => console.log(time(), `ACTIVE MODEL → v${m.version} (${m.source}, macro-F1 ${m.metrics.macroF1.toFixed(4)})`),
);
console.log(time(), `monitoring ${wsUrl}${jobId ? ` (job ${jobId})` : ' (all jobs)'}; Ctrl-C to stop`);
process.on('SIGINT', () => {
  void client.dispose();
  process.exit(0);
});
