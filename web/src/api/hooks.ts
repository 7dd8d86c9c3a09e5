/** Small React hooks over the client: a query with loading/error/reload, and a subscription. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { request, subscribe, type ApiError, type Document, type SubscriptionHandlers, type VariablesArg } from './client';

export interface QueryState<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  /** fetches again; keeps the old data on screen meanwhile */
  reload: () => Promise<void>;
}

/** Runs `document` when its variables (compared as JSON) change. */
export function useQuery<R, V>(document: Document<R, V>, ...[variables]: VariablesArg<V>): QueryState<R> {
  const [data, setData] = useState<R | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const key = JSON.stringify(variables ?? {});
  const generation = useRef(0);

  const run = useCallback(async () => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const result = await request(document, ...([JSON.parse(key)] as VariablesArg<V>));
      if (mine !== generation.current) return;
      setData(result);
      setError(null);
    } catch (caught) {
      if (mine !== generation.current) return;
      setError(caught);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [document, key]);

  useEffect(() => {
    void run();
    return () => {
      generation.current++;
    };
  }, [run]);

  return { data, error, loading, reload: run };
}

/** Keeps a subscription open while mounted and `variables` stay the same; null variables = off. */
export function useSubscription<R, V>(document: Document<R, V>, variables: V | null, handlers: SubscriptionHandlers<R>): void {
  const latest = useRef(handlers);
  latest.current = handlers;
  const key = variables === null ? null : JSON.stringify(variables);
  useEffect(() => {
    if (key === null) return;
    return subscribe(document, JSON.parse(key) as V, {
      next: (data) => latest.current.next(data),
      error: (error: ApiError) => latest.current.error?.(error),
      complete: () => latest.current.complete?.(),
    });
  }, [document, key]);
}
