/**
 * The edges of access control against the real server: WebSocket Origin checks, security headers,
 * introspection and field suggestions off, errors masked on WebSocket like on HTTP, signed
 * downloads, ANONYMOUS_ROLE, ADMIN_API_KEY rotation, and the first start's generated admin key.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { freePort } from '../../../src/db/embedded-postgres.js';
import { HEADER } from '../../fixtures/synthetic.js';
import { createTestDatabase } from '../../helpers/database.js';
import { authHeaders, gql, gqlUpload, TEST_ADMIN_KEY } from '../../helpers/graphql-client.js';
import { spawnTrellis, startTestServer, type TestServer } from '../../helpers/server.js';
import { outcomeCode, wsOnce } from './access-helpers.js';

/** Opens a raw WebSocket upgrade with an Origin header; resolves with 'open' or the HTTP status it was refused with. */
function upgrade(wsUrl: string, origin: string | undefined): Promise<'open' | number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws', origin ? { origin } : {});
    socket.once('open', () => {
      socket.close();
      resolve('open');
    });
    socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? -1));
    socket.once('error', () => undefined);
  });
}

const CSV = `${HEADER.join(',')}\n` +
  '"=HYPERLINK(""http://evil.example"")",General Care,-0.35,32.5,,,,+256 700 000000,GOVT,cash,Kawempe Division\n';

describe('hardening', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ CORS_ORIGINS: 'https://studio.apollographql.com' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('refuses a cross-origin WebSocket upgrade; same origin, CORS_ORIGINS and non-browser clients connect', async () => {
    expect(await upgrade(server.wsUrl, 'https://evil.example')).toBe(403);
    expect(await upgrade(server.wsUrl, 'http://localhost:1')).toBe(403);
    expect(await upgrade(server.wsUrl, server.url)).toBe('open');
    expect(await upgrade(server.wsUrl, 'https://studio.apollographql.com')).toBe('open');
    expect(await upgrade(server.wsUrl, undefined)).toBe('open');
  });

  it('sends security headers with a CSP that fits the SPA', async () => {
    const res = await fetch(`${server.url}/`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  });

  it('masks unexpected errors on WebSocket as on HTTP (no SQL text)', async () => {
    const datasets = server.app.services.datasets;
    const original = datasets.list.bind(datasets);
    datasets.list = () => Promise.reject(new Error('relation "dataset" does not exist: SELECT * FROM dataset'));
    try {
      const http = await gql(server.graphqlUrl, '{ datasets { id } }');
      const ws = await wsOnce(server.wsUrl, TEST_ADMIN_KEY, '{ datasets { id } }');
      for (const answer of [http, ws]) {
        expect(outcomeCode(answer)).toBe('INTERNAL_SERVER_ERROR');
        expect(JSON.stringify(answer)).not.toMatch(/SELECT|relation/);
      }
    } finally {
      datasets.list = original;
    }
  });

  it('downloads need the signed link or a PREDICTOR key; scored cells that look like formulas are escaped', async () => {
    const scored = await gqlUpload(server.graphqlUrl, 'mutation($file: Upload!) { predictBatchFile(file: $file) { downloadUrl scored } }', {}, { name: 'f.csv', content: CSV });
    expect(scored.body.errors, JSON.stringify(scored.body.errors)).toBeUndefined();
    const url = scored.body.data?.predictBatchFile.downloadUrl as string;
    expect(url).toMatch(/^\/downloads\/predictions\/[0-9a-f-]+\.csv\?expires=\d+&sig=[A-Za-z0-9_-]{43}$/);
    const signed = await fetch(`${server.url}${url}`);
    expect(signed.status).toBe(200);
    const text = await signed.text();
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example"")"`);
    expect(text).toContain(',-0.35,'); // numbers stay numbers
    expect(text).toContain("'+256 700 000000");

    const bare = url.split('?')[0] as string;
    expect((await fetch(`${server.url}${bare}`)).status).toBe(401);
    expect((await fetch(`${server.url}${url.replace(/sig=./, 'sig=A')}`)).status).toBe(401);
    const viewer = (await gql(server.graphqlUrl, 'mutation { createApiKey(name: "dl viewer", role: VIEWER) { key } }')).data?.createApiKey.key as string;
    const predictor = (await gql(server.graphqlUrl, 'mutation { createApiKey(name: "dl predictor", role: PREDICTOR) { key } }')).data?.createApiKey.key as string;
    expect((await fetch(`${server.url}${bare}`, { headers: authHeaders(viewer) })).status).toBe(403);
    expect((await fetch(`${server.url}${bare}`, { headers: authHeaders(predictor) })).status).toBe(200);
  });

  it('answers /healthz and /readyz without a key', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });
});

