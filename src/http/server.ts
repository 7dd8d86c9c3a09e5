/**
 * The one HTTP server: Apollo Server 5 at /graphql (with multipart uploads), graphql-ws on the
 * same path, /healthz, /readyz, and the web UI at /. Knows nothing of training or models beyond
 * the callbacks it is given.
 */
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ApolloServer, type ApolloServerPlugin, type GraphQLRequestListener } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { graphqlUploadExpress } from 'graphql-upload-minimal';
import type { ApiKeyService } from '../auth/api-keys.js';
import type { AccessRole } from '../auth/roles.js';
import type { Logger } from '../logger.js';
import type { GraphQLContext } from '../graphql/context.js';
import { limitRules, parseOptions, tokenLimitError, type DocumentLimits } from '../graphql/limits.js';
import type { OperationGuard } from '../graphql/operation-guard.js';
import { CompiledExecution, compiledExecutionPlugin } from '../graphql/compiled-execution.js';
import { createAppServer } from './app-server.js';
import { authenticate, principalOf } from './authenticate.js';
import { graphqlHandler } from './graphql-handler.js';
import { PLACEHOLDER_PAGE } from './placeholder-page.js';
import { cors } from './cors.js';
import { lazyRequestLogger, requestId } from './request-id.js';
import { securityHeaders } from './security-headers.js';
import { startWebSocketServer } from './websocket.js';

export interface Readiness {
  database: boolean;
  model: { loaded: boolean; version: number | null; activeVersion?: number | null; loadError?: string | null };
  /** why no model can be served (null when one is) */
  reason: string | null;
  /** the LISTEN connection: up or not, and how many times it was re-established */
  notify?: { listening: boolean; reconnects: number };
}

export interface HttpServerOptions {
  schema: GraphQLSchema;
  logger: Logger;
  port: number;
  host: string;
  webDir: string;
  upload: { maxBytes: number };
  readiness: () => Promise<Readiness>;
  /** Origins allowed to call cross-origin (CORS). */
  corsOrigins?: readonly string[];
  /** Extra routes (e.g. scored-CSV downloads), mounted before the web UI. */
  routes?: Router[];
  plugins?: ApolloServerPlugin<GraphQLContext>[];
  auth: { keys: ApiKeyService; anonymousRole: AccessRole | null };
  limits: DocumentLimits;
  /** role, rate limit and cost, before each operation runs (HTTP and WebSocket) */
  guard: OperationGuard;
  introspection: boolean;
  /** Apollo's landing page at GET /graphql (off in production) */
  landingPage: boolean;
  /** "Did you mean …?" in validation errors */
  fieldSuggestions: boolean;
  /** HTTP queries: compile a document on its n-th execution (src/graphql/compiled-execution.ts); 0 = graphql-js only */
  compileAfter: number;
  /** told of each WebSocket operation (HTTP ones are counted by an Apollo plugin), e.g. for metrics */
  countWebSocketOperation?: (operationType: string, outcome: string) => void;
}

export interface RunningHttpServer {
  url: string;
  port: number;
  app: Express;
  server: http.Server;
  /** compiled execution of HTTP queries (null when GRAPHQL_COMPILE_AFTER=0) */
  compiledExecution: CompiledExecution | null;
  /** Stops accepting, lets in-flight requests finish, closes WebSockets. */
  close(): Promise<void>;
}

export class PortInUseError extends Error {
  constructor(public readonly port: number, host: string) {
    super(`port ${port} on ${host} is already in use; set PORT to a free port`);
    this.name = 'PortInUseError';
  }
}

export interface FormatOptions {
  /** keep graphql-js's "Did you mean …?" hints (they reveal field names when introspection is off) */
  fieldSuggestions: boolean;
  limits?: DocumentLimits;
}

const SUGGESTION = / ?Did you mean [^?]*\?/g;

