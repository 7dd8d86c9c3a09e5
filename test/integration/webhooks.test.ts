/**
 * Webhooks against a receiver on loopback: signed deliveries of the pipeline's events, retries with
 * every attempt recorded, a restart between attempts that loses nothing, and the SSRF guard.
 * Also /metrics after predictions and a training run.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticCsv } from '../fixtures/synthetic.js';
import { gql } from '../helpers/graphql-client.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.js';
import { dataOf, FAST, upload, waitForJob } from './pipeline/pipeline-helpers.js';

interface Received { event: string; deliveryId: string; signature: string; body: string; parsed: { event: string; deliveryId: string; occurredAt: string; data: Record<string, unknown> } }

/** A webhook receiver: records every request; `answer` decides the status of each. */
async function receiver(answer: (n: number, r: Received) => number = () => 200) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const r: Received = {
        event: String(req.headers['x-trellis-event']), deliveryId: String(req.headers['x-trellis-delivery']),
        signature: String(req.headers['x-trellis-signature']), body, parsed: JSON.parse(body) as Received['parsed'],
      };
      received.push(r);
      res.statusCode = answer(received.length, r);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const sign = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

const CREATE = `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { secret webhook { id url events } } }`;
const DELIVERIES = `query($id: ID!) { webhookDeliveries(webhookId: $id, first: 50) { deliveryId event attempt statusCode error succeeded deliveryStatus } }`;
const ENV = { BUNDLED_MODEL_DIR: '/nonexistent/bundle', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_BACKOFF_MS: '300', WEBHOOK_POLL_MS: '100', JOB_POLL_MS: '200' };

