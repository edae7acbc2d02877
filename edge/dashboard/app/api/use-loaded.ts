import { useCallback, useEffect, useState } from 'preact/hooks';
import { useActions } from '../actions/actions-context.ts';
import { useApi } from './api-context.ts';
import { errorText } from './client.ts';

export interface Loaded<T> {
  readonly data: T | null;
  readonly error: string | null;
  readonly loading: boolean;
  readonly reload: () => void;
}

/** GETs `path` now, after every finished action, and on reload(). */
export function useLoaded<T>(path: string): Loaded<T> {
  const api = useApi();
  const { settled } = useActions();
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [ask, setAsk] = useState(0);
  const reload = useCallback(() => setAsk((n) => n + 1), []);

  useEffect(() => {
    let current = true;
    setLoading(true);
    api.get<T>(path).then(
      (value) => {
        if (!current) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (!current) return;
        setError(errorText(err));
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
  }, [api, path, settled, ask]);

  return { data, error, loading, reload };
}
