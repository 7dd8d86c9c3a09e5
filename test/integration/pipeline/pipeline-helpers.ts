/** Shared GraphQL documents and small steps of the pipeline tests. */
import pg from 'pg';
import { expect } from 'vitest';
import { gql, gqlUpload, type GraphQLResponse } from '../../helpers/graphql-client.js';
import { waitFor } from '../../helpers/server.js';

export const UPLOAD = `mutation Upload($file: Upload!, $name: String, $autoRetrain: Boolean) {
  uploadDataset(file: $file, name: $name, autoRetrain: $autoRetrain) {
    acceptedCount rejectedCount duplicatesCollapsed
    rejectedRows { line column reason }
    dataset { id name rowCount labeledCount rejectedCount checksum
      stats { rows labeledRows unlabeledRows labelDistribution { label count } missingRates { column missingRate }
              careSystemCounts { name count } topServices { name count } ratingHistogram { from to count } points(limit: 50) { latitude longitude label } } }
    trainingJob { id status datasetIds hyperparameters { epochs seed } }
    trainingSkippedReason
  }
}`;

export const RETRAIN = `mutation Retrain($input: RetrainInput) {
  retrain(input: $input) { id status attempts datasetIds hyperparameters { epochs patience seed learningRate } }
}`;

export const JOB = `query Job($id: ID!) {
  trainingJob(id: $id) { id status attempts maxAttempts error cancelRequested workerId startedAt finishedAt
    epochs { epoch loss accuracy valLoss }
    model { version status gateDecision { promoted reason comparedToVersion candidateMacroF1 activeMacroF1 tolerance } metrics { macroF1 confusionMatrix testRows unseenLocationMacroF1 unseenLocationRows } } }
}`;

export const PROGRESS = `subscription Progress($jobId: ID!) { trainingProgress(jobId: $jobId) { jobId epoch loss accuracy valLoss learningRate durationMs } }`;

export const ACTIVE = `query { activeModel { version status source } }`;

export type Gql = Record<string, any>;

export function dataOf<T = Gql>(res: GraphQLResponse<T>): T {
  if (res.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(res.errors)}`);
  expect(res.data).toBeTruthy();
  return res.data as T;
}

export async function upload(graphqlUrl: string, csv: string | Buffer, vars: Record<string, unknown> = {}, fileName = 'facilities.csv') {
  return gqlUpload(graphqlUrl, UPLOAD, vars, { name: fileName, content: csv });
}

export async function retrain(graphqlUrl: string, input: Record<string, unknown>): Promise<Gql> {
  return dataOf(await gql(graphqlUrl, RETRAIN, { input })).retrain;
}

export async function job(graphqlUrl: string, id: string): Promise<Gql> {
  return dataOf(await gql(graphqlUrl, JOB, { id })).trainingJob;
}

export async function waitForJob(graphqlUrl: string, id: string, statuses: string[], timeoutMs = 60_000): Promise<Gql> {
  return waitFor(
    async () => {
      const j = await job(graphqlUrl, id);
      return statuses.includes(j.status) ? j : null;
    },
    { timeoutMs, intervalMs: 100, what: `job ${id} to reach ${statuses.join('/')}` },
  );
}

/** A direct SQL connection to a test database (for counting rows and forcing states). */
export async function sql(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

/** Fast training settings for tests. */
export const FAST = { epochs: 6, patience: 50, batchSize: 32, hiddenUnits: [16] };
