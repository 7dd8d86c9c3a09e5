/** API keys, roles and the audit log as the API shows them. */
import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ACCESS_ROLES, type AccessRole } from '../auth/roles.js';
import { PageInfo } from './common.types.js';

export const Role = { VIEWER: 'VIEWER', PREDICTOR: 'PREDICTOR', TRAINER: 'TRAINER', ADMIN: 'ADMIN' } as const satisfies Record<(typeof ACCESS_ROLES)[number], AccessRole>;
export type Role = (typeof Role)[keyof typeof Role];
registerEnumType(Role, {
  name: 'Role',
  description: 'Cumulative access roles: VIEWER (read, subscribe) < PREDICTOR (+ predictions, downloads) < TRAINER (+ uploads, retrain, cancel) < ADMIN (+ promote, roll back, keys, audit log)',
});

@ObjectType({ description: 'An API key (its value is never stored or shown again after createApiKey)', simpleResolvers: true })
export class ApiKey {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => Role) role!: Role;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date, { nullable: true, description: 'last request made with the key (recorded every 10 s at most)' }) lastUsedAt!: Date | null;
  @Field(() => Date, { nullable: true }) revokedAt!: Date | null;
}

@ObjectType({ description: 'A new key: `key` is its value, shown this once' })
export class CreatedApiKey {
  @Field(() => String, { description: 'send as "Authorization: Bearer <key>"; not retrievable later' }) key!: string;
  @Field(() => ApiKey) apiKey!: ApiKey;
}

@ObjectType({ description: 'One mutation call: who, what, with which arguments (no file contents), how it ended', simpleResolvers: true })
export class AuditEntry {
  @Field(() => ID) id!: string;
  @Field(() => Date) at!: Date;
  @Field(() => ID, { nullable: true }) keyId!: string | null;
  @Field(() => String, { nullable: true, description: "the key's name; null for an anonymous caller" }) keyName!: string | null;
  @Field(() => Role, { nullable: true }) role!: Role | null;
  @Field(() => String, { description: 'the mutation field, e.g. promoteModel' }) operation!: string;
  @Field(() => GraphQLJSON, { description: 'uploads as "[file upload]", lists over 10 items as their length' }) arguments!: unknown;
  @Field(() => String, { description: 'OK or the error code returned' }) outcome!: string;
  @Field(() => String, { nullable: true }) error!: string | null;
  @Field(() => String, { nullable: true }) requestId!: string | null;
  @Field(() => String, { description: 'http | ws' }) transport!: string;
}

@ObjectType()
export class AuditEntryEdge {
  @Field(() => String) cursor!: string;
  @Field(() => AuditEntry) node!: AuditEntry;
}

@ObjectType()
export class AuditEntryConnection {
  @Field(() => [AuditEntryEdge]) edges!: AuditEntryEdge[];
  @Field(() => [AuditEntry]) nodes!: AuditEntry[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int) totalCount!: number;
}
