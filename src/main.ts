/** Entry point of `npm start`: one process in the ROLE given by the environment. */
import 'reflect-metadata';
import { signInLink, startApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { DatabaseUnreachableError } from './db/data-source.js';
import { EmbeddedPostgresError } from './db/postgres-cluster.js';
import { PortInUseError } from './http/server.js';
import { createLogger } from './logger.js';

function fail(message: string): never {
  process.stderr.write(`trellis: ${message}\n`);
  process.exit(1);
}

let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}

const logger = createLogger(config.logLevel);
let app;
try {
  app = await startApp(config, logger);
} catch (error) {
  if (error instanceof DatabaseUnreachableError || error instanceof PortInUseError || error instanceof EmbeddedPostgresError) fail(error.message);
  logger.fatal({ err: error }, 'startup failed');
  fail(error instanceof Error ? error.message : String(error));
}

if (app.url) {
  logger.info({ url: app.url, role: config.role }, 'Trellis is listening');
  process.stdout.write(`Trellis ${config.role} ready at ${app.url} (GraphQL: ${app.url}/graphql)\n`);
  if (app.generatedAdminKey) {
    // Shown this once (and kept in DATA_DIR/admin.key, mode 0600): the database stores only its hash.
    process.stdout.write(
      `\nFirst start: an ADMIN API key was created (shown once; also in ${app.generatedAdminKey.file}):\n  ${app.generatedAdminKey.key}\n` +
        `Sign in to the web UI: ${signInLink(app.url, app.generatedAdminKey.key)}\n` +
        `API: curl -H 'Authorization: Bearer ${app.generatedAdminKey.key}' ${app.url}/graphql …\n\n`,
    );
  }
} else {
  logger.info({ role: config.role }, 'Trellis worker started');
}

let shuttingDown = false;
const shutdown = (signal: NodeJS.Signals) => {
  if (shuttingDown) return;
  shuttingDown = true;
  logger.info({ signal }, 'shutting down');
  const timer = setTimeout(() => {
    logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown took too long; exiting');
    process.exit(1);
  }, config.shutdownTimeoutMs);
  timer.unref();
  app
    .stop()
    .then(() => {
      logger.info('stopped');
      process.exit(0);
    })
    .catch((error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    });
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
