// Small shared hooks: load-on-mount with abort and reload, an action's busy flag and error, the form opened from a table row, and a debounced value.
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

export interface Action {
  busy: boolean;
  error: string | null;
  /** Sets or clears the error without running anything (a check made before sending). */
  setError: (message: string | null) => void;
  /** Busy while `work` runs, the error cleared first and set to the message of what it throws. */
  run: (work: () => Promise<void>) => Promise<void>;
}

/** One user action sent to the server (a form's submit, a button): its busy flag and its error. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}

export interface RowForm<K> {
  /** What is open (a row's key and whatever else the form needs), or null. */
  open: K | null;
  setOpen: (k: K | null) => void;
  /** Cancelled: the form closes. */
  close: () => void;
  /** Done: the form closes and the list is read again. */
  done: () => void;
}

/** The form opened from one row of a list (Verify, Terminate, Revoke…): one at a time. */
export function useRowForm<K>(reload: () => void): RowForm<K> {
  const [open, setOpen] = useState<K | null>(null);
  const close = useCallback(() => setOpen(null), []);
  const done = useCallback(() => {
    setOpen(null);
    reload();
  }, [reload]);
  return { open, setOpen, close, done };
}

export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = window.setTimeout(() => setV(value), ms);
    return () => window.clearTimeout(t);
  }, [value, ms]);
  return v;
}
