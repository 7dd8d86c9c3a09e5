/**
 * The image and docker-compose.yml, checked without a Docker engine (none on these machines; the
 * docker client here has no compose plugin either): the files parse, and what the deployment
 * relies on is there. The topology itself runs as processes in test/integration/deploy/scale-out.test.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../helpers/server.js';
import { configVariables } from './config-vars.js';

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');
type Service = { image?: string; build?: unknown; restart?: string; environment?: Record<string, string>; deploy?: { replicas?: number };
  healthcheck?: { test: string[] }; volumes?: string[]; ports?: string[]; depends_on?: unknown; read_only?: boolean; cap_drop?: string[] };
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const { services } = compose;

describe('docker-compose.yml', () => {
  it('PostgreSQL with a volume, a healthcheck and the init script that creates the non-superuser app role', () => {
    const pg = services.postgres as Service;
    expect(pg.volumes).toContain('pgdata:/var/lib/postgresql/data');
    expect(Object.keys(compose.volumes)).toContain('pgdata');
    expect(pg.healthcheck?.test.join(' ')).toMatch(/pg_isready -h 127\.0\.0\.1/);
    const init = pg.volumes?.find((v) => v.includes('/docker-entrypoint-initdb.d/'));
    expect(init).toBeTruthy();
    expect(read((init as string).split(':')[0] as string)).toMatch(/NOSUPERUSER NOCREATEDB NOCREATEROLE/);
  });

  it('two API replicas and two workers over that database, as a role that is not the superuser', () => {
    expect(services.api?.deploy?.replicas).toBe(2);
    expect(services.worker?.deploy?.replicas).toBe(2);
    for (const [name, role] of [['api', 'api'], ['worker', 'worker']] as const) {
      const env = services[name]?.environment ?? {};
      expect(env.ROLE).toBe(role);
      const url = new URL((env.DATABASE_URL as string).replace(/\$\{[^}]+\}/g, 'secret'));
      expect(url.username).toBe('trellis');
      expect(url.hostname).toBe('postgres');
      expect(services[name]?.depends_on).toMatchObject({ postgres: { condition: 'service_healthy' } });
      expect(services[name]?.build).toBe('.');
      expect(services[name]?.read_only).toBe(true);
      expect(services[name]?.cap_drop).toEqual(['ALL']);
      for (const key of Object.keys(env)) expect(configVariables(), `${name}: ${key}`).toContain(key);
    }
    expect(services.api?.environment?.ADMIN_API_KEY).toMatch(/^\$\{ADMIN_API_KEY:\?/);
    expect(services.api?.ports).toBeUndefined(); // only through the proxy
  });

  it('one published port, through nginx, with WebSocket upgrades, to every API replica', () => {
    expect(services.proxy?.ports).toEqual(['${TRELLIS_PORT:-4000}:8080']);
    const conf = read('deploy/compose/nginx.conf');
    expect(conf).toMatch(/server api:4000 resolve/);
    expect(conf).toMatch(/proxy_set_header Upgrade \$http_upgrade;/);
    expect(conf).toMatch(/proxy_set_header Connection \$connection_upgrade;/);
    expect(conf).toMatch(/listen 8080;/);
  });

  it('every service restarts unless stopped; secrets only come from .env, whose example holds none', () => {
    for (const [name, service] of Object.entries(services)) expect(service.restart, name).toBe('unless-stopped');
    const text = read('docker-compose.yml');
    const referenced = new Set([...text.matchAll(/\$\{([A-Z_]+)[:?}-]/g)].map((m) => m[1]));
    const example = Object.fromEntries(read('.env.example').split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split('=') as [string, string]));
    expect(new Set(Object.keys(example))).toEqual(referenced);
    for (const secret of ['POSTGRES_PASSWORD', 'APP_DB_PASSWORD', 'ADMIN_API_KEY']) {
      expect(example[secret], secret).toBe('');
      expect(text).toMatch(new RegExp(`\\$\\{${secret}:\\?`)); // compose refuses to start without it
    }
    for (const service of Object.values(services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (/PASSWORD|KEY|SECRET|DATABASE_URL/.test(key)) expect(String(value), key).toMatch(/\$\{/);
      }
    }
    expect(read('.gitignore').split('\n')).toContain('.env');
  });
});

describe('Dockerfile and .dockerignore', () => {
  const dockerfile = read('Dockerfile');
  const stages = dockerfile.split(/^FROM /m).slice(1);

  it('two stages: a build, and a runtime with production dependencies, dist/ and web/dist only', () => {
    expect(stages.map((s) => s.split('\n')[0])).toEqual(['node:20-bookworm-slim AS build', 'node:20-bookworm-slim AS runtime']);
    const runtime = stages[1] as string;
    const copies = [...runtime.matchAll(/^COPY (.+)$/gm)].map((m) => m[1]);
    expect(copies).toEqual([
      '--from=build /app/package.json /app/package-lock.json ./',
      '--from=build /app/node_modules ./node_modules',
      '--from=build /app/dist ./dist',
      '--from=build /app/web/dist ./web/dist',
      '--from=build /app/models ./models',
    ]);
    expect(stages[0]).toMatch(/npm prune --omit=dev/);
  });

  it('no error is hidden, the app runs as a numeric non-root user, and a HEALTHCHECK probes /readyz', () => {
    expect(dockerfile).not.toMatch(/\|\|\s*true/);
    expect(dockerfile).not.toMatch(/;\s*exit 0/);
    expect(stages[1]).toMatch(/^USER 10001:10001$/m);
    expect(stages[1]).toMatch(/^HEALTHCHECK [\s\S]*\/readyz/m);
  });

  it('starts the server with the same command and V8 flags as `npm start`', () => {
    const start = (JSON.parse(read('package.json')) as { scripts: { start: string } }).scripts.start;
    expect(start).toMatch(/^node .*dist\/src\/main\.js$/);
    const cmd = /^CMD (\[.*\])$/m.exec(stages[1] as string)?.[1];
    expect(JSON.parse(cmd ?? '[]')).toEqual(start.split(' '));
  });

  it('.dockerignore keeps local state, dependencies and build output out of the context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    for (const entry of ['.git', '.data', 'node_modules', 'dist', 'web/dist', 'test-results', '.env']) expect(ignored).toContain(entry);
  });
});
