/**
 * Fault 2: pg_terminate_backend on every Trellis connection, five times, under two processes (an
 * `all` and an `api`). Afterwards each process holds exactly one LISTEN connection (it was
 * re-established once per termination, not 2, 4, 8 times), a notification is handled once per
 * process, and a hot swap still reaches both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectSubscription, gql, wsClient } from '../helpers/graphql-client.js';
import { waitFor } from '../helpers/server.js';
import { dataOf, report, spawnOn, stopProcess, type RunningTrellis } from './fault-helpers.js';
import { createFaultCluster, type FaultCluster } from './pg-cluster.js';

const DB = 'trellis_terminate';
const ROUNDS = 5;
let cluster: FaultCluster;
const processes: RunningTrellis[] = [];

beforeAll(async () => {
  cluster = await createFaultCluster();
  await cluster.createDatabase(DB);
});
afterAll(async () => {
  for (const p of processes) await stopProcess(p);
  await cluster?.destroy();
});

interface Ready { status: string; model: { version: number | null }; notify: { listening: boolean; reconnects: number } }
const readyz = async (p: RunningTrellis) => (await (await fetch(`${p.url}/readyz`)).json()) as Ready;
const listenConnections = async () =>
  Number((await cluster.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'trellis-listen'`, [DB]))[0]?.n);

describe('every Trellis connection terminated, five times', () => {
  it('leaves one LISTEN connection per process, each NOTIFY handled once, and hot swap working', async () => {
    const url = cluster.urlFor(DB);
    processes.push(await spawnOn(url, { ROLE: 'all' }));
    processes.push(await spawnOn(url, { ROLE: 'api' }));
    const [a, b] = processes as [RunningTrellis, RunningTrellis];
    await waitFor(async () => (await listenConnections()) === 2, { what: 'a LISTEN connection per process' });

    const recoverMs: number[] = [];
    let terminated = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const killed = await cluster.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'trellis%' AND pg_terminate_backend(pid)`, [DB],
      );
      terminated += killed.length;
      const at = Date.now();
      await waitFor(async () => {
        const [ra, rb] = await Promise.all([readyz(a), readyz(b)]);
        return ra.notify.reconnects === round && rb.notify.reconnects === round && ra.notify.listening && rb.notify.listening;
      }, { timeoutMs: 30_000, intervalMs: 20, what: `both processes to listen again after round ${round}` });
      recoverMs.push(Date.now() - at);
    }
    expect(a.alive() && b.alive()).toBe(true);
    const listening = await listenConnections();
    const [ra, rb] = await Promise.all([readyz(a), readyz(b)]);

    // each NOTIFY handled once per process: a subscriber on each sees one activation
    await cluster.query(
      `INSERT INTO model_version (version, status, source, training_job_id, dataset_ids, row_count, hyperparameters, metrics, macro_f1,
         classification_report, gate_decision, backend, format_version, checksum, size_bytes, bundle)
       SELECT 2, 'CANDIDATE', source, NULL, dataset_ids, row_count, hyperparameters, metrics, macro_f1,
              classification_report, gate_decision, backend, format_version, checksum, size_bytes, bundle
         FROM model_version WHERE version = 1`, [], DB,
    );
    const clients = [wsClient(a.wsUrl), wsClient(b.wsUrl)];
    try {
      const subs = clients.map((c) => collectSubscription(c, 'subscription { activeModelChanged { version } }', {}));
      const active = await waitFor(async () => {
        await new Promise((r) => setTimeout(r, 100)); // let both subscriptions register on their bus
        return dataOf(await gql(a.graphqlUrl, 'mutation { promoteModel(version: 2) { version status } }')).promoteModel;
      }, { what: 'promotion of v2' });
      expect(active.status).toBe('ACTIVE');
      const swapStarted = Date.now();
      await waitFor(async () => (await readyz(a)).model.version === 2 && (await readyz(b)).model.version === 2, { what: 'hot swap to v2 in both processes' });
      const swapMs = Date.now() - swapStarted;
      await waitFor(() => subs.every((s) => s.events.length >= 1), { what: 'the activation at both subscribers' });
      // a second, later activation proves the first was not followed by duplicates still in flight
      await gql(a.graphqlUrl, 'mutation { rollbackModel { version } }');
      await waitFor(() => subs.every((s) => s.events.length >= 2), { what: 'the rollback at both subscribers' });
      const versions = subs.map((s) => s.events.map((e) => dataOf(e).activeModelChanged.version as number));
      report('2. pg_terminate_backend ×5', {
        faultsInjected: `${ROUNDS} rounds, ${terminated} connections terminated`, listenConnections: listening,
        reconnects: [ra.notify.reconnects, rb.notify.reconnects], activationsSeen: versions, hotSwapMs: swapMs,
        timeToRecoverMs: { max: Math.max(...recoverMs), each: recoverMs },
      });
      expect(listening).toBe(2); // exactly one per process
      expect(ra.notify.reconnects).toBe(ROUNDS);
      expect(rb.notify.reconnects).toBe(ROUNDS);
      expect(versions).toEqual([[2, 1], [2, 1]]); // each NOTIFY once, in order, in each process
      for (const s of subs) s.cancel();
    } finally {
      for (const c of clients) await c.dispose();
    }
  });
});
