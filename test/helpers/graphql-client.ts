/**
 * Minimal GraphQL clients for tests: JSON POST, multipart upload (spec-compliant), graphql-ws
 * subscriptions. Each sends the test servers' ADMIN_API_KEY unless given another key (or null: none).
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/** The ADMIN_API_KEY every test server starts with (startTestServer, spawnTrellis). */
export const TEST_ADMIN_KEY = 'trk_test-admin-key-0123456789abcdef';

/** `Authorization` headers for `key` (none for null). */
export function authHeaders(key: string | null = TEST_ADMIN_KEY): Record<string, string> {
  return key === null ? {} : { authorization: `Bearer ${key}` };
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }>;
}

export async function gql<T = Record<string, any>>(url: string, query: string, variables: Record<string, unknown> = {}, key: string | null = TEST_ADMIN_KEY): Promise<GraphQLResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeaders(key) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLResponse<T>;
}

/** Sends `file` as the variable at `fileVariablePath` (e.g. "file") per the GraphQL multipart request spec. */
export async function gqlUpload<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  file: { name: string; content: Buffer | string; type?: string },
  fileVariablePath = 'file',
  key: string | null = TEST_ADMIN_KEY,
): Promise<{ status: number; body: GraphQLResponse<T> }> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query, variables: { ...variables, [fileVariablePath]: null } }));
  form.append('map', JSON.stringify({ 0: [`variables.${fileVariablePath}`] }));
  const bytes = typeof file.content === 'string' ? Buffer.from(file.content) : file.content;
  form.append('0', new Blob([new Uint8Array(bytes)], { type: file.type ?? 'text/csv' }), file.name);
  const res = await fetch(url, { method: 'POST', headers: { 'apollo-require-preflight': 'true', ...authHeaders(key) }, body: form });
  const text = await res.text();
  let body: GraphQLResponse<T>;
  try {
    body = JSON.parse(text) as GraphQLResponse<T>;
  } catch {
    body = { errors: [{ message: text }] };
  }
  return { status: res.status, body };
}

export function wsClient(wsUrl: string, key: string | null = TEST_ADMIN_KEY): Client {
  return createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams: key === null ? {} : { authorization: `Bearer ${key}` } });
}

/** Collects every event of a subscription until it completes (or `until` says stop). */
export function collectSubscription<T = Record<string, any>>(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
  onEvent?: (event: GraphQLResponse<T>, all: GraphQLResponse<T>[]) => void,
): { events: GraphQLResponse<T>[]; done: Promise<GraphQLResponse<T>[]>; cancel: () => void } {
  const events: GraphQLResponse<T>[] = [];
  let cancel = () => {};
  const done = new Promise<GraphQLResponse<T>[]>((resolve, reject) => {
    cancel = client.subscribe<T>(
      { query, variables },
      {
        next: (event) => {
          events.push(event as GraphQLResponse<T>);
          onEvent?.(event as GraphQLResponse<T>, events);
        },
        error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
        complete: () => resolve(events),
      },
    );
  });
  return { events, done, cancel: () => cancel() };
}
