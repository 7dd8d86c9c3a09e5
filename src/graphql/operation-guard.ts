/**
 * The checks every operation passes before it runs, over HTTP (an Apollo plugin, after parsing
 * and validation) and over WebSocket (graphql-ws `onSubscribe`): the caller's role against what
 * the root fields need, the per-key rate limit, and the document's cost. A refused mutation is
 * still written to the audit log (outcome = the error code).
 */
import { GraphQLError, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { AuditLog } from '../audit/audit-log.js';
import type { RateLimiter } from '../auth/rate-limit.js';
import { OperationAccess } from './authorization.js';
import type { GraphQLContext } from './context.js';
import { CostGuard, operationOf, type DocumentLimits } from './limits.js';

export interface GuardedOperation {
  document: DocumentNode;
  operationName: string | null | undefined;
  variables: Record<string, unknown> | undefined;
  context: GraphQLContext;
}

export class OperationGuard {
  private readonly access: OperationAccess;
  private readonly cost: CostGuard;

  constructor(private readonly deps: { schema: GraphQLSchema; limits: DocumentLimits; rateLimiter: RateLimiter; audit: AuditLog }) {
    this.access = new OperationAccess(deps.schema);
    this.cost = new CostGuard(deps.limits);
  }

  /** Throws UNAUTHENTICATED, FORBIDDEN, RATE_LIMITED or QUERY_TOO_COMPLEX; returns when the operation may run. */
  async check(op: GuardedOperation): Promise<void> {
    try {
      this.access.assert(op.context.auth, op.document, op.operationName);
    } catch (error) {
      await this.auditRefusal(op, error);
      throw error;
    }
    if (this.deps.rateLimiter.enabled) this.deps.rateLimiter.take(op.context.auth.key?.id ?? `anonymous ${op.context.remoteAddress ?? ''}`);
    this.cost.check(this.deps.schema, op.document, op.operationName, op.variables);
  }

  private async auditRefusal(op: GuardedOperation, error: unknown): Promise<void> {
    const operation = operationOf(op.document, op.operationName);
    if (operation?.operation !== 'mutation' || !(error instanceof GraphQLError)) return;
    const { context } = op;
    for (const selection of operation.selectionSet.selections) {
      if (selection.kind !== 'Field') continue;
      await this.deps.audit
        .record({
          keyId: context.auth.key?.id ?? null, keyName: context.auth.key?.name ?? null, role: context.auth.role,
          operation: selection.name.value, arguments: {}, outcome: String(error.extensions.code), error: error.message,
          requestId: context.requestId, transport: context.transport,
        })
        .catch((failure: unknown) => context.logger.error({ err: failure }, 'could not write the audit log'));
    }
  }
}
