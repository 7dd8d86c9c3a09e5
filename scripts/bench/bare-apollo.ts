/**
 * The baselines of bench:predict: a bare Apollo Server 5 (`startStandaloneServer`, nothing of
 * ours) with a one-field schema answering `{ __typename }`, or (`predictShaped`) with Trellis's
 * predict signature — FacilityInput in, Prediction out — answering every call with a constant:
 * what GraphQL itself costs for a predict request (input coercion, 11 fields completed), without
 * Express, access control, type-graphql or the model. Run as its own process so that its CPU time
 * can be read from /proc like the real server's; it reports its URL over IPC and stops on SIGTERM.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export interface BareApollo {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a baseline server in a child process (`nodeArgs`: e.g. --cpu-prof). */
export function startBareApollo(nodeArgs: string[] = [], schema: 'typename' | 'predictShaped' = 'typename'): Promise<BareApollo> {
  return new Promise((resolve, reject) => {
    // As deployed (the Dockerfile sets NODE_ENV=production), like the real server in the bench.
    const child = fork(path.join(HERE, 'bare-apollo.js'), [schema], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: nodeArgs, env: { ...process.env, NODE_ENV: 'production' } });
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.once('exit', (code) => reject(new Error(`the bare Apollo server exited (${code}) before it listened`)));
    child.once('message', (msg: { url: string }) => {
      resolve({
        url: msg.url.replace(/\/$/, ''),
        child,
        async stop() {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}

/** Trellis's predict signature (schema/schema.graphql), trimmed to what the bench's PREDICT document asks for. */
const PREDICT_SHAPED = `
  enum CareSystem { GOVT PFP PNFP }
  enum RatingClass { LOW MEDIUM HIGH }
  input FacilityInput { facilityName: String, services: String!, latitude: Float, longitude: Float, operatingHours: String, website: String, phoneNumber: String, careSystem: CareSystem!, subcounty: String! }
  type ClassProbability { label: RatingClass!, probability: Float! }
  type Prediction { label: RatingClass!, confidence: Float!, modelVersion: Int!, probabilities: [ClassProbability!]! }
  type Query { predict(input: FacilityInput!, modelVersion: Int): Prediction! }
`;
const ANSWER = {
  label: 'HIGH', confidence: 0.9, modelVersion: 1,
  probabilities: [{ label: 'LOW', probability: 0.05 }, { label: 'MEDIUM', probability: 0.05 }, { label: 'HIGH', probability: 0.9 }],
};

async function serve(schema: string | undefined): Promise<void> {
  // Stopped by the bench with SIGTERM: exit normally, so that a --cpu-prof profile is written.
  process.once('SIGTERM', () => process.exit(0));
  const server = schema === 'predictShaped'
    ? new ApolloServer({ typeDefs: PREDICT_SHAPED, resolvers: { Query: { predict: () => ANSWER } } })
    : new ApolloServer({ typeDefs: 'type Query { hello: String }', resolvers: { Query: { hello: () => 'world' } } });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  process.send?.({ url });
}

if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  serve(process.argv[2]).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
