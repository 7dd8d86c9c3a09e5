/** Small React hooks over the client: a query with loading/error/reload, and a subscription. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { request, subscribe, type ApiError, type SubscriptionHandlers } from './client';

export interface QueryState<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  /** fetches again; keeps the old data on screen meanwhile */
  reload: () => Promise<void>;
}

/** Runs `query` when `variables` (compared as JSON) change; `skip` holds it back. */
export function useQuery<T>(query: string, variables: Record<string, unknown> = {}, skip = false): QueryState<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(!skip);
  const key = JSON.stringify(variables);
  const generation = useRef(0);

  const run = useCallback(async () => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const result = await request<T>(query, JSON.parse(key) as Record<string, unknown>);
      if (mine !== generation.current) return;
      setData(result);
      setError(null);
    } catch (caught) {
      if (mine !== generation.current) return;
      setError(caught);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [query, key]);

  useEffect(() => {
    if (skip) return;
    void run();
    return () => {
      generation.current++;
    };
  }, [run, skip]);

  return { data, error, loading, reload: run };
}

/** Keeps a subscription open while mounted and `variables` stay the same; null variables = off. */
export function useSubscription<T>(query: string, variables: Record<string, unknown> | null, handlers: SubscriptionHandlers<T>): void {
  const latest = useRef(handlers);
  latest.current = handlers;
  const key = variables === null ? null : JSON.stringify(variables);
  useEffect(() => {
    if (key === null) return;
    return subscribe<T>(query, JSON.parse(key) as Record<string, unknown>, {
      next: (data) => latest.current.next(data),
      error: (error: ApiError) => latest.current.error?.(error),
      complete: () => latest.current.complete?.(),
    });
  }, [query, key]);
}
