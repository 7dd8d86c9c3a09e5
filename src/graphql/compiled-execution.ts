/**
 * Queries over HTTP execute compiled per document (graphql-jit), through Apollo Server's
 * `responseForOperation` plugin hook: the hook Apollo documents for answering an operation
 * instead of its execute step (response caches use it).
 *
 * graphql-js interprets a document anew for every request: for `predict` (a 9-field input object
 * coerced, 11 fields completed through type-graphql's resolvers) that is ≈ 20 µs of a request; the
 * same document compiled to a JS function runs in ≈ 5 µs (docs/performance.md). Parsing,
 * validation, the document limits, access control, the rate limit and every plugin stay Apollo's
 * and graphql-js's; only the execute step of a successful query changes.
 *
 * - Only queries. Mutations and subscriptions always execute with graphql-js.
 * - A document is compiled on its `compileAfter`-th execution (default 2nd), and at most
 *   `maxCompilesPerMinute` documents are compiled a minute: a stream of one-off documents (ad-hoc
 *   queries, or an attacker's) never pays for compiling, and runs on graphql-js as before.
 *   Apollo's document store hands back the same DocumentNode for the same query text, so the
 *   compiled function is found again by identity (a WeakMap: dropped with the document when
 *   Apollo's LRU evicts it).
 * - Errors are graphql-js's, exactly: when a compiled run's result has any error (variables that
 *   do not coerce, a resolver that throws), the hook declines and Apollo executes the operation
 *   with graphql-js, which words, formats and counts the errors as for any other request. The
 *   resolvers of such a query run twice; queries only read, and the second run's answer is the
 *   one sent (what they count runs twice too: a failing `predict`'s latency, and the predictions
 *   of a document that has a failing field beside good ones, are counted twice in /metrics).
 * - Apollo's `executionDidStart` / `willResolveField` hooks do not run for a compiled query. No
 *   plugin of ours uses them (cache control and inline traces are disabled in app.ts).
 */
import type { ApolloServerPlugin, BaseContext, GraphQLRequestListener, GraphQLResponse } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import type { DocumentNode, ExecutionResult, GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import { operationOf } from './limits.js';

type CompiledRun = (root: unknown, context: unknown, variables: Record<string, unknown> | null | undefined) => ExecutionResult | Promise<ExecutionResult>;

/** Per document and operation name: executions so far, then the compiled function (or null: graphql-js it is). */
interface DocumentState {
  seen: number;
  run: CompiledRun | null | undefined;
}

export interface CompiledExecutionOptions {
  /** compile a document on this execution (1: at once); earlier ones run on graphql-js */
  compileAfter?: number;
  /** documents compiled in any one minute, at most; the rest run on graphql-js until the next minute */
  maxCompilesPerMinute?: number;
  /** the clock, ms (tests) */
  now?: () => number;
}

export interface CompiledExecutionStats {
  compiled: number;
  /** queries answered by a compiled function */
  compiledRuns: number;
  /** compiled runs with an error, handed back to graphql-js */
  declined: number;
}

export class CompiledExecution {
  private readonly documents = new WeakMap<DocumentNode, Map<string, DocumentState>>();
  private readonly compileAfter: number;
  private readonly maxCompilesPerMinute: number;
  private readonly now: () => number;
  private minute = { start: -Infinity, compiles: 0 };
  private readonly counters: CompiledExecutionStats = { compiled: 0, compiledRuns: 0, declined: 0 };

  constructor(
    private readonly schema: GraphQLSchema,
    options: CompiledExecutionOptions = {},
  ) {
    this.compileAfter = Math.max(1, options.compileAfter ?? 2);
    this.maxCompilesPerMinute = options.maxCompilesPerMinute ?? 100;
    this.now = options.now ?? Date.now;
  }

  /**
   * The result of one query of `document` (parsed and validated against the schema) from its
   * compiled function; null when graphql-js must answer: not a query, not compiled (yet), or the
   * compiled run found an error.
   */
  async execute(document: DocumentNode, operationName: string | null | undefined, contextValue: unknown, variableValues: Record<string, unknown> | undefined): Promise<ExecutionResult | null> {
    const run = this.compiledFor(document, operationName);
    if (!run) return null;
    const result = await run(undefined, contextValue, variableValues);
    if (result.errors !== undefined && result.errors.length > 0) {
      this.counters.declined++;
      return null;
    }
    this.counters.compiledRuns++;
    return result;
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
    if (++state.seen < this.compileAfter || !this.mayCompile()) return null;
    state.run = this.compile(document, operationName);
    return state.run;
  }

  private mayCompile(): boolean {
    const now = this.now();
    if (now - this.minute.start >= 60_000) this.minute = { start: now, compiles: 0 };
    if (this.minute.compiles >= this.maxCompilesPerMinute) return false;
    this.minute.compiles++;
    return true;
  }

  private compile(document: DocumentNode, operationName: string | null | undefined): CompiledRun | null {
    if (operationOf(document, operationName)?.operation !== 'query') return null;
    const compiled = compileQuery(this.schema, document, operationName ?? undefined);
    if (!isCompiledQuery(compiled)) return null;
    this.counters.compiled++;
    return compiled.query as CompiledRun;
  }
}

/** Apollo adds nothing to the head of a compiled answer (the hook's response is merged into Apollo's own). */
const NO_HEAD = { headers: new HeaderMap() };

/** The plugin that answers queries from `execution` (one listener object for every request). */
export function compiledExecutionPlugin<TContext extends BaseContext>(execution: CompiledExecution): ApolloServerPlugin<TContext> {
  const listener: GraphQLRequestListener<TContext> = {
    async responseForOperation({ document, operation, operationName, contextValue, request }): Promise<GraphQLResponse | null> {
      if (operation.operation !== 'query') return null;
      const result = await execution.execute(document, operationName, contextValue, request.variables);
      if (result === null) return null;
      return { http: NO_HEAD, body: { kind: 'single', singleResult: result } };
    },
  };
  return {
    async requestDidStart() {
      return listener;
    },
  };
}
