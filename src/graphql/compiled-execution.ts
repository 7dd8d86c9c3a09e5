/**
 * Execution of HTTP operations compiled per document with graphql-jit, behind Apollo Server.
 *
 * graphql-js interprets a document anew for every request: for `predict` (a 9-field input object
 * coerced, 11 fields completed through type-graphql's resolvers) that is ≈ 25 µs of a ≈ 170 µs
 * request on the 2-core machine; the same document compiled to a JS function runs in ≈ 5 µs
 * (docs/performance.md). Parsing, validation, the document limits, access control and every
 * plugin stay Apollo's and graphql-js's: only the execute step changes.
 *
 * Apollo Server's one hook for its execute step is the gateway interface (`load()` returns the
 * schema and an executor), which is what this module implements, for our own schema.
 *
 * - A document is compiled on its `compileAfter`-th execution (default 2nd): a stream of one-off
 *   documents (an attacker's, or rare ad-hoc queries) never pays for compiling, and executes with
 *   graphql-js as before. Apollo's document store hands back the same DocumentNode for the same
 *   query text, so the compiled function is found again by identity (a WeakMap: dropped together
 *   with the document when Apollo's LRU evicts it).
 * - Variables that do not coerce: the operation is run again by graphql-js, so a client sees
 *   exactly graphql-js's errors (messages, locations, and Apollo's BAD_USER_INPUT / HTTP 400 for
 *   them). Neither engine runs a resolver when coercion fails, so nothing runs twice.
 * - A document graphql-jit cannot compile, and subscriptions (served over WebSocket by graphql-ws
 *   with graphql-js), execute with graphql-js.
 */
import type { GatewayExecutor, GatewayInterface, GatewaySchemaLoadOrUpdateCallback } from '@apollo/server-gateway-interface';
import { execute, printSchema, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';

type CompiledRun = (root: unknown, context: unknown, variables: Record<string, unknown> | null | undefined) => ExecutionResult | Promise<ExecutionResult>;

/** Per document and operation name: executions so far, then the compiled function (or null: graphql-js it is). */
interface DocumentState {
  seen: number;
  run: CompiledRun | null | undefined;
}

export interface CompiledExecutionOptions {
  /** compile a document on this execution (1: at once); earlier ones run on graphql-js */
  compileAfter?: number;
}

export interface CompiledExecutionStats {
  compiled: number;
  compiledRuns: number;
  interpretedRuns: number;
}

export class CompiledExecution {
  private readonly documents = new WeakMap<DocumentNode, Map<string, DocumentState>>();
  private readonly compileAfter: number;
  private readonly counters: CompiledExecutionStats = { compiled: 0, compiledRuns: 0, interpretedRuns: 0 };

  constructor(
    private readonly schema: GraphQLSchema,
    options: CompiledExecutionOptions = {},
  ) {
    this.compileAfter = Math.max(1, options.compileAfter ?? 2);
  }

  /** Runs one operation of `document` (already parsed and validated against the schema). */
  async execute(document: DocumentNode, operationName: string | null | undefined, contextValue: unknown, variableValues: Record<string, unknown> | undefined): Promise<ExecutionResult> {
    const run = this.compiledFor(document, operationName);
    if (run) {
      const result = await run(undefined, contextValue, variableValues);
      // `errors` without `data`: the variables did not coerce (no resolver ran); let graphql-js word it.
      if (!(result.errors !== undefined && result.data === undefined)) {
        this.counters.compiledRuns++;
        return result;
      }
    }
    this.counters.interpretedRuns++;
    return execute({ schema: this.schema, document, operationName, contextValue, variableValues });
  }

  stats(): CompiledExecutionStats {
    return { ...this.counters };
  }

  private compiledFor(document: DocumentNode, operationName: string | null | undefined): CompiledRun | null {
    let byName = this.documents.get(document);
    if (!byName) this.documents.set(document, (byName = new Map()));
    const key = operationName ?? '';
    let state = byName.get(key);
    if (!state) byName.set(key, (state = { seen: 0, run: undefined }));
    if (state.run !== undefined) return state.run;
    if (++state.seen < this.compileAfter) return null;
    state.run = this.compile(document, operationName);
    return state.run;
  }

  private compile(document: DocumentNode, operationName: string | null | undefined): CompiledRun | null {
    const operation = document.definitions.find(
      (d) => d.kind === 'OperationDefinition' && (operationName ? d.name?.value === operationName : true),
    );
    if (!operation || (operation.kind === 'OperationDefinition' && operation.operation === 'subscription')) return null;
    const compiled = compileQuery(this.schema, document, operationName ?? undefined);
    if (!isCompiledQuery(compiled)) return null;
    this.counters.compiled++;
    return compiled.query as CompiledRun;
  }
}

/**
 * The gateway Apollo Server is given instead of `schema`: it serves our own schema and executes
 * with `execution`.
 */
export function compiledExecutionGateway(schema: GraphQLSchema, execution: CompiledExecution): GatewayInterface {
  const listeners = new Set<GatewaySchemaLoadOrUpdateCallback>();
  const executor: GatewayExecutor = (request) =>
    execution.execute(request.document, request.operationName, request.context, request.request.variables);
  return {
    onSchemaLoadOrUpdate(callback) {
      listeners.add(callback);
      return () => listeners.delete(callback);
    },
    async load() {
      const coreSupergraphSdl = printSchema(schema);
      for (const listener of listeners) listener({ apiSchema: schema, coreSupergraphSdl });
      return { executor };
    },
    async stop() {
      listeners.clear();
    },
  };
}