/**
 * Masks unexpected errors: clients see a code and a message, never a stack or SQL. Used for HTTP
 * (Apollo's formatError) and WebSocket alike. Refusals by a document limit carry QUERY_TOO_COMPLEX.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown, logger: Logger, options: FormatOptions = { fieldSuggestions: true }): GraphQLFormattedError {
  const original = error instanceof GraphQLError ? error.originalError : undefined;
  if (original instanceof GraphQLError && original.extensions.code === 'QUERY_TOO_COMPLEX') return publicError({ ...formatted, message: original.message, extensions: original.extensions });
  const tooManyTokens = options.limits ? tokenLimitError(original ?? error, options.limits) : null;
  if (tooManyTokens) return publicError({ message: tooManyTokens.message, extensions: tooManyTokens.extensions });
  const code = formatted.extensions?.code;
  const known = typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR';
  if (known) {
    const message = options.fieldSuggestions ? formatted.message : formatted.message.replace(SUGGESTION, '');
    return publicError({ ...formatted, message });
  }
  logger.error({ err: original ?? error, path: formatted.path }, 'unexpected GraphQL error');
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}

/** Without the stack trace and the HTTP status hint (Apollo reads that before formatting). */
function publicError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const { stacktrace: _stack, http: _http, ...extensions } = formatted.extensions ?? {};
  return { ...formatted, extensions };
}

/** Body-parser failures (too large, not JSON) as GraphQL-shaped answers instead of Express's HTML page. */
function bodyErrors(maxBytes: number) {
  return (error: unknown, _req: Request, res: Response, next: NextFunction): void => {
    const type = (error as { type?: string } | null)?.type;
    if (type === 'entity.too.large') {
      res.status(413).json({ errors: [{ message: `the request body is larger than ${maxBytes} bytes (MAX_REQUEST_BYTES)`, extensions: { code: 'PAYLOAD_TOO_LARGE', limit: maxBytes } }] });
    } else if (type === 'entity.parse.failed' || type === 'encoding.unsupported' || type === 'charset.unsupported') {
      res.status(400).json({ errors: [{ message: `the request body is not valid JSON: ${(error as Error).message}`, extensions: { code: 'BAD_REQUEST' } }] });
    } else {
      next(error);
    }
  };
}

/**
 * The upload middleware only for requests that say they are multipart: it asks type-is about every
 * request otherwise, and a JSON `predict` has no use for that. The middleware still makes the
 * exact check (`req.is('multipart/form-data')`); this only skips it when the header cannot match.
 */
function onlyMultipart(upload: (req: Request, res: Response, next: NextFunction) => void) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const type = req.headers['content-type'];
    if (type === undefined || !/multipart/i.test(type)) next();
    else upload(req, res, next);
  };
}

/**
 * The context of one HTTP operation. The request id and the tagged logger are read from the
 * request when a resolver asks (most never do), so building it allocates one small object.
 */
class HttpContext implements GraphQLContext {
  readonly transport = 'http';

  constructor(
    private readonly req: Request,
    readonly auth: GraphQLContext['auth'],
  ) {}

  get requestId(): string {
    return this.req.id;
  }

  get logger(): Logger {
    return this.req.log;
  }

  get remoteAddress(): string | undefined {
    return this.req.socket.remoteAddress;
  }
}

