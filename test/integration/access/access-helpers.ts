/** Running one operation over graphql-ws and reading how it ended (a result, an error message, or the socket closing). */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { GraphQLResponse } from '../../helpers/graphql-client.js';

export type WsOutcome =
  | { kind: 'result'; result: GraphQLResponse }
  | { kind: 'errors'; errors: NonNullable<GraphQLResponse['errors']> }
  | { kind: 'closed'; code: number; reason: string };

/** Connects with `key` (null: none), runs `query` and returns its first answer; subscriptions are cancelled after it. */
export async function wsOnce(wsUrl: string, key: string | null, query: string, variables: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<WsOutcome> {
  let closed: { code: number; reason: string } | null = null;
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: key === null ? {} : { authorization: `Bearer ${key}` },
    on: { closed: (event) => (closed = { code: (event as CloseEvent).code, reason: String((event as CloseEvent).reason) }) },
  });
  try {
    return await new Promise<WsOutcome>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${query} within ${timeoutMs} ms`)), timeoutMs);
      const stop = client.subscribe(
        { query, variables },
        {
          next: (result) => {
            clearTimeout(timer);
            stop();
            resolve({ kind: 'result', result: result as GraphQLResponse });
          },
          error: (error) => {
            clearTimeout(timer);
            if (Array.isArray(error)) resolve({ kind: 'errors', errors: error as NonNullable<GraphQLResponse['errors']> });
            else {
              const event = error as { code?: number; reason?: string };
              const info = closed ?? { code: event.code ?? -1, reason: String(event.reason ?? '') };
              resolve({ kind: 'closed', ...info });
            }
          },
          complete: () => undefined,
        },
      );
    });
  } finally {
    await client.dispose();
  }
}

/** The error code an outcome carries (first error), 'OK' without errors, or `closed <code>`. */
export function outcomeCode(outcome: WsOutcome | GraphQLResponse): string {
  if ('kind' in outcome) {
    if (outcome.kind === 'closed') return `closed ${outcome.code}`;
    if (outcome.kind === 'errors') return String(outcome.errors[0]?.extensions?.code ?? 'ERROR');
    return outcomeCode(outcome.result);
  }
  return outcome.errors?.length ? String(outcome.errors[0]?.extensions?.code ?? 'ERROR') : 'OK';
}
