/** Counts GraphQL operations over HTTP by type and outcome (trellis_graphql_requests_total). */
import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import type { Metrics } from './metrics.js';

/** `ok`, or the stable code of the first error (what a dashboard groups failures by). */
export function outcomeOf(errors: readonly GraphQLError[] | undefined): string {
  if (!errors || errors.length === 0) return 'ok';
  const code = errors[0]?.extensions?.code;
  return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
}

export function graphqlMetricsPlugin<T extends object>(metrics: Metrics): ApolloServerPlugin<T> {
  // One listener object for every request: nothing allocated per request.
  const listener: GraphQLRequestListener<T> = {
    async willSendResponse({ operation, errors }) {
      metrics.countOperation(operation?.operation ?? 'unknown', outcomeOf(errors));
    },
  };
  return {
    async requestDidStart() {
      return listener;
    },
  };
}