describe('webhooks', () => {
  let server: TestServer;
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('webhooks');
    server = await startTestServer(ENV, database);
  });
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  it('delivers the pipeline\'s events, each signed with the webhook\'s secret', async () => {
    const hook = await receiver();
    try {
      const created = dataOf(await gql(server.graphqlUrl, CREATE, { input: { url: hook.url, events: ['DATASET_UPLOADED', 'TRAINING_JOB_FINISHED', 'MODEL_REGISTERED', 'MODEL_ACTIVATED'] } })).createWebhook;
      expect(created.secret).toMatch(/^whsec_/);
      dataOf((await upload(server.graphqlUrl, syntheticCsv({ rows: 300, seed: 5 }), { name: 'hooked', autoRetrain: false })).body);
      const retrained = dataOf(await gql(server.graphqlUrl, `mutation($input: RetrainInput) { retrain(input: $input) { id } }`, { input: { ...FAST, seed: 2 } })).retrain;
      await waitForJob(server.graphqlUrl, retrained.id as string, ['SUCCEEDED']);
      // This process trained it: its epochs are in this process's histogram.
      expect(await (await fetch(`${server.url}/metrics`)).text()).toMatch(/trellis_training_epoch_duration_seconds_count [1-9]/);
      await waitFor(() => ['DATASET_UPLOADED', 'TRAINING_JOB_FINISHED', 'MODEL_REGISTERED', 'MODEL_ACTIVATED'].every((e) => hook.received.some((r) => r.event === e)), { what: 'all four events' });
      for (const r of hook.received) {
        expect(r.signature).toBe(sign(created.secret as string, r.body));
        expect(r.parsed.event).toBe(r.event);
        expect(r.parsed.deliveryId).toBe(r.deliveryId);
        expect(Number.isNaN(Date.parse(r.parsed.occurredAt))).toBe(false);
      }
      const finished = hook.received.filter((r) => r.event === 'TRAINING_JOB_FINISHED' && r.parsed.data.jobId === retrained.id);
      expect(finished).toHaveLength(1);
      expect(finished[0]?.parsed.data).toMatchObject({ status: 'SUCCEEDED', modelVersion: 1 });
      expect(hook.received.find((r) => r.event === 'MODEL_ACTIVATED')?.parsed.data).toMatchObject({ version: 1 });
      expect(new Set(hook.received.map((r) => r.deliveryId)).size).toBe(hook.received.length); // each event once
      await gql(server.graphqlUrl, `mutation($id: ID!) { deleteWebhook(id: $id) { id } }`, { id: created.webhook.id });
    } finally {
      await hook.close();
    }
  }, 120_000);

  it('retries a receiver that answers 500 twice, records each attempt, and survives a restart between attempts', async () => {
    const hook = await receiver((n) => (n <= 2 ? 500 : 200));
    try {
      const created = dataOf(await gql(server.graphqlUrl, CREATE, { input: { url: hook.url, events: ['DATASET_UPLOADED'] } })).createWebhook;
      const id = created.webhook.id as string;
      await upload(server.graphqlUrl, syntheticCsv({ rows: 40, seed: 9 }), { name: 'retried', autoRetrain: false });
      await waitFor(() => hook.received.length >= 1, { what: 'the first attempt' });
      // Restart the server (same database) while the delivery waits for its next attempt.
      await server.stop();
      const before = hook.received.length;
      server = await startTestServer(ENV, database);
      await waitFor(() => hook.received.length >= 3, { what: 'three attempts', timeoutMs: 20_000 });
      expect(before).toBeLessThan(3);
      expect(new Set(hook.received.map((r) => r.deliveryId)).size).toBe(1);
      await waitFor(async () => (dataOf(await gql(server.graphqlUrl, DELIVERIES, { id })).webhookDeliveries as unknown[]).length === 3, { what: 'three recorded attempts' });
      const recorded = (dataOf(await gql(server.graphqlUrl, DELIVERIES, { id })).webhookDeliveries as Array<Record<string, unknown>>).reverse();
      expect(recorded.map((a) => [a.attempt, a.statusCode, a.succeeded])).toEqual([[1, 500, false], [2, 500, false], [3, 200, true]]);
      expect(recorded.every((a) => a.deliveryStatus === 'DELIVERED')).toBe(true);
      // Delivered once: nothing more arrives.
      await new Promise((r) => setTimeout(r, 800));
      expect(hook.received).toHaveLength(3);
    } finally {
      await hook.close();
    }
  }, 120_000);

  it('refuses private and loopback targets unless allowed, and malformed URLs', async () => {
    const strict = await startTestServer({ BUNDLED_MODEL_DIR: '/nonexistent/bundle' });
    try {
      for (const url of ['http://127.0.0.1:9/x', 'http://localhost/x', 'http://10.1.2.3/', 'http://[::1]/', 'http://169.254.169.254/latest', 'ftp://example.org/', 'not a url']) {
        const res = await gql(strict.graphqlUrl, CREATE, { input: { url, events: ['MODEL_ACTIVATED'] } });
        expect(res.errors?.[0]?.extensions?.code, url).toBe('BAD_USER_INPUT');
      }
    } finally {
      await strict.stop();
    }
  });

  it('/metrics shows predictions and a training run with their labels', async () => {
    const body = await (await fetch(`${server.url}/metrics`)).text();
    expect(body).toMatch(/trellis_training_jobs\{status="SUCCEEDED"\} [1-9]/);
    expect(body).toMatch(/trellis_active_model_version [1-9]/);
    const predict = `{ predict(input: {services: "General Care", careSystem: GOVT, subcounty: "Kawempe"}) { label } }`;
    await Promise.all(Array.from({ length: 20 }, () => gql(server.graphqlUrl, predict)));
    expect((await gql(server.graphqlUrl, CREATE, { input: { url: 'not a url', events: ['MODEL_ACTIVATED'] } })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const after = await (await fetch(`${server.url}/metrics`)).text();
    const counted = [...after.matchAll(/trellis_predictions_total\{model_version="(\d+)",label="(LOW|MEDIUM|HIGH)"\} (\d+)/g)];
    expect(counted.reduce((s, m) => s + Number(m[3]), 0)).toBe(20);
    expect(after).toMatch(/trellis_microbatch_rows_count [1-9]/);
    expect(after).toMatch(/trellis_predict_duration_seconds_count\{operation="predict"\} 20/);
    expect(after).toMatch(/trellis_graphql_requests_total\{operation_type="query",outcome="ok"\} [1-9]/);
    expect(after).toMatch(/trellis_graphql_requests_total\{operation_type="mutation",outcome="BAD_USER_INPUT"\} [1-9]/);
  });
});
