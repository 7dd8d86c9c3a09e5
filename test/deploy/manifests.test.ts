/**
 * deploy/k8s: both kustomizations render with kubectl, every object matches its Kubernetes (or
 * KEDA) schema, and the settings that must agree with each other and with the app do.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { REPO_ROOT } from '../helpers/server.js';
import { configVariables } from './config-vars.js';
import { find, kustomize, unknownFields, validateObject, type K8sObject } from './render.js';

let base: K8sObject[];
let local: K8sObject[];

beforeAll(async () => {
  [base, local] = await Promise.all([kustomize('deploy/k8s'), kustomize('deploy/k8s/overlays/local')]);
});

const podSpec = (o: K8sObject) => o.spec.template.spec;
const container = (o: K8sObject) => podSpec(o).containers[0];
const deployments = (objects: K8sObject[]) => objects.filter((o) => o.kind === 'Deployment');

describe('deploy/k8s renders and validates', () => {
  it('the base: every object valid against its schema, KEDA ScaledObject included', () => {
    expect(base.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/trellis-config', 'Deployment/trellis-api', 'Deployment/trellis-worker', 'HorizontalPodAutoscaler/trellis-api',
      'PodDisruptionBudget/trellis-api', 'ScaledObject/trellis-worker', 'Secret/trellis-secrets', 'Service/trellis-api',
      'TriggerAuthentication/trellis-keda-postgres',
    ]);
    for (const object of base) validateObject(object);
  });

  it('the local overlay: every object valid, all in namespace trellis, every referenced Secret and ConfigMap rendered', () => {
    for (const object of local) validateObject(object);
    for (const object of local.filter((o) => o.kind !== 'Namespace')) expect(object.metadata.namespace, `${object.kind}/${object.metadata.name}`).toBe('trellis');
    const names = (kind: string) => new Set(local.filter((o) => o.kind === kind).map((o) => o.metadata.name));
    for (const workload of local.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')) {
      const spec = podSpec(workload);
      for (const c of spec.containers) {
        for (const from of c.envFrom ?? []) {
          if (from.secretRef) expect(names('Secret')).toContain(from.secretRef.name);
          if (from.configMapRef) expect(names('ConfigMap')).toContain(from.configMapRef.name);
        }
        for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) expect(names('Secret')).toContain(e.valueFrom.secretKeyRef.name);
        expect(c.image).not.toBe('trellis:0.1.0');
      }
      for (const v of spec.volumes ?? []) if (v.configMap) expect(names('ConfigMap')).toContain(v.configMap.name);
    }
    // the overlay's DATABASE_URL is a URL the app accepts, pointing at the overlay's PostgreSQL Service
    const secret = find(local, 'Secret', 'trellis-secrets');
    const url = Buffer.from(secret.data.DATABASE_URL, 'base64').toString();
    expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
    expect(new URL(url).hostname).toBe(find(local, 'Service', 'postgres').metadata.name);
    expect(new URL(url).username).not.toBe('postgres');
  });

  it('no object has a field the API does not know (the schemas allow extra fields; the types do not)', () => {
    expect(unknownFields([...base, ...local])).toEqual([]);
    // the check itself catches a misspelt field
    const api = structuredClone(find(base, 'Deployment', 'trellis-api'));
    api.spec.template.spec.containers[0].readinesProbe = api.spec.template.spec.containers[0].readinessProbe;
    expect(unknownFields([api]).join('\n')).toMatch(/Deployment\/trellis-api: .*'"?readinesProbe"?' does not exist in type 'IContainer'/);
  }, 60_000);

  it('the local overlay ships the same PostgreSQL init script as docker-compose.yml', () => {
    const read = (p: string) => readFileSync(path.join(REPO_ROOT, p), 'utf8');
    expect(read('deploy/k8s/overlays/local/init-app-role.sh')).toBe(read('deploy/postgres/init-app-role.sh'));
  });
});

describe('the API Deployment', () => {
  it('runs ≥ 2 replicas (the HPA never goes below), probes /readyz and /healthz, sets resources', () => {
    const api = find(base, 'Deployment', 'trellis-api');
    const hpa = find(base, 'HorizontalPodAutoscaler', 'trellis-api');
    expect(api.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'trellis-api' });
    expect(hpa.spec.metrics[0].resource).toMatchObject({ name: 'cpu', target: { type: 'Utilization' } });
    const c = container(api);
    expect(c.env).toContainEqual({ name: 'ROLE', value: 'api' });
    expect(c.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 'http' });
    expect(c.livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 'http' });
    expect(c.ports).toContainEqual(expect.objectContaining({ name: 'http', containerPort: 4000 }));
    expect(c.resources.requests).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
    expect(c.resources.limits.memory).toBeTruthy();
  });

  it('drains: preStop sleep + SHUTDOWN_TIMEOUT_MS fit in terminationGracePeriodSeconds; the worker hands jobs back in its own', () => {
    const shutdownMs = Number(find(base, 'ConfigMap', 'trellis-config').data.SHUTDOWN_TIMEOUT_MS);
    const api = find(base, 'Deployment', 'trellis-api');
    const preStop = container(api).lifecycle.preStop.exec.command as string[];
    expect(preStop[0]).toBe('sleep');
    const sleepS = Number(preStop[1]);
    expect(sleepS).toBeGreaterThan(0);
    expect(podSpec(api).terminationGracePeriodSeconds).toBeGreaterThanOrEqual(sleepS + shutdownMs / 1000 + 1);
    const worker = find(base, 'Deployment', 'trellis-worker');
    expect(podSpec(worker).terminationGracePeriodSeconds).toBeGreaterThanOrEqual(shutdownMs / 1000 + 1);
  });

  it('the Service and the PodDisruptionBudget select the API pods', () => {
    const labels = find(base, 'Deployment', 'trellis-api').spec.template.metadata.labels;
    const service = find(base, 'Service', 'trellis-api');
    expect(labels).toMatchObject(service.spec.selector);
    expect(service.spec.ports[0].targetPort).toBe('http');
    const pdb = find(base, 'PodDisruptionBudget', 'trellis-api');
    expect(labels).toMatchObject(pdb.spec.selector.matchLabels);
    expect(pdb.spec.minAvailable).toBeLessThan(find(base, 'HorizontalPodAutoscaler', 'trellis-api').spec.minReplicas);
    // worker pods are not behind the Service
    expect(find(base, 'Deployment', 'trellis-worker').spec.template.metadata.labels).not.toMatchObject(service.spec.selector);
  });
});

describe('the worker Deployment', () => {
  it('is scaled by KEDA on the job queue (postgresql trigger, credentials from the Secret)', () => {
    const scaled = find(base, 'ScaledObject', 'trellis-worker');
    expect(scaled.spec.scaleTargetRef.name).toBe('trellis-worker');
    expect(container(find(base, 'Deployment', 'trellis-worker')).env).toContainEqual({ name: 'ROLE', value: 'worker' });
    const [trigger] = scaled.spec.triggers;
    expect(trigger.type).toBe('postgresql');
    expect(trigger.metadata.query).toMatch(/FROM training_job/);
    // one job per pod: the target equals TRAINER_CONCURRENCY
    expect(trigger.metadata.targetQueryValue).toBe(find(base, 'ConfigMap', 'trellis-config').data.TRAINER_CONCURRENCY);
    const auth = find(base, 'TriggerAuthentication', trigger.authenticationRef.name);
    expect(auth.spec.secretTargetRef).toContainEqual({ parameter: 'connection', name: 'trellis-secrets', key: 'DATABASE_URL' });
  });
});

describe('pods are locked down', () => {
  it('non-root, read-only root filesystem with emptyDirs for DATA_DIR and /tmp, no capabilities, no token', () => {
    const dataDir = find(base, 'ConfigMap', 'trellis-config').data.DATA_DIR;
    for (const d of deployments(base)) {
      const spec = podSpec(d);
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } });
      expect(spec.automountServiceAccountToken).toBe(false);
      const c = container(d);
      expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      const mounts = Object.fromEntries(c.volumeMounts.map((m: { name: string; mountPath: string }) => [m.mountPath, m.name]));
      for (const dir of [dataDir, '/tmp']) {
        expect(mounts[dir], `${d.metadata.name} mounts ${dir}`).toBeTruthy();
        expect(spec.volumes.find((v: { name: string }) => v.name === mounts[dir]).emptyDir).toBeTruthy();
      }
    }
  });

  it('the image is the one the Dockerfile builds: numeric non-root user 10001', () => {
    const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^USER 10001:10001$/m);
    const version = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    for (const d of deployments(base)) expect(container(d).image).toBe(`trellis:${version}`);
  });
});

describe('the ConfigMap and the Secret hold the configuration table', () => {
  it('every key is a variable the app reads, and the ConfigMap parses for both roles', () => {
    const known = configVariables();
    const data = find(base, 'ConfigMap', 'trellis-config').data as Record<string, string>;
    const secret = find(base, 'Secret', 'trellis-secrets').stringData as Record<string, string>;
    for (const key of [...Object.keys(data), ...Object.keys(secret)]) expect(known, key).toContain(key);
    expect(Object.keys(secret).sort()).toEqual(['ADMIN_API_KEY', 'DATABASE_URL', 'DOWNLOAD_LINK_SECRET']);
    for (const role of ['api', 'worker']) {
      const config = loadConfig({ ...data, ROLE: role, DATABASE_URL: 'postgres://trellis:x@db:5432/trellis' });
      expect(config.role).toBe(role);
      expect(config.dataDir).toBe('/data');
      expect(config.shutdownTimeoutMs).toBe(Number(data.SHUTDOWN_TIMEOUT_MS));
    }
  });

  it("the base Secret's placeholder stops the app with a message naming DATABASE_URL (never an embedded database per pod)", () => {
    const secret = find(base, 'Secret', 'trellis-secrets').stringData as Record<string, string>;
    expect(() => loadConfig({ DATABASE_URL: secret.DATABASE_URL })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_URL: secret.DATABASE_URL })).toThrow(/DATABASE_URL/);
    expect(secret.ADMIN_API_KEY).toBe('');
  });
});
