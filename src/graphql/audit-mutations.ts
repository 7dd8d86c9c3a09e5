/**
 * Every mutation is recorded in the audit log, whatever its transport: the Mutation type's
 * resolvers are wrapped once, after the schema is built, so a new mutation cannot be forgotten.
 * The wrapper sits outside type-graphql's auth check, so refused calls (FORBIDDEN) are recorded
 * too. The row is written before the answer leaves, so it is there when the caller reads it.
 */
import { defaultFieldResolver, GraphQLError, type GraphQLSchema } from 'graphql';
import { auditArguments, type AuditLog } from '../audit/audit-log.js';
import type { GraphQLContext } from './context.js';

function outcomeOf(error: unknown): { outcome: string; message: string } {
  const code = error instanceof GraphQLError ? error.extensions.code : undefined;
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') return { outcome: code, message: (error as Error).message };
  return { outcome: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' };
}

export function auditMutations(schema: GraphQLSchema, audit: AuditLog): void {
  const mutation = schema.getMutationType();
  if (!mutation) return;
  for (const field of Object.values(mutation.getFields())) {
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = async (root, args: Record<string, unknown>, context: GraphQLContext, info) => {
      const record = (outcome: string, error: string | null) =>
        audit
          .record({
            keyId: context.auth.key?.id ?? null,
            keyName: context.auth.key?.name ?? null,
            role: context.auth.role,
            operation: info.fieldName,
            arguments: auditArguments(args),
            outcome,
            error,
            requestId: context.requestId,
            transport: context.transport,
          })
          .catch((failure: unknown) => context.logger.error({ err: failure, operation: info.fieldName }, 'could not write the audit log'));
      try {
        const result: unknown = await resolve(root, args, context, info);
        await record('OK', null);
        return result;
      } catch (error) {
        const { outcome, message } = outcomeOf(error);
        await record(outcome, message);
        throw error;
      }
    };
  }
}
