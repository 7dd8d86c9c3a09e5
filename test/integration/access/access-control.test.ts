/**
 * The whole role × operation matrix against the real server, over HTTP and over WebSocket: every
 * operation with no key, an unknown key, and a key of each role. Below the needed role the answer
 * is UNAUTHENTICATED (no key) or FORBIDDEN and nothing is done; at or above it the operation runs
 * (its answer may still be NOT_FOUND, CONFLICT or BAD_USER_INPUT: the arguments are chosen so that
 * running it changes nothing that later rows depend on).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleAtLeast, type AccessRole } from '../../../src/auth/roles.js';
import { poolOf, transaction } from '../../../src/db/sql.js';
import { gql, gqlUpload, TEST_ADMIN_KEY } from '../../helpers/graphql-client.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { loadTestBundle } from '../../unit/serving/model-fixture.js';
import { outcomeCode, wsOnce } from './access-helpers.js';

const INPUT = { services: 'General Care, Maternity', careSystem: 'GOVT', subcounty: 'Kawempe Division' };
const NO_JOB = randomUUID();

interface Operation {
  name: string;
  need: AccessRole | null;
  query: string;
  variables?: Record<string, unknown>;
  /** multipart over HTTP (WebSocket sends the file variable as null: still refused or let through by role first) */
  upload?: boolean;
  /** subscriptions run over WebSocket only */
  wsOnly?: boolean;
}

const OPERATIONS: Operation[] = [
  { name: 'me', need: null, query: '{ me { name role } }' },
  { name: 'serverInfo', need: null, query: '{ serverInfo { role anonymousRole } }' },
  { name: 'datasets', need: 'VIEWER', query: '{ datasets { id } }' },
  { name: 'dataset', need: 'VIEWER', query: `{ dataset(id: "${randomUUID()}") { id } }` },
  { name: 'trainingJobs', need: 'VIEWER', query: '{ trainingJobs { totalCount } }' },
  { name: 'trainingJob', need: 'VIEWER', query: `{ trainingJob(id: "${NO_JOB}") { id } }` },
  { name: 'models', need: 'VIEWER', query: '{ models { version } }' },
  { name: 'model', need: 'VIEWER', query: '{ model(version: 1) { version } }' },
  { name: 'activeModel', need: 'VIEWER', query: '{ activeModel { version } }' },
  { name: 'modelActivations', need: 'VIEWER', query: '{ modelActivations { toVersion } }' },
  { name: 'introspection', need: 'VIEWER', query: '{ __schema { queryType { name } } }' },
  { name: 'trainingProgress', need: 'VIEWER', query: `subscription { trainingProgress(jobId: "${NO_JOB}") { epoch } }`, wsOnly: true },
  { name: 'trainingJobUpdated', need: 'VIEWER', query: `subscription { trainingJobUpdated(jobId: "${NO_JOB}") { id } }`, wsOnly: true },
  { name: 'predict', need: 'PREDICTOR', query: 'query($i: FacilityInput!) { predict(input: $i) { label } }', variables: { i: INPUT } },
  { name: 'predictBatch', need: 'PREDICTOR', query: 'mutation($i: [FacilityInput!]!) { predictBatch(inputs: $i) { label } }', variables: { i: [INPUT] } },
  { name: 'predictBatchFile', need: 'PREDICTOR', query: 'mutation($file: Upload!) { predictBatchFile(file: $file) { rows } }', upload: true },
  { name: 'uploadDataset', need: 'TRAINER', query: 'mutation($file: Upload!) { uploadDataset(file: $file) { acceptedCount } }', upload: true },
  { name: 'retrain', need: 'TRAINER', query: `mutation { retrain(input: { datasetIds: ["${randomUUID()}"] }) { id } }` },
  { name: 'cancelTrainingJob', need: 'TRAINER', query: `mutation { cancelTrainingJob(id: "${NO_JOB}") { id } }` },
  { name: 'promoteModel', need: 'ADMIN', query: 'mutation { promoteModel(version: 1) { version } }' },
  { name: 'rollbackModel', need: 'ADMIN', query: 'mutation { rollbackModel { version } }' },
  { name: 'apiKeys', need: 'ADMIN', query: '{ apiKeys { id } }' },
  { name: 'createApiKey', need: 'ADMIN', query: 'mutation { createApiKey(name: "made in the matrix", role: VIEWER) { key } }' },
  { name: 'revokeApiKey', need: 'ADMIN', query: `mutation { revokeApiKey(id: "${randomUUID()}") { id } }` },
  { name: 'auditLog', need: 'ADMIN', query: '{ auditLog { totalCount } }' },
  { name: 'pinEvaluationDataset', need: 'ADMIN', query: `mutation { pinEvaluationDataset(id: "${randomUUID()}") { id } }` },
  { name: 'webhooks', need: 'ADMIN', query: '{ webhooks { id } }' },
  { name: 'webhookDeliveries', need: 'ADMIN', query: `{ webhookDeliveries(webhookId: "${randomUUID()}") { id } }` },
  { name: 'createWebhook', need: 'ADMIN', query: 'mutation { createWebhook(input: { url: "https://example.org/hook", events: [MODEL_ACTIVATED] }) { secret } }' },
  { name: 'deleteWebhook', need: 'ADMIN', query: `mutation { deleteWebhook(id: "${randomUUID()}") { id } }` },
];

