/**
 * Fault 3: predictions under load through a 10 s PostgreSQL outage (the model is in memory;
 * nothing on the predict path queries the database): at least 99.9% are answered. Then a
 * graceful shutdown (SIGTERM) during an outage still ends within SHUTDOWN_TIMEOUT_MS, exit code 0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders } from '../helpers/graphql-client.js';
import { waitFor } from '../helpers/server.js';
import { report, sleep, spawnOn, stopProcess, type RunningTrellis } from './fault-helpers.js';
import { createFaultCluster, type FaultCluster } from './pg-cluster.js';

const OUTAGE_MS = 10_000;
const CONCURRENCY = 8;
const SHUTDOWN_TIMEOUT_MS = 10_000;
let cluster: FaultCluster;
let trellis: RunningTrellis | undefined;

const PREDICT = JSON.stringify({
  query: `query($input: FacilityInput!) { predict(input: $input) { label confidence modelVersion } }`,
  variables: { input: { services: 'General Care, Maternity, Laboratory', careSystem: 'GOVT', subcounty: 'Kasubi', operatingHours: 'Monday: Open 24 hours', latitude: 0.33, longitude: 32.57 } },
});

beforeAll(async () => {
  cluster = await createFaultCluster();
  const url = await cluster.createDatabase('trellis_predict');
  trellis = await spawnOn(url, { ROLE: 'api', SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) });
  await waitFor(async () => (await fetch(`${trellis?.url}/readyz`)).status === 200, { what: 'a served model' });
});
afterAll(async () => {
  await stopProcess(trellis);
  await cluster?.destroy();
});

describe('predictions during a database outage', () => {
  it('answers at least 99.9% of predictions under load through a 10 s outage', async () => {
    const t = trellis as RunningTrellis;
    let sent = 0;
    let answered = 0;
    let sentDuringOutage = 0;
    let answeredDuringOutage = 0;
    let outage = false;
    const failures: string[] = [];
    const latencies: number[] = [];
    let running = true;
    const loop = async () => {
      while (running) {
        const during = outage;
        sent++;
        if (during) sentDuringOutage++;
        const started = performance.now();
        try {
          const res = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...authHeaders() }, body: PREDICT });
          const body = (await res.json()) as { data?: { predict?: { label: string } }; errors?: unknown[] };
          if (res.status === 200 && body.data?.predict?.label && !body.errors) {
            answered++;
            if (during) answeredDuringOutage++;
            latencies.push(performance.now() - started);
          } else if (failures.length < 5) failures.push(JSON.stringify(body).slice(0, 300));
        } catch (error) {
          if (failures.length < 5) failures.push(String(error));
        }
      }
    };
    const workers = Array.from({ length: CONCURRENCY }, loop);
    await sleep(2_000); // load before the fault
    outage = true;
    const stoppedAt = Date.now();
    await cluster.stop();
    await sleep(OUTAGE_MS); // the fault itself
    const readyDuring = (await (await fetch(`${t.url}/readyz`)).json()) as { status: string; database: boolean };
    await cluster.start();
    outage = false;
    const outageMs = Date.now() - stoppedAt;
    await sleep(2_000); // load after the fault
    running = false;
    await Promise.all(workers);
    latencies.sort((x, y) => x - y);
    const share = answered / sent;
    report('3. predict under load, 10 s outage', {
      faultsInjected: `1 outage of ${(outageMs / 1000).toFixed(1)} s`, concurrency: CONCURRENCY, requests: sent, answered,
      answeredShare: `${(share * 100).toFixed(3)}%`, duringOutage: `${answeredDuringOutage}/${sentDuringOutage}`,
      p99Ms: Number((latencies[Math.floor(latencies.length * 0.99)] ?? 0).toFixed(1)), readyzDuringOutage: readyDuring.status, failures,
    });
    expect(t.alive()).toBe(true);
    expect(sentDuringOutage).toBeGreaterThan(100);
    expect(share).toBeGreaterThanOrEqual(0.999);
    expect(readyDuring).toMatchObject({ status: 'degraded', database: false });
  });

  it('shuts down gracefully within SHUTDOWN_TIMEOUT_MS while the database is down', async () => {
    const t = trellis as RunningTrellis;
    await cluster.stop();
    const started = Date.now();
    t.child.kill('SIGTERM');
    const exit = await t.exited;
    const shutdownMs = Date.now() - started;
    await cluster.start();
    report('3b. SIGTERM during an outage', { faultsInjected: 'database down, then SIGTERM', exitCode: exit.code, shutdownMs, deadlineMs: SHUTDOWN_TIMEOUT_MS });
    expect(exit.code).toBe(0);
    expect(shutdownMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
  });
});