describe('configuration of access', () => {
  it('INTROSPECTION=false and FIELD_SUGGESTIONS=false: no schema, no "Did you mean", over HTTP and WebSocket', async () => {
    const server = await startTestServer({ INTROSPECTION: 'false', FIELD_SUGGESTIONS: 'false' });
    try {
      const intro = await gql(server.graphqlUrl, '{ __schema { types { name } } }');
      expect(outcomeCode(intro)).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(outcomeCode(await wsOnce(server.wsUrl, TEST_ADMIN_KEY, '{ __schema { types { name } } }'))).toBe('GRAPHQL_VALIDATION_FAILED');
      const typo = await gql(server.graphqlUrl, '{ model { versio } }');
      expect(typo.errors?.[0]?.message).toMatch(/Cannot query field/);
      expect(JSON.stringify(typo)).not.toMatch(/Did you mean/);
    } finally {
      await server.stop();
    }
    // Defaults outside production keep both.
    const dev = await startTestServer();
    try {
      expect(outcomeCode(await gql(dev.graphqlUrl, '{ __schema { queryType { name } } }'))).toBe('OK');
      expect(JSON.stringify(await gql(dev.graphqlUrl, '{ modls { version } }'))).toMatch(/Did you mean/);
    } finally {
      await dev.stop();
    }
  });

  it('ANONYMOUS_ROLE=VIEWER lets callers without a key read, not predict; me is null', async () => {
    const server = await startTestServer({ ANONYMOUS_ROLE: 'viewer' });
    try {
      expect(outcomeCode(await gql(server.graphqlUrl, '{ models { version } }', {}, null))).toBe('OK');
      expect((await gql(server.graphqlUrl, '{ me { name } serverInfo { anonymousRole } }', {}, null)).data).toEqual({ me: null, serverInfo: { anonymousRole: 'VIEWER' } });
      const predict = await gql(server.graphqlUrl, '{ predict(input: {services: "x", careSystem: GOVT, subcounty: "y"}) { label } }', {}, null);
      expect(outcomeCode(predict)).toBe('FORBIDDEN');
      expect(outcomeCode(await wsOnce(server.wsUrl, null, '{ models { version } }'))).toBe('OK');
    } finally {
      await server.stop();
    }
  });

  it('ADMIN_API_KEY: the key exists while set; a new value replaces the old one', async () => {
    const database = await createTestDatabase('adminkey');
    const first = await startTestServer({ ADMIN_API_KEY: 'first-admin-key-000000' }, database);
    expect(outcomeCode(await gql(first.graphqlUrl, '{ apiKeys { id } }', {}, 'first-admin-key-000000'))).toBe('OK');
    await first.stop();
    const second = await startTestServer({ ADMIN_API_KEY: 'second-admin-key-00000' }, database);
    try {
      expect(outcomeCode(await gql(second.graphqlUrl, '{ apiKeys { id } }', {}, 'first-admin-key-000000'))).toBe('UNAUTHENTICATED');
      expect(outcomeCode(await gql(second.graphqlUrl, '{ apiKeys { id } }', {}, 'second-admin-key-00000'))).toBe('OK');
    } finally {
      await second.stop();
      await database.drop();
    }
  });

  it('first start without keys or ADMIN_API_KEY: prints an admin key once with a sign-in link and writes DATA_DIR/admin.key (0600)', async () => {
    const database = await createTestDatabase('firstrun');
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'trellis-firstrun-'));
    const env = { DATABASE_URL: database.url, DATA_DIR: dataDir, PORT: String(await freePort()), HOST: '127.0.0.1', ADMIN_API_KEY: '' };
    try {
      const proc = spawnTrellis(env);
      const url = (await proc.ready) as string;
      const printed = await (async () => {
        for (let i = 0; i < 100 && !/#key=/.test(proc.output()); i++) await new Promise((r) => setTimeout(r, 50));
        return proc.output();
      })();
      const link = /Sign in to the web UI: (http:\/\/\S+#key=(\S+))/.exec(printed);
      expect(link?.[1]).toBe(`${url}/#key=${link?.[2]}`);
      const key = decodeURIComponent(link?.[2] ?? '');
      expect(key).toMatch(/^trk_/);
      const file = path.join(dataDir, 'admin.key');
      expect((await readFile(file, 'utf8')).trim()).toBe(key);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect((await gql(`${url}/graphql`, '{ me { name role } }', {}, key)).data?.me).toEqual({ name: 'admin (first start)', role: 'ADMIN' });
      proc.child.kill('SIGTERM');
      expect((await proc.exited).code).toBe(0);

      // The second start finds a key: nothing generated, nothing printed.
      const again = spawnTrellis(env);
      await again.ready;
      expect(again.output()).not.toMatch(/#key=|First start/);
      again.child.kill('SIGTERM');
      await again.exited;
    } finally {
      await rm(dataDir, { recursive: true, force: true });
      await database.drop();
    }
  });
});
