import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_TEXT_LENGTH } from '../../src/ml/clean.js';
import { DEFAULT_HYPERPARAMETERS, HYPERPARAMETER_LIMITS } from '../../src/ml/hyperparameters.js';
import { gql, wsClient } from '../helpers/graphql-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('HTTP + WebSocket server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('answers { __typename } on /graphql', async () => {
    const res = await gql(server.graphqlUrl, '{ __typename serverInfo { role version } }');
    expect(res.errors).toBeUndefined();
    expect(res.data).toMatchObject({ __typename: 'Query', serverInfo: { role: 'all' } });
  });

  it('publishes the input limits it enforces on serverInfo, to callers without a key too', async () => {
    const range = '{ min max minExclusive maxExclusive integer }';
    const res = await gql(
      server.graphqlUrl,
      `{ serverInfo { inputLimits { textMaxLength hyperparameterDefaults { learningRate batchSize epochs patience hiddenUnits dropout l2 seed }
         hyperparameterRanges { learningRate ${range} dropout ${range} seed ${range} hiddenUnits ${range} hiddenLayersMax } } } }`,
      {},
      null,
    );
    expect(res.errors).toBeUndefined();
    const limits = res.data?.serverInfo.inputLimits;
    expect(limits.textMaxLength).toBe(MAX_TEXT_LENGTH);
    expect(limits.hyperparameterDefaults).toEqual(DEFAULT_HYPERPARAMETERS);
    const ranges = limits.hyperparameterRanges;
    expect(ranges.learningRate).toEqual({ min: 0, max: 1, minExclusive: true, maxExclusive: false, integer: false });
    expect(ranges.dropout).toEqual({ min: 0, max: 1, minExclusive: false, maxExclusive: true, integer: false });
    expect(ranges.seed).toEqual({ min: 0, max: HYPERPARAMETER_LIMITS.seed.max, minExclusive: false, maxExclusive: false, integer: true });
    expect(ranges.hiddenUnits).toMatchObject({ min: HYPERPARAMETER_LIMITS.hiddenUnits.min, max: HYPERPARAMETER_LIMITS.hiddenUnits.max, integer: true });
    expect(ranges.hiddenLayersMax).toBe(HYPERPARAMETER_LIMITS.hiddenUnits.maxLayers);
  });

  it('serves /healthz and /readyz with the database state', async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { database: boolean; model: { loaded: boolean } };
    expect(body.database).toBe(true);
    expect(typeof body.model.loaded).toBe('boolean');
  });

  it('echoes a request id', async () => {
    const res = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    const generated = await fetch(`${server.url}/healthz`);
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reports GraphQL validation errors with a code and no stack', async () => {
    const res = await gql(server.graphqlUrl, '{ noSuchField }');
    expect(res.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(res)).not.toContain('stacktrace');
  });

  it('keeps CSRF prevention on: a multipart request without the preflight header is refused', async () => {
    const form = new FormData();
    form.append('operations', JSON.stringify({ query: '{ __typename }' }));
    form.append('map', '{}');
    const res = await fetch(server.graphqlUrl, { method: 'POST', body: form });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/apollo-require-preflight/i);
  });

  it('answers CORS preflights for allowed origins only (Apollo Studio by default)', async () => {
    const studio = 'https://studio.apollographql.com';
    const preflight = await fetch(server.graphqlUrl, {
      method: 'OPTIONS',
      headers: { origin: studio, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(studio);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('apollo-require-preflight');
    const post = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { origin: studio, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(post.headers.get('access-control-allow-origin')).toBe(studio);
    const stranger = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('accepts graphql-ws connections on /graphql', async () => {
    const client = wsClient(server.wsUrl);
    const result = await new Promise<unknown>((resolve, reject) => {
      client.subscribe({ query: '{ __typename }' }, { next: resolve, error: reject, complete: () => undefined });
    });
    expect(result).toEqual({ data: { __typename: 'Query' } });
    await client.dispose();
  });

  it('serves the web UI (or its placeholder) at /', async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/html/);
    expect(await res.text()).toMatch(/Trellis/);
  });
});
