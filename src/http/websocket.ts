/**
 * graphql-ws on /graphql, held to the same rules as HTTP:
 *
 * - the upgrade's `Origin` must be this server's own or one of CORS_ORIGINS (403 otherwise), so a
 *   web page elsewhere cannot use a browser's network position; clients without an Origin
 *   (Node, curl, servers) are not browsers and pass;
 * - `connectionParams.authorization = "Bearer <key>"` is checked in `onConnect`: an unknown or
 *   revoked key, or none without ANONYMOUS_ROLE, closes the socket with 4401;
 * - every operation passes the OperationGuard (role, rate limit, cost) after the same token limit
 *   and validation rules as HTTP; at most WS_MAX_OPERATIONS run at once per connection;
 * - messages are bounded by MAX_REQUEST_BYTES (`maxPayload`: larger frames close the socket, 1009);
 * - errors are masked like HTTP's (`formatError`);
 * - when a key is revoked, its open connections are closed (4401) on every replica.
 */
import type http from 'node:http';
import {
  GraphQLError, NoSchemaIntrospectionCustomRule, specifiedRules, validate, type ExecutionArgs, type GraphQLFormattedError, type GraphQLSchema, type ValidationRule,
} from 'graphql';
import { CloseCode, type Context, type SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiKeyService } from '../auth/api-keys.js';
import { principalFor, type Principal } from '../auth/principal.js';
import type { AccessRole } from '../auth/roles.js';
import { TrellisError } from '../errors.js';
import type { GraphQLContext } from '../graphql/context.js';
import { limitRules, operationOf, parseLimited, type DocumentLimits } from '../graphql/limits.js';
import type { OperationGuard } from '../graphql/operation-guard.js';
import type { Logger } from '../logger.js';
import { originAllowed } from './cors.js';

export interface WebSocketOptions {
  server: http.Server;
  schema: GraphQLSchema;
  logger: Logger;
  keys: ApiKeyService;
  anonymousRole: AccessRole | null;
  corsOrigins: readonly string[];
  limits: DocumentLimits;
  introspection: boolean;
  guard: OperationGuard;
  formatError: (error: GraphQLError) => GraphQLFormattedError;
  /** told of each operation started (outcome `ok`) or refused before it ran (its error code), e.g. for metrics */
  countOperation?: (operationType: string, outcome: string) => void;
}

/** A parse or validation error with the code Apollo gives the same error over HTTP. */
function requestError(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { ...error.extensions, code } });
}

type Extra = {
  socket: WebSocket;
  request: http.IncomingMessage;
  principal?: Principal;
};

export function startWebSocketServer(options: WebSocketOptions): { server: WebSocketServer; dispose: () => Promise<void> } {
  const { schema, logger, keys, limits, guard } = options;
  const wsServer = new WebSocketServer({
    server: options.server,
    path: '/graphql',
    maxPayload: limits.maxRequestBytes,
    verifyClient: ({ origin, req }, done) => {
      if (originAllowed(origin, req.headers.host, options.corsOrigins)) return done(true);
      logger.warn({ origin }, 'WebSocket upgrade from a foreign origin refused');
      done(false, 403, 'Origin not allowed');
    },
  });
  const rules: ValidationRule[] = [...specifiedRules, ...limitRules(limits), ...(options.introspection ? [] : [NoSchemaIntrospectionCustomRule])];
  const open = new Map<WebSocket, Principal>();

  const stopFollowingKeys = keys.onChange(() => {
    for (const [socket, principal] of open) {
      if (principal.key && !keys.isActive(principal.key.id)) socket.close(CloseCode.Unauthorized, 'API key revoked');
    }
  });

  const masked = (errors: readonly GraphQLError[]) => errors.map((e) => options.formatError(e));

  /** Parse, limits, validation and the guard (role, rate, cost): the execution args, or the errors that refuse it. */
  const prepare = async (ctx: Context<Record<string, unknown>, Extra>, payload: SubscribePayload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
    const principal = ctx.extra.principal as Principal;
    const requestId = `ws-${Math.random().toString(36).slice(2, 10)}`;
    const context: GraphQLContext = {
      requestId, logger: logger.child({ requestId, transport: 'ws' }), auth: principal, transport: 'ws', remoteAddress: ctx.extra.request.socket.remoteAddress,
    };
    try {
      if (Object.keys(ctx.subscriptions).length > limits.wsMaxOperations) {
        throw new TrellisError(`at most ${limits.wsMaxOperations} operations may run at once on one connection (WS_MAX_OPERATIONS)`, 'QUERY_TOO_COMPLEX', { limit: 'wsOperations', max: limits.wsMaxOperations });
      }
      let document;
      try {
        document = parseLimited(payload.query, limits);
      } catch (error) {
        if (error instanceof GraphQLError && !error.extensions.code) return [requestError(error, 'GRAPHQL_PARSE_FAILED')];
        throw error;
      }
      const errors = validate(schema, document, rules);
      if (errors.length > 0) return errors.map((e) => (e instanceof TrellisError ? e : requestError(e, 'GRAPHQL_VALIDATION_FAILED')));
      await guard.check({ document, operationName: payload.operationName, variables: payload.variables ?? undefined, context });
      const args: ExecutionArgs = { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue: context };
      return args;
    } catch (error) {
      return [error instanceof GraphQLError ? error : new GraphQLError('Internal server error', { originalError: error as Error })];
    }
  };

  /** Counts an operation as it starts (its type from the parsed document), or as it is refused with its error code. */
  const counted = (result: ExecutionArgs | readonly GraphQLError[]) => {
    if (!options.countOperation) return result;
    if (Array.isArray(result)) {
      const code = (result as readonly GraphQLError[])[0]?.extensions?.code;
      options.countOperation('unknown', typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR');
    } else {
      const args = result as ExecutionArgs;
      options.countOperation(operationOf(args.document, args.operationName)?.operation ?? 'unknown', 'ok');
    }
    return result;
  };

  const cleanup = useServer<Record<string, unknown>, Extra>(
    {
      schema,
      onConnect: (ctx) => {
        const { socket } = ctx.extra;
        try {
          const principal = principalFor(ctx.connectionParams?.authorization, keys, options.anonymousRole);
          if (principal.role === null) throw new TrellisError('an API key is required: connectionParams.authorization = "Bearer <key>"', 'UNAUTHENTICATED');
          ctx.extra.principal = principal;
          open.set(socket, principal);
          socket.once('close', () => open.delete(socket));
          return true;
        } catch (error) {
          socket.close(CloseCode.Unauthorized, (error as Error).message.slice(0, 120));
          return false;
        }
      },
      onSubscribe: async (ctx: Context<Record<string, unknown>, Extra>, _id, payload) => counted(await prepare(ctx, payload)),
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!result.errors?.length) return undefined;
        return { ...result, errors: masked(result.errors) } as unknown as typeof result;
      },
      onError: (_ctx, _id, _payload, errors) => masked(errors) as unknown as typeof errors,
    },
    wsServer,
  );

  return {
    server: wsServer,
    async dispose() {
      stopFollowingKeys();
      await cleanup.dispose();
    },
  };
}
