// Small shared hooks: load-on-mount with abort and reload, and a debounced value.
import { useCallback, useEffect, useRef, useState } from "react";
import { isAbort, messageOf } from "./api";

export interface Loaded<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` when `key` changes (or on reload); aborts the request on change and unmount. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, key: string): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [round, setRound] = useState(0);
  const shownKey = useRef(key);
  useEffect(() => {
    const ac = new AbortController();
    if (shownKey.current !== key) {
      // Something else is asked for: do not keep showing the previous answer meanwhile.
      shownKey.current = key;
      setData(undefined);
    }
    setLoading(true);
    setError(null);
    load(ac.signal).then(
      (d) => {
        if (ac.signal.aborted) return;
        setData(d);
        setLoading(false);
      },
      (e: unknown) => {
        if (ac.signal.aborted || isAbort(e)) return;
        setError(messageOf(e));
        setLoading(false);
      },
    );
    return () => ac.abort();
    // `load` is a fresh closure each render; `key` says when it asks for something else.
  }, [key, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { data, error, loading, reload };
}

export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = window.setTimeout(() => setV(value), ms);
    return () => window.clearTimeout(t);
  }, [value, ms]);
  return v;
}
