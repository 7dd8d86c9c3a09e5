/**
 * Renders the kustomizations under deploy/k8s with kubectl (`KUBECTL` overrides the binary; .ci/run
 * installs Debian's kubernetes-client when none is on PATH) and validates each object against its
 * schema: the Kubernetes API models of `kubernetes-models` and KEDA's CRDs of `@kubernetes-models/keda`.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ScaledObject, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../helpers/server.js';

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [key: string]: any };

/**
 * Every kind the manifests may contain: the model that validates it (JSON schema) and the module
 * and interface that type it (for unknown fields, see `unknownFields`). Another kind fails the test.
 */
const KINDS: Record<string, { model: new (data: any) => { validate(): void }; module: string; type: string }> = {
  'v1/ConfigMap': { model: ConfigMap, module: 'kubernetes-models/v1/ConfigMap', type: 'IConfigMap' },
  'v1/Secret': { model: Secret, module: 'kubernetes-models/v1/Secret', type: 'ISecret' },
  'v1/Service': { model: Service, module: 'kubernetes-models/v1/Service', type: 'IService' },
  'v1/Namespace': { model: Namespace, module: 'kubernetes-models/v1/Namespace', type: 'INamespace' },
  'apps/v1/Deployment': { model: Deployment, module: 'kubernetes-models/apps/v1/Deployment', type: 'IDeployment' },
  'apps/v1/StatefulSet': { model: StatefulSet, module: 'kubernetes-models/apps/v1/StatefulSet', type: 'IStatefulSet' },
  'policy/v1/PodDisruptionBudget': { model: PodDisruptionBudget, module: 'kubernetes-models/policy/v1/PodDisruptionBudget', type: 'IPodDisruptionBudget' },
  'autoscaling/v2/HorizontalPodAutoscaler': {
    model: HorizontalPodAutoscaler, module: 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler', type: 'IHorizontalPodAutoscaler',
  },
  'keda.sh/v1alpha1/ScaledObject': { model: ScaledObject, module: '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject', type: 'IScaledObject' },
  'keda.sh/v1alpha1/TriggerAuthentication': {
    model: TriggerAuthentication, module: '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication', type: 'ITriggerAuthentication',
  },
};

function kindOf(object: K8sObject) {
  const kind = KINDS[`${object.apiVersion}/${object.kind}`];
  if (!kind) throw new Error(`no schema for ${object.apiVersion} ${object.kind} (${object.metadata?.name}): add it to KINDS`);
  return kind;
}

export const KUBECTL = process.env.KUBECTL || 'kubectl';

export async function kustomize(dir: string): Promise<K8sObject[]> {
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(KUBECTL, ['kustomize', path.join(REPO_ROOT, dir)], { maxBuffer: 16 * 1024 * 1024 }));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${KUBECTL} not found: install kubectl (Debian: apt-get install kubernetes-client, as .ci/run does) or set KUBECTL`, { cause: error });
    throw error;
  }
  return parseYamlObjects(stdout);
}

export function parseYamlObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length) throw new Error(`YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

/** Throws when the object's kind is unknown here or the object does not match its schema. */
export function validateObject(object: K8sObject): void {
  const { model: Model } = kindOf(object);
  try {
    new Model(normalize(object)).validate();
  } catch (error) {
    throw new Error(`${object.kind}/${object.metadata?.name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/**
 * kustomize v5 folds long base64 values of a Secret's `data` over several lines; the API server
 * decodes them with Go's base64, which skips line breaks, while the schema's "byte" format does not.
 */
function normalize(object: K8sObject): K8sObject {
  if (object.kind !== 'Secret' || !object.data) return object;
  const data = Object.fromEntries(Object.entries(object.data as Record<string, string>).map(([k, v]) => [k, v.replace(/[\r\n]/g, '')]));
  return { ...object, data };
}

/**
 * Fields the API does not know (a misspelt `readinesProbe` passes the JSON schemas, which allow
 * extra properties, and the API server would drop it silently): every object becomes an object
 * literal typed by its model's interface, and TypeScript's excess-property check reports the
 * unknown ones. Returns the compiler's messages, empty when every field is known.
 */
export function unknownFields(objects: K8sObject[]): string[] {
  const file = path.join(REPO_ROOT, 'test/deploy/__rendered-manifests.ts');
  const source = objects
    .map((o, i) => {
      const { module, type } = kindOf(o);
      return `import type { ${type} as T${i} } from '${module}';\nexport const o${i}: T${i} = ${JSON.stringify(o)};\n`;
    })
    .join('');
  const options: ts.CompilerOptions = {
    strict: true, noEmit: true, skipLibCheck: true, types: [],
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022,
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists } = host;
  host.getSourceFile = (name, language, ...rest) => (name === file ? ts.createSourceFile(name, source, language) : getSourceFile(name, language, ...rest));
  host.fileExists = (name) => name === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((d) => {
    const where = d.file && d.start !== undefined ? objects[Number(/o(\d+)/.exec(source.slice(source.lastIndexOf('export const o', d.start)))?.[1])] : undefined;
    return `${where ? `${where.kind}/${where.metadata.name}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}

export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} not rendered (have: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')})`);
  return found;
}
