import { Field, ObjectType, Query, Resolver } from 'type-graphql';
import type { AppServices } from '../services.js';

@ObjectType({ description: 'What this Trellis process is' })
export class ServerInfo {
  @Field(() => String)
  version!: string;

  @Field(() => String, { description: 'all | api | worker' })
  role!: string;

  @Field(() => Date)
  startedAt!: Date;
}

@Resolver()
export class ServerInfoResolver {
  constructor(private readonly services: AppServices) {}

  @Query(() => ServerInfo)
  serverInfo(): ServerInfo {
    return { version: TRELLIS_VERSION, role: this.services.config.role, startedAt: this.services.startedAt };
  }
}

export const TRELLIS_VERSION = '0.1.0';
