/**
 * Keys across processes: a key created on one server works on a second process (its own
 * `node dist/src/main.js`, same database) as soon as the NOTIFY arrives, and a revocation on the
 * first stops it on the second within 2 s — its HTTP requests and its open WebSocket alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/db/embedded-postgres.js';
import { collectSubscription, gql, wsClient } from '../../helpers/graphql-client.js';
import { spawnTrellis, startTestServer, waitFor, type SpawnedTrellis, type TestServer } from '../../helpers/server.js';

describe('revocation seen by a second process', () => {
  let first: TestServer;
  let second: SpawnedTrellis;
  let secondUrl: string;

  beforeAll(async () => {
    first = await startTestServer();
    // API_KEY_REFRESH_MS is long: only the NOTIFY can make the 2 s.
    second = spawnTrellis({ DATABASE_URL: first.database.url, PORT: String(await freePort()), HOST: '127.0.0.1', ROLE: 'api', LOG_LEVEL: 'warn', API_KEY_REFRESH_MS: '600000' });
    secondUrl = (await second.ready) as string;
  });
  afterAll(async () => {
    second?.child.kill('SIGTERM');
    await second?.exited;
    await first?.stop();
  });

  it('stops a revoked key on the other process within 2 s, over HTTP and WebSocket', async () => {
    const created = await gql(first.graphqlUrl, 'mutation { createApiKey(name: "replica test", role: VIEWER) { key apiKey { id } } }');
    const { key, apiKey } = created.data?.createApiKey as { key: string; apiKey: { id: string } };
    await waitFor(async () => (await gql(`${secondUrl}/graphql`, '{ me { name } }', {}, key)).data?.me?.name === 'replica test', { timeoutMs: 2_000, what: 'the new key on the second process' });

    // An open subscription on the second process, with the key.
    const client = wsClient(`${secondUrl.replace(/^http/, 'ws')}/graphql`, key);
    let closedWith: number | null = null;
    let connected = false;
    client.on('connected', () => (connected = true));
    client.on('closed', (event) => (closedWith = (event as CloseEvent).code));
    const live = collectSubscription(client, 'subscription { activeModelChanged { version } }', {});
    live.done.catch(() => undefined);
    await waitFor(() => connected, { what: 'the WebSocket connection acknowledged' });

    const revokedAt = Date.now();
    const revoked = await gql(first.graphqlUrl, `mutation { revokeApiKey(id: "${apiKey.id}") { revokedAt } }`);
    expect(revoked.errors).toBeUndefined();
    const refused = await waitFor(async () => (await fetch(`${secondUrl}/graphql`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query: '{ models { version } }' }),
    })).status === 401, { timeoutMs: 2_000, intervalMs: 20, what: 'the second process refusing the revoked key' });
    expect(refused).toBe(true);
    const httpMs = Date.now() - revokedAt;
    await waitFor(() => closedWith === 4401, { timeoutMs: 2_000, intervalMs: 20, what: 'the WebSocket closed with 4401' });
    const wsMs = Date.now() - revokedAt;
    console.log(`[revocation] second process: HTTP refused after ${httpMs} ms, WebSocket closed after ${wsMs} ms`);
    expect(httpMs).toBeLessThan(2_000);
    expect(wsMs).toBeLessThan(2_000);
    await client.dispose();
  });
});