const ROLES: AccessRole[] = ['VIEWER', 'PREDICTOR', 'TRAINER', 'ADMIN'];
const TINY_CSV = 'facility_name,services\nx,y\n';

/** What an operation must answer for a caller of `role` (null: no key). */
function expected(op: Operation, role: AccessRole | null): 'UNAUTHENTICATED' | 'FORBIDDEN' | 'RUNS' {
  if (op.need === null || roleAtLeast(role, op.need)) return 'RUNS';
  return role === null ? 'UNAUTHENTICATED' : 'FORBIDDEN';
}

describe('role × operation matrix', () => {
  let server: TestServer;
  const keys = new Map<AccessRole, string>();

  beforeAll(async () => {
    server = await startTestServer();
    for (const role of ROLES) {
      const res = await gql<{ createApiKey: { key: string } }>(server.graphqlUrl, `mutation { createApiKey(name: "${role.toLowerCase()} key", role: ${role}) { key apiKey { role } } }`);
      expect(res.errors).toBeUndefined();
      keys.set(role, res.data?.createApiKey.key as string);
    }
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function overHttp(op: Operation, key: string | null): Promise<{ status: number; code: string }> {
    if (op.upload) {
      const res = await gqlUpload(server.graphqlUrl, op.query, {}, { name: 'tiny.csv', content: TINY_CSV }, 'file', key);
      return { status: res.status, code: outcomeCode(res.body) };
    }
    const res = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ query: op.query, variables: op.variables ?? {} }),
    });
    return { status: res.status, code: outcomeCode((await res.json()) as Parameters<typeof outcomeCode>[0]) };
  }

  async function state() {
    const res = await gql(server.graphqlUrl, '{ datasets { id } trainingJobs { totalCount } activeModel { version } apiKeys { id } modelActivations { id } }');
    return { datasets: res.data?.datasets.length, jobs: res.data?.trainingJobs.totalCount, active: res.data?.activeModel?.version, keys: res.data?.apiKeys.length, activations: res.data?.modelActivations.length };
  }

  it('over HTTP: each role can do exactly its operations; below it nothing is done', async () => {
    const before = await state();
    const table: string[] = [];
    for (const role of [null, ...ROLES] as const) {
      const key = role === null ? null : (keys.get(role) as string);
      for (const op of OPERATIONS.filter((o) => !o.wsOnly)) {
        if (op.name === 'createApiKey' && role === 'ADMIN') continue; // changes the key count; run last
        const { status, code } = await overHttp(op, key);
        const want = expected(op, role);
        table.push(`${role ?? 'none'} ${op.name} ${code}`);
        if (want === 'RUNS') expect(code, `${op.name} as ${role}`).not.toMatch(/^(UNAUTHENTICATED|FORBIDDEN)$/);
        else {
          expect(code, `${op.name} as ${role ?? 'no key'}`).toBe(want);
          expect(status).toBe(want === 'UNAUTHENTICATED' ? 401 : 403);
        }
      }
    }
    // Nothing the refused calls asked for happened; what the allowed ones did is known: no change either.
    expect(await state()).toEqual(before);
    expect(table.length).toBeGreaterThan(100);
  });

  it('over WebSocket: the same matrix; without a key the socket is closed 4401', async () => {
    for (const role of [null, ...ROLES] as const) {
      const key = role === null ? null : (keys.get(role) as string);
      for (const op of OPERATIONS) {
        if (op.name === 'createApiKey' && role === 'ADMIN') continue;
        const outcome = await wsOnce(server.wsUrl, key, op.query, op.upload ? { file: null } : (op.variables ?? {}));
        const code = outcomeCode(outcome);
        const want = expected(op, role);
        if (role === null) expect(code, op.name).toBe('closed 4401');
        else if (want === 'RUNS') expect(code, `${op.name} as ${role}`).not.toMatch(/^(UNAUTHENTICATED|FORBIDDEN|closed)/);
        else expect(code, `${op.name} as ${role}`).toBe(want);
      }
    }
  });

  it('an unknown or malformed key is UNAUTHENTICATED (401), even for open fields; never anonymous', async () => {
    for (const authorization of ['Bearer trk_not-a-real-key-000000000000', 'Basic dXNlcjpwYXNz', 'Bearer']) {
      const res = await fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify({ query: '{ me { name } }' }) });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('UNAUTHENTICATED');
    }
    expect(outcomeCode(await wsOnce(server.wsUrl, 'trk_not-a-real-key-000000000000', '{ me { name } }'))).toBe('closed 4401');
  });

  it('createApiKey shows the key once; me names the caller; the list never holds a key value', async () => {
    const created = await gql(server.graphqlUrl, 'mutation { createApiKey(name: "ci", role: PREDICTOR) { key apiKey { id name role createdAt lastUsedAt revokedAt } } }');
    const key = created.data?.createApiKey.key as string;
    expect(key).toMatch(/^trk_[A-Za-z0-9_-]{43}$/);
    const me = await gql(server.graphqlUrl, '{ me { id name role } }', {}, key);
    expect(me.data?.me).toEqual({ id: created.data?.createApiKey.apiKey.id, name: 'ci', role: 'PREDICTOR' });
    expect((await gql(server.graphqlUrl, '{ me { name } }', {}, null)).data?.me).toBeNull();
    const listed = await gql(server.graphqlUrl, '{ apiKeys { id name role lastUsedAt } }');
    expect(JSON.stringify(listed)).not.toContain(key);
    expect(listed.data?.apiKeys.find((k: { id: string }) => k.id === created.data?.createApiKey.apiKey.id)?.lastUsedAt).not.toBeNull();
    const stored = await server.app.services.dataSource.query('SELECT key_hash FROM api_key WHERE id = $1', [created.data?.createApiKey.apiKey.id]);
    expect(stored[0].key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored[0].key_hash).not.toContain(key);
  });

  it('a revoked key is UNAUTHENTICATED at once; the ADMIN_API_KEY key cannot be revoked through the API', async () => {
    const created = await gql(server.graphqlUrl, 'mutation { createApiKey(name: "short-lived", role: ADMIN) { key apiKey { id } } }');
    const { key, apiKey } = created.data?.createApiKey as { key: string; apiKey: { id: string } };
    expect(outcomeCode(await gql(server.graphqlUrl, '{ models { version } }', {}, key))).toBe('OK');
    const revoked = await gql(server.graphqlUrl, `mutation { revokeApiKey(id: "${apiKey.id}") { revokedAt } }`);
    expect(revoked.data?.revokeApiKey.revokedAt).not.toBeNull();
    expect(outcomeCode(await gql(server.graphqlUrl, '{ models { version } }', {}, key))).toBe('UNAUTHENTICATED');
    const keysNow = await gql(server.graphqlUrl, '{ apiKeys { id name } }');
    const envKey = keysNow.data?.apiKeys.find((k: { name: string }) => k.name === 'ADMIN_API_KEY');
    const refused = await gql(server.graphqlUrl, `mutation { revokeApiKey(id: "${envKey.id}") { id } }`);
    expect(outcomeCode(refused)).toBe('CONFLICT');
    expect(outcomeCode(await gql(server.graphqlUrl, '{ me { name } }', {}, TEST_ADMIN_KEY))).toBe('OK');
  });

  it('audits every mutation with the key name, arguments without file contents, and the outcome; activations name the key', async () => {
    const ops = await gql(server.graphqlUrl, 'mutation { createApiKey(name: "ops team", role: ADMIN) { key } }');
    const opsKey = ops.data?.createApiKey.key as string;
    await gql(server.graphqlUrl, 'mutation { rollbackModel { version } }', {}, opsKey);
    await gqlUpload(server.graphqlUrl, 'mutation($file: Upload!) { uploadDataset(file: $file, name: "secret rows") { acceptedCount } }', {}, { name: 'rows.csv', content: 'facility_name,services\nSECRET-CONTENT,y\n' }, 'file', opsKey);
    await gql(server.graphqlUrl, 'mutation { promoteModel(version: 1) { version } }', {}, keys.get('VIEWER') as string);
    const log = await gql(server.graphqlUrl, '{ auditLog(first: 10) { totalCount pageInfo { hasNextPage endCursor } nodes { keyName role operation arguments outcome error transport } } }');
    expect(log.errors).toBeUndefined();
    const nodes = log.data?.auditLog.nodes as Array<Record<string, unknown>>;
    expect(nodes[0]).toMatchObject({ keyName: 'viewer key', role: 'VIEWER', operation: 'promoteModel', outcome: 'FORBIDDEN', transport: 'http' });
    expect(nodes[1]).toMatchObject({ keyName: 'ops team', operation: 'uploadDataset', outcome: 'BAD_USER_INPUT', arguments: { file: '[file upload]', name: 'secret rows' } });
    expect(nodes[2]).toMatchObject({ keyName: 'ops team', operation: 'rollbackModel', outcome: 'CONFLICT' });
    expect(JSON.stringify(log)).not.toContain('SECRET-CONTENT');
    // Pages follow the cursor; a forged cursor is BAD_USER_INPUT.
    const next = await gql(server.graphqlUrl, `{ auditLog(first: 10, after: "${log.data?.auditLog.pageInfo.endCursor}") { nodes { operation } } }`);
    expect(next.errors).toBeUndefined();
    expect(outcomeCode(await gql(server.graphqlUrl, '{ auditLog(after: "MXww") { totalCount } }'))).toBe('BAD_USER_INPUT');

    expect(nodes.some((n) => n.operation === 'createApiKey' && n.keyName === 'ADMIN_API_KEY' && n.outcome === 'OK')).toBe(true);

    // The activation history's actor is the key's name: a second version (kept a candidate by the gate), promoted by "ops team", rolled back.
    const bundle = await loadTestBundle(11);
    await transaction(poolOf(server.app.services.dataSource), (tx) =>
      server.app.services.registry.register(tx, {
        source: 'training', bundle, metrics: { ...bundle.metadata.metrics, macroF1: -1 }, backend: 'cpu', trainingJobId: null, datasetIds: [], rowCount: 1,
      }, 'test'),
    );
    expect(outcomeCode(await gql(server.graphqlUrl, 'mutation { promoteModel(version: 2) { version } }', {}, opsKey))).toBe('OK');
    expect(outcomeCode(await gql(server.graphqlUrl, 'mutation { rollbackModel { version } }'))).toBe('OK');
    const history = await gql(server.graphqlUrl, '{ modelActivations(first: 2) { toVersion actor kind } }');
    expect(history.data?.modelActivations).toEqual([
      { toVersion: 1, actor: 'ADMIN_API_KEY', kind: 'rollback' },
      { toVersion: 2, actor: 'ops team', kind: 'promote' },
    ]);
  });

  it('over WebSocket, mutations are audited too', async () => {
    const outcome = await wsOnce(server.wsUrl, keys.get('TRAINER') as string, `mutation { cancelTrainingJob(id: "${NO_JOB}") { id } }`);
    expect(outcomeCode(outcome)).toBe('NOT_FOUND');
    const log = await gql(server.graphqlUrl, '{ auditLog(first: 1) { nodes { keyName operation outcome transport arguments } } }');
    expect(log.data?.auditLog.nodes[0]).toEqual({ keyName: 'trainer key', operation: 'cancelTrainingJob', outcome: 'NOT_FOUND', transport: 'ws', arguments: { id: NO_JOB } });
  });

  it('the pagination cursor is validated before SQL (BAD_USER_INPUT, not an internal error)', async () => {
    for (const after of ['MXww', Buffer.from(`1|${randomUUID()}`).toString('base64url'), Buffer.from("2026-01-01T00:00:00.000000Z|x' OR 1=1").toString('base64url')]) {
      const res = await gql(server.graphqlUrl, `{ trainingJobs(after: "${after}") { totalCount } }`);
      expect(res.errors?.[0]?.extensions?.code, after).toBe('BAD_USER_INPUT');
    }
  });
});
