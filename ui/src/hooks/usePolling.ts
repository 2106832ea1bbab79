// Loads data now and again every `intervalMs`, keeping the last answer on screen while refreshing (a
// status page must not flash a spinner every few seconds); a failure is kept beside the last data.
import { useCallback, useEffect, useRef, useState } from 'react';

export interface PollingState<T> {
  data: T | undefined;
  error: Error | undefined;
  /** True until the first answer or failure. */
  loading: boolean;
  refresh: () => void;
}

export function usePolling<T>(load: (signal: AbortSignal) => Promise<T>, intervalMs: number): PollingState<T> {
  const [data, setData] = useState<T | undefined>();
  const [error, setError] = useState<Error | undefined>();
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const next = await loadRef.current(controller.signal);
        if (controller.signal.aborted) return;
        setData(next);
        setError(undefined);
      } catch (failure) {
        if (controller.signal.aborted) return;
        setError(failure instanceof Error ? failure : new Error(String(failure)));
      }
      setLoading(false);
      timer = setTimeout(() => void tick(), intervalMs);
    };
    void tick();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [intervalMs, generation]);
  const refresh = useCallback(() => setGeneration((value) => value + 1), []);
  return { data, error, loading, refresh };
}
