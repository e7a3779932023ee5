// What a list read from the server is doing: its error, and either a Refresh button with a loading note or a note while nothing is shown yet.
import type { ReactNode } from "react";
import { Alert } from "./Alert";

/** The Refresh row of a list page (a "Loading…" note while it reads again), then the read's error. */
export function RefreshBar({ loading, error, onRefresh }: { loading: boolean; error: string | null; onRefresh: () => void }) {
  return (
    <>
      <div className="row">
        <button type="button" onClick={onRefresh} disabled={loading}>
          Refresh
        </button>
        {loading && <span className="muted">Loading…</span>}
      </div>
      <Alert message={error} />
    </>
  );
}

/** The read's error, then `children` as a muted note while `loading` (the caller says when: usually while nothing is shown yet). */
export function LoadStatus({ loading, error, children }: { loading: boolean; error: string | null; children: ReactNode }) {
  return (
    <>
      <Alert message={error} />
      {loading && <p className="muted">{children}</p>}
    </>
  );
}