/** Role, rate limit and cost of each operation once it is parsed and validated (one listener object for all requests). */
function guardPlugin(guard: OperationGuard): ApolloServerPlugin<GraphQLContext> {
  const listener: GraphQLRequestListener<GraphQLContext> = {
    async didResolveOperation({ document, operationName, request, contextValue }) {
      await guard.check({ document, operationName, variables: request.variables, context: contextValue });
    },
  };
  return {
    async requestDidStart() {
      return listener;
    },
  };
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port, host) : error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** Fails fast, before the database starts, when the port is taken. */
export async function assertPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  const probe = http.createServer();
  await listen(probe, port, host);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const { schema, logger } = options;
  const app = express();
  app.disable('x-powered-by');
  const server = createAppServer(app);
  lazyRequestLogger(app, logger);
  // Keep-alive sockets must not outlive shutdown; load generators reuse them heavily.
  server.keepAliveTimeout = 5_000;

  const formatOptions: FormatOptions = { fieldSuggestions: options.fieldSuggestions, limits: options.limits };
  const ws = startWebSocketServer({
    server, schema, logger, keys: options.auth.keys, anonymousRole: options.auth.anonymousRole, corsOrigins: options.corsOrigins ?? [],
    limits: options.limits, introspection: options.introspection, guard: options.guard,
    formatError: (error) => formatError(error.toJSON(), error, logger, formatOptions),
    countOperation: options.countWebSocketOperation,
  });
  const wsServer = ws.server;

  const compiledExecution = options.compileAfter > 0 ? new CompiledExecution(schema, { compileAfter: options.compileAfter }) : null;
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    csrfPrevention: true,
    // Shutdown is ours (main.ts): Apollo must not exit the process on SIGTERM by itself.
    stopOnTerminationSignals: false,
    introspection: options.introspection,
    includeStacktraceInErrorResponses: false,
    parseOptions: parseOptions(options.limits),
    validationRules: limitRules(options.limits),
    formatError: (formatted, error) => formatError(formatted, error, logger, formatOptions),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: server }),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await ws.dispose();
            },
          };
        },
      },
      ...(options.landingPage ? [] : [ApolloServerPluginLandingPageDisabled()]),
      guardPlugin(options.guard),
      ...(compiledExecution ? [compiledExecutionPlugin<GraphQLContext>(compiledExecution)] : []),
      ...(options.plugins ?? []),
    ],
  });
  await apollo.start();

  // What every answer gets, in one router layer (Express's router costs ≈ 1 µs a layer): the
  // request id, the security headers, CORS (which answers preflights itself).
  const tagRequest = requestId(logger);
  const secure = securityHeaders();
  const crossOrigin = cors(options.corsOrigins ?? []);
  app.use((req, res, next) => {
    tagRequest(req, res);
    secure(req, res);
    if (!crossOrigin(req, res)) next();
  });
  // /graphql first (the hot path), as one route: its handlers run in a row, without the router
  // matching the path and trimming it from the URL again before each of them.
  app.route('/graphql').all(
    authenticate(options.auth.keys, options.auth.anonymousRole),
    // The multipart `operations` field is held to the same limit as a JSON body.
    onlyMultipart(graphqlUploadExpress({ maxFileSize: options.upload.maxBytes, maxFiles: 1, maxFieldSize: options.limits.maxRequestBytes })),
    express.json({ limit: options.limits.maxRequestBytes }),
    bodyErrors(options.limits.maxRequestBytes),
    graphqlHandler(apollo, (req) => new HttpContext(req, principalOf(req))),
  );
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
  });
  // Ready = predictions can be answered, i.e. a model is loaded. A database outage alone does not
  // make the process unready (predictions are served from memory; taking every replica out of
  // rotation would turn a database blip into a full outage): it reports `degraded` instead.
  app.get('/readyz', async (_req, res) => {
    const readiness: Readiness = await options
      .readiness()
      .catch((error: unknown) => ({ database: false, model: { loaded: false, version: null }, reason: `readiness check failed: ${String(error)}` }));
    const ready = readiness.model.loaded;
    const status = !ready ? 'unavailable' : readiness.database ? 'ready' : 'degraded';
    res.status(ready ? 200 : 503).json({ status, ...readiness });
  });
  for (const router of options.routes ?? []) app.use(router);

  const indexHtml = path.join(options.webDir, 'index.html');
  if (existsSync(indexHtml)) {
    app.use(express.static(options.webDir, { index: 'index.html', maxAge: '1h' }));
    // Client-side routes of the SPA fall back to its index page.
    app.get(/^\/(?!graphql|healthz|readyz).*/, (_req, res) => res.sendFile(indexHtml));
  } else {
    app.get('/', (_req, res) => res.type('html').send(PLACEHOLDER_PAGE));
  }

  await listen(server, options.port, options.host);
  const port = (server.address() as AddressInfo).port;
  const shownHost = options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;
  const url = `http://${shownHost}:${port}`;

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    app,
    server,
    compiledExecution,
    close() {
      closing ??= (async () => {
        for (const client of wsServer.clients) client.close(1001, 'server shutting down');
        await apollo.stop();
        await new Promise<void>((resolve) => wsServer.close(() => resolve()));
      })();
      return closing;
    },
  };
}
