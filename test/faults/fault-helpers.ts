/** Shared steps of the fault-injection suite: a Trellis process on the owned cluster, figures. */
import { syntheticCsv } from '../fixtures/synthetic.js';
import { gql, gqlUpload, type GraphQLResponse } from '../helpers/graphql-client.js';
import { spawnTrellis, waitFor, type SpawnedTrellis } from '../helpers/server.js';
import { freePort } from './pg-cluster.js';

export type Gql = Record<string, any>;

export function dataOf<T = Gql>(res: GraphQLResponse<T>): T {
  if (res.errors?.length || !res.data) throw new Error(`GraphQL errors: ${JSON.stringify(res.errors)}`);
  return res.data;
}

export interface RunningTrellis extends SpawnedTrellis {
  url: string;
  graphqlUrl: string;
  wsUrl: string;
  alive(): boolean;
}

/** `node dist/src/main.js` against `databaseUrl` on a free port (build first: npm run test:faults does). */
export async function spawnOn(databaseUrl: string, env: Record<string, string> = {}): Promise<RunningTrellis> {
  const port = await freePort();
  const child = spawnTrellis({ DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', JOB_POLL_MS: '200', LOG_LEVEL: 'info', ...env });
  const url = await child.ready;
  if (!url) throw new Error('expected an HTTP server');
  return {
    ...child,
    url,
    graphqlUrl: `${url}/graphql`,
    wsUrl: `${url.replace(/^http/, 'ws')}/graphql`,
    alive: () => child.child.exitCode === null && child.child.signalCode === null,
  };
}

export async function stopProcess(p: SpawnedTrellis | undefined): Promise<void> {
  if (!p) return;
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  await p.exited;
}

export async function uploadSynthetic(graphqlUrl: string, rows = 300, seed = 8): Promise<string> {
  const res = await gqlUpload(graphqlUrl, `mutation($file: Upload!) { uploadDataset(file: $file, autoRetrain: false) { dataset { id } } }`, {}, {
    name: 'facilities.csv', content: syntheticCsv({ rows, seed }),
  });
  return dataOf(res.body).uploadDataset.dataset.id as string;
}

export async function retrain(graphqlUrl: string, input: Record<string, unknown>): Promise<Gql> {
  return dataOf(await gql(graphqlUrl, `mutation($input: RetrainInput) { retrain(input: $input) { id status attempts } }`, { input })).retrain;
}

export async function jobOf(graphqlUrl: string, id: string): Promise<Gql> {
  return dataOf(await gql(graphqlUrl, `query($id: ID!) { trainingJob(id: $id) { id status attempts error workerId startedAt modelVersion } }`, { id })).trainingJob;
}

export async function waitForJob(graphqlUrl: string, id: string, statuses: string[], timeoutMs = 120_000): Promise<Gql> {
  return waitFor(async () => {
    const j = await jobOf(graphqlUrl, id);
    return statuses.includes(j.status as string) ? j : null;
  }, { timeoutMs, intervalMs: 200, what: `job ${id} to reach ${statuses.join('/')}` });
}

export const PROGRESS = `subscription($jobId: ID!) { trainingProgress(jobId: $jobId) { jobId epoch loss } }`;

/** Prints one run's figures in a form the README table is made from. */
export function report(name: string, figures: Record<string, unknown>): void {
  console.log(`[faults] ${name}: ${JSON.stringify(figures)}`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
