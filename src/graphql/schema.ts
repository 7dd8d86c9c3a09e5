import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, type ContainerType, type PubSub } from 'type-graphql';
import type { AppServices } from '../services.js';
import { auditMutations } from './audit-mutations.js';
import { authChecker, describeRequiredRoles } from './authorization.js';
import { RESOLVERS } from './resolvers.js';

/** Resolvers are built once per schema with the process's services (no global container). */
function containerFor(services: AppServices | null): ContainerType {
  const instances = new Map<unknown, unknown>();
  return {
    get(someClass: new (services: AppServices) => unknown) {
      let instance = instances.get(someClass);
      if (!instance) {
        if (!services) throw new Error('schema built without services cannot execute resolvers');
        instance = new someClass(services);
        instances.set(someClass, instance);
      }
      return instance;
    },
  };
}

/**
 * type-graphql insists on a PubSub once any @Subscription exists, even when every subscription
 * brings its own `subscribe` function (ours are LISTEN/NOTIFY streams of the services:
 * jobs.epochStream, jobs.updates, registry.activeModelChanges).
 */
const NO_PUBSUB: PubSub = {
  publish() {
    throw new Error('Trellis subscriptions use their own subscribe functions; there is no in-memory PubSub');
  },
  subscribe() {
    throw new Error('Trellis subscriptions use their own subscribe functions; there is no in-memory PubSub');
  },
};

/** Builds the executable schema. `services` may be null to only print the SDL. */
export async function buildTrellisSchema(services: AppServices | null): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: [...RESOLVERS],
    container: containerFor(services),
    validate: false,
    pubSub: NO_PUBSUB,
    emitSchemaFile: false,
    authChecker,
    authMode: 'error',
  });
  describeRequiredRoles(schema);
  if (services) auditMutations(schema, services.audit);
  return schema;
}

/** The SDL committed as schema/schema.graphql (sorted, so the diff is stable). */
export async function printTrellisSchema(): Promise<string> {
  const schema = await buildTrellisSchema(null);
  return `${printSchema(lexicographicSortSchema(schema)).trimEnd()}\n`;
}
