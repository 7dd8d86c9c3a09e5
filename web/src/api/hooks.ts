/** Small React hooks over the client: a query with loading/error/reload, a file upload with progress, and a subscription. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { request, subscribe, upload, type ApiError, type Document, type SubscriptionHandlers, type VariablesArg } from './client';

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

export interface UploadState<R, V> {
  /** 0..1 share of the file sent while an upload runs; null otherwise */
  progress: number | null;
  error: unknown;
  /** the last upload's answer (cleared when another starts) */
  data: R | null;
  /** uploads `file` as `variables.file`; resolves to the answer, or null when it failed (see `error`) */
  send: (variables: Omit<V, 'file'>, file: File) => Promise<R | null>;
}

/** One file upload at a time with its progress, error and answer. */
export function useUpload<R, V extends { file: File }>(document: Document<R, V>): UploadState<R, V> {
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [data, setData] = useState<R | null>(null);
  const send = useCallback(
    async (variables: Omit<V, 'file'>, file: File): Promise<R | null> => {
      setError(null);
      setData(null);
      setProgress(0);
      try {
        const result = await upload(document, variables, file, { onProgress: setProgress });
        setData(result);
        return result;
      } catch (caught) {
        setError(caught);
        return null;
      } finally {
        setProgress(null);
      }
    },
    [document],
  );
  return { progress, error, data, send };
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
