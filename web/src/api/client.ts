/**
 * The UI's GraphQL transport: JSON POST over fetch for queries and mutations, the multipart
 * request spec over XMLHttpRequest for uploads (so we get upload progress), graphql-ws for
 * subscriptions. Every failure becomes an ApiError with the server's message and code.
 */
import { createClient, type Client } from 'graphql-ws';
import type { TypedDocumentString } from './gql';

export const GRAPHQL_PATH = '/graphql';

/**
 * The API key of this browser tab: sessionStorage (kept for the browser session, gone when the
 * tab closes, never sent anywhere but this server's Authorization header).
 */
const KEY_STORAGE = 'trellis.apiKey';

let wsClient: Client | null = null;

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

export function setStoredKey(key: string | null): void {
  try {
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // storage disabled: the key lives until the page reloads
  }
  // The live connection authenticated with the old key.
  void wsClient?.dispose();
  wsClient = null;
}

/**
 * Signs in from a `#key=<key>` link (the one `npm start` prints): the fragment never reaches a
 * server, and it is removed from the address bar (and history) at once.
 */
export function takeKeyFromLocation(): void {
  const match = /(?:^#|&)key=([^&]+)/.exec(window.location.hash);
  if (!match?.[1]) return;
  setStoredKey(decodeURIComponent(match[1]));
  window.history.replaceState(null, '', window.location.pathname + window.location.search);
}

function authorization(): Record<string, string> {
  const key = storedKey();
  return key ? { authorization: `Bearer ${key}` } : {};
}

let onUnauthenticated: ((message: string) => void) | null = null;
/** Called when the server says the key is missing, unknown or revoked (the UI shows the sign-in screen). */
export function setUnauthenticatedHandler(handler: ((message: string) => void) | null): void {
  onUnauthenticated = handler;
}
function checkAuth(error: unknown): void {
  if (error instanceof ApiError && error.code === 'UNAUTHENTICATED') onUnauthenticated?.(error.message);
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly code?: string,
    /** the offending input field, e.g. `input.latitude`, when the server names one */
    readonly field?: string,
  ) {
    super(message);
  }
}

interface GraphQLErrorBody {
  message: string;
  extensions?: { code?: unknown; field?: unknown; [key: string]: unknown };
}
interface GraphQLBody<T> {
  data?: T | null;
  errors?: GraphQLErrorBody[];
}

function toApiError(errors: GraphQLErrorBody[]): ApiError {
  const first = errors[0];
  const code = typeof first?.extensions?.code === 'string' ? first.extensions.code : undefined;
  const field = typeof first?.extensions?.field === 'string' ? first.extensions.field : undefined;
  const messages = Array.from(new Set(errors.map((e) => e.message)));
  return new ApiError(messages.join('; ') || 'Unknown error', code, field);
}

/** Reads a GraphQL response body; errors (even with partial data) throw. */
function unwrap<T>(status: number, text: string): T {
  let body: GraphQLBody<T>;
  try {
    body = JSON.parse(text) as GraphQLBody<T>;
  } catch {
    const snippet = text.trim().slice(0, 200);
    throw new ApiError(status === 413 ? 'The file is larger than the server accepts' : `Server answered ${status}${snippet ? `: ${snippet}` : ''}`, status === 413 ? 'PAYLOAD_TOO_LARGE' : undefined);
  }
  if (body.errors?.length) throw toApiError(body.errors);
  if (!body.data) throw new ApiError(`Server answered ${status} without data`);
  return body.data;
}

/** An operation of documents.ts, typed with its result `R` and variables `V`. */
export type Document<R, V> = TypedDocumentString<R, V>;

/** The variables argument: optional when the operation has no required variable. */
export type VariablesArg<V> = Record<string, never> extends V ? [variables?: V] : [variables: V];

export async function request<R, V>(document: Document<R, V>, ...[variables]: VariablesArg<V>): Promise<R> {
  let response: Response;
  try {
    response = await fetch(GRAPHQL_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...authorization() },
      body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
    });
  } catch {
    throw new ApiError('Cannot reach the Trellis server. Check that it is running.', 'NETWORK_ERROR');
  }
  try {
    return unwrap<R>(response.status, await response.text());
  } catch (error) {
    checkAuth(error);
    throw error;
  }
}

export interface UploadOptions {
  /** 0..1 share of the request body sent */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

/** Sends one file as `variables.file` following the GraphQL multipart request spec. */
export function upload<R, V extends { file: File }>(document: Document<R, V>, variables: Omit<V, 'file'>, file: File, options: UploadOptions = {}): Promise<R> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: document.toString(), variables: { ...variables, file: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', file, file.name);
  return new Promise<R>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', GRAPHQL_PATH);
    // Apollo's CSRF prevention only lets multipart requests through with this header.
    xhr.setRequestHeader('apollo-require-preflight', 'true');
    for (const [name, value] of Object.entries(authorization())) xhr.setRequestHeader(name, value);
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable && event.total > 0) options.onProgress?.(event.loaded / event.total);
    });
    xhr.upload.addEventListener('load', () => options.onProgress?.(1));
    xhr.addEventListener('load', () => {
      try {
        resolve(unwrap<R>(xhr.status, xhr.responseText));
      } catch (error) {
        checkAuth(error);
        reject(error instanceof Error ? error : new ApiError(String(error)));
      }
    });
    xhr.addEventListener('error', () => reject(new ApiError('The upload failed: the server could not be reached', 'NETWORK_ERROR')));
    xhr.addEventListener('abort', () => reject(new ApiError('The upload was cancelled', 'ABORTED')));
    options.signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(form);
  });
}


function subscriptionClient(): Client {
  if (!wsClient) {
    const url = new URL(GRAPHQL_PATH, window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    wsClient = createClient({
      url: url.toString(),
      lazy: true,
      retryAttempts: 5,
      keepAlive: 15_000,
      connectionParams: () => authorization(),
      // 4401: no key, or it was revoked; retrying with the same key cannot help.
      shouldRetry: (event) => (event as { code?: number } | null)?.code !== 4401,
      on: {
        closed: (event) => {
          if ((event as { code?: number } | null)?.code === 4401) onUnauthenticated?.('The server closed the live connection: the API key is missing, unknown or revoked.');
        },
      },
    });
  }
  return wsClient;
}

export interface SubscriptionHandlers<T> {
  next: (data: T) => void;
  error?: (error: ApiError) => void;
  complete?: () => void;
}

/** Starts a subscription; returns the function that stops it. */
export function subscribe<R, V>(document: Document<R, V>, variables: V, handlers: SubscriptionHandlers<R>): () => void {
  return subscriptionClient().subscribe<R>(
    { query: document.toString(), variables: variables as Record<string, unknown> },
    {
      next: (result) => {
        if (result.errors?.length) handlers.error?.(toApiError(result.errors as GraphQLErrorBody[]));
        else if (result.data) handlers.next(result.data as R);
      },
      error: (error) => {
        if (Array.isArray(error)) handlers.error?.(toApiError(error as GraphQLErrorBody[]));
        else if (error instanceof Error) handlers.error?.(new ApiError(error.message));
        else handlers.error?.(new ApiError('The live connection to the server closed', 'NETWORK_ERROR'));
      },
      complete: () => handlers.complete?.(),
    },
  );
}

/** A readable message for anything caught in a handler. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
