import { Field, ObjectType, Query, Resolver } from 'type-graphql';
import type { AppServices } from '../services.js';
import { Role } from './access.types.js';

@ObjectType({ description: 'What this Trellis process is' })
export class ServerInfo {
  @Field(() => String)
  version!: string;

  @Field(() => String, { description: 'all | api | worker' })
  role!: string;

  @Field(() => Date)
  startedAt!: Date;

  @Field(() => Role, { nullable: true, description: 'the role of callers without a key (ANONYMOUS_ROLE); null: a key is needed' })
  anonymousRole!: Role | null;
}

@Resolver()
export class ServerInfoResolver {
  constructor(private readonly services: AppServices) {}

  @Query(() => ServerInfo, { description: 'What this process is, and whether a key is needed' })
  serverInfo(): ServerInfo {
    return { version: TRELLIS_VERSION, role: this.services.config.role, startedAt: this.services.startedAt, anonymousRole: this.services.config.auth.anonymousRole };
  }
}

export const TRELLIS_VERSION = '0.1.0';
