/** me, apiKeys, createApiKey, revokeApiKey, auditLog: thin over ApiKeyService and AuditLog. */
import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { ApiKeyRecord } from '../auth/api-keys.js';
import { encodeAuditCursor } from '../audit/audit-log.js';
import type { AppServices } from '../services.js';
import { ApiKey, AuditEntry, AuditEntryConnection, CreatedApiKey, Role } from './access.types.js';
import { RequiresRole } from './authorization.js';
import type { GraphQLContext } from './context.js';

@Resolver()
export class AccessResolver {
  constructor(private readonly services: AppServices) {}

  @Query(() => ApiKey, { nullable: true, description: "The caller's key (null when calling without one)" })
  me(@Ctx() ctx: GraphQLContext): ApiKeyRecord | null {
    return ctx.auth.key ? this.services.apiKeys.current(ctx.auth.key) : null;
  }

  @RequiresRole('ADMIN')
  @Query(() => [ApiKey], { description: 'Every key, revoked ones included, newest first' })
  async apiKeys(): Promise<ApiKeyRecord[]> {
    return this.services.apiKeys.list();
  }

  @RequiresRole('ADMIN')
  @Mutation(() => CreatedApiKey, { description: 'A new key with a role; its value is in the answer and nowhere else' })
  async createApiKey(@Arg('name', () => String) name: string, @Arg('role', () => Role) role: Role): Promise<CreatedApiKey> {
    return this.services.apiKeys.create(name, role);
  }

  @RequiresRole('ADMIN')
  @Mutation(() => ApiKey, { description: 'Revokes a key on every replica within moments; open WebSocket connections using it are closed (4401)' })
  async revokeApiKey(@Arg('id', () => ID) id: string): Promise<ApiKeyRecord> {
    return this.services.apiKeys.revoke(id);
  }

  @RequiresRole('ADMIN')
  @Query(() => AuditEntryConnection, { description: 'Every mutation call, newest first, cursor-paginated (first ≤ 500, default 50)' })
  async auditLog(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<AuditEntryConnection> {
    const page = await this.services.audit.list({ first, after });
    const nodes = page.entries as AuditEntry[];
    return {
      edges: nodes.map((node) => ({ cursor: encodeAuditCursor(node.id), node })),
      nodes,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
      totalCount: page.totalCount,
    };
  }
}
