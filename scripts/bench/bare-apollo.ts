/**
 * The baseline of bench:predict: a bare Apollo Server 5 (`startStandaloneServer`, a one-field
 * schema, nothing of ours) answering `{ __typename }`. Run as its own process so that its CPU time
 * can be read from /proc like the real server's; forked by scripts/bench-predict.ts, it reports its
 * URL over IPC and stops on SIGTERM.
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

/** Starts the baseline server in a child process (`nodeArgs`: e.g. --cpu-prof). */
export function startBareApollo(nodeArgs: string[] = []): Promise<BareApollo> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(HERE, 'bare-apollo.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: nodeArgs });
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

async function serve(): Promise<void> {
  // Stopped by the bench with SIGTERM: exit normally, so that a --cpu-prof profile is written.
  process.once('SIGTERM', () => process.exit(0));
  const server = new ApolloServer({ typeDefs: 'type Query { hello: String }', resolvers: { Query: { hello: () => 'world' } } });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  process.send?.({ url });
}

if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  serve().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
