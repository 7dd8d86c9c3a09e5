/**
 * What one GraphQL document may cost, checked before anything runs, the same way over HTTP and
 * WebSocket:
 *
 * - tokens (graphql-js's own `maxTokens`: the parser stops at the limit, so a 4 MB document costs
 *   no more than a 5,000-token one),
 * - depth, aliases and directives (graphql-armor validation rules),
 * - cost (graphql-query-complexity): each field 1, each predicted row 1 (`predict` 1,
 *   `predictBatch` the length of its `inputs`), and separately the predicted rows of the whole
 *   request ≤ PREDICT_MAX_BATCH_ROWS however they are aliased.
 *
 * Every refusal is QUERY_TOO_COMPLEX with `extensions.limit` naming the limit and `max`.
 */
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  GraphQLError, Kind, parse, visit, type DocumentNode, type GraphQLSchema, type ValidationContext, type ValidationRule,
} from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import type { Config } from '../config.js';
import { BadUserInputError, QueryTooComplexError } from '../errors.js';

export type DocumentLimits = Config['limits'] & { maxPredictRows: number };

function rejectWith(limit: string, max: number) {
  return (context: ValidationContext | null, error: GraphQLError) => {
    const found = /found (\d+)/.exec(error.message)?.[1];
    const message = error.message.replace(/^Syntax Error: /, '');
    context?.reportError(new QueryTooComplexError(message, limit, max, found === undefined ? undefined : Number(found)));
  };
}

/** Validation rules for depth, aliases and directives (added to graphql-js's specified rules). */
export function limitRules(limits: DocumentLimits): ValidationRule[] {
  const common = { exposeLimits: true, propagateOnRejection: false } as const;
  return [
    maxDepthRule({ ...common, n: limits.maxDepth, ignoreIntrospection: true, onReject: [rejectWith('depth', limits.maxDepth)] }),
    maxAliasesRule({ ...common, n: limits.maxAliases, onReject: [rejectWith('aliases', limits.maxAliases)] }),
    maxDirectivesRule({ ...common, n: limits.maxDirectives, onReject: [rejectWith('directives', limits.maxDirectives)] }),
  ];
}

/** The parse options of Apollo Server and of the WebSocket path. */
export function parseOptions(limits: DocumentLimits): { maxTokens: number } {
  return { maxTokens: limits.maxTokens };
}

/** graphql-js's token-limit syntax error as QUERY_TOO_COMPLEX; null for any other error. */
export function tokenLimitError(error: unknown, limits: DocumentLimits): QueryTooComplexError | null {
  if (!(error instanceof GraphQLError) || !/contains more th\w+ \d+ tokens/.test(error.message)) return null;
  return new QueryTooComplexError(`the document has more than ${limits.maxTokens} tokens`, 'tokens', limits.maxTokens);
}

/** Parses with the token limit (the WebSocket path; Apollo does the same with `parseOptions`). */
export function parseLimited(source: string, limits: DocumentLimits): DocumentNode {
  try {
    return parse(source, parseOptions(limits));
  } catch (error) {
    throw tokenLimitError(error, limits) ?? error;
  }
}

/** Only predictBatch's list length and @include/@skip make a document's cost depend on its variables. */
function costDependsOnVariables(document: DocumentNode): boolean {
  let depends = false;
  visit(document, {
    Field(node) {
      if (node.name.value === 'predictBatch') depends = true;
    },
    Directive(node) {
      if (node.name.value === 'include' || node.name.value === 'skip') depends = true;
    },
  });
  return depends;
}

interface CostResult {
  cost: number;
  predictedRows: number;
  /** predict/predictBatch fields in the operation */
  predictFields: number;
}

/**
 * The cost check. A document whose cost cannot depend on its variables (the common case: every
 * `predict` of a load test sends the same document) is measured once and remembered, keyed by the
 * parsed document object (Apollo caches those per query string).
 */
export class CostGuard {
  private readonly fixed = new WeakMap<DocumentNode, Map<string, CostResult>>();
  private readonly variableDependent = new WeakMap<DocumentNode, boolean>();

  constructor(private readonly limits: DocumentLimits) {}

  check(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | undefined): CostResult {
    let dependent = this.variableDependent.get(document);
    if (dependent === undefined) {
      dependent = costDependsOnVariables(document);
      this.variableDependent.set(document, dependent);
    }
    const key = operationName ?? '';
    let result = dependent ? undefined : this.fixed.get(document)?.get(key);
    if (!result) {
      result = this.measure(schema, document, operationName, variables);
      if (!dependent) {
        let byName = this.fixed.get(document);
        if (!byName) this.fixed.set(document, (byName = new Map()));
        byName.set(key, result);
      }
    }
    // One predictBatch over the limit is refused by its resolver before any work, as BAD_USER_INPUT
    // on `inputs` (the documented answer); several fields together are refused here.
    if (result.predictedRows > this.limits.maxPredictRows && result.predictFields > 1) {
      throw new QueryTooComplexError(
        `one request may predict at most ${this.limits.maxPredictRows} rows (PREDICT_MAX_BATCH_ROWS); this one asks for ${result.predictedRows}`,
        'predictedRows', this.limits.maxPredictRows, result.predictedRows,
      );
    }
    if (result.cost > this.limits.maxCost) {
      throw new QueryTooComplexError(`the query costs ${result.cost}; at most ${this.limits.maxCost} is allowed`, 'cost', this.limits.maxCost, result.cost);
    }
    return result;
  }

  private measure(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | undefined): CostResult {
    let predictedRows = 0;
    let predictFields = 0;
    const predictions: ComplexityEstimator = ({ field, args, childComplexity }) => {
      if (field.name === 'predict') {
        predictFields++;
        predictedRows += 1;
        return 1 + childComplexity;
      }
      if (field.name === 'predictBatch') {
        const rows = Array.isArray(args.inputs) ? args.inputs.length : 0;
        predictFields++;
        predictedRows += rows;
        return rows + childComplexity;
      }
      return undefined;
    };
    let cost: number;
    try {
      cost = getComplexity({
        schema, query: document, variables: variables ?? {}, operationName: operationName ?? undefined,
        estimators: [predictions, simpleEstimator({ defaultComplexity: 1 })],
        maxQueryNodes: this.limits.maxCost * 2,
      });
    } catch (error) {
      if (error instanceof GraphQLError && /maximum number of nodes/.test(error.message)) {
        throw new QueryTooComplexError(`the query has more than ${this.limits.maxCost * 2} fields to evaluate`, 'cost', this.limits.maxCost);
      }
      // Variables that do not coerce: execution would refuse them too, with the same message.
      if (error instanceof GraphQLError) throw new BadUserInputError(error.message, undefined, { http: { status: 400 } });
      throw error;
    }
    return { cost, predictedRows, predictFields };
  }
}

/** The operation of a document (as graphql-js chooses it). */
export function operationOf(document: DocumentNode, operationName: string | null | undefined) {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operationName) return operations.find((o) => o.name?.value === operationName) ?? null;
  return operations.length === 1 ? (operations[0] ?? null) : null;
}
