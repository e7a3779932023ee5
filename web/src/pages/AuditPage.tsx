// The audit log (privacy officers and administrators): the latest 200 records, newest first.
import { getAudit } from "../api";
import { Alert } from "../components/Alert";
import { PageHeading } from "../components/PageHeading";
import { TableWrap } from "../components/TableWrap";
import { formatTime, orDash } from "../format";
import { useLoad } from "../hooks";

export function AuditPage() {
  const { data, error, loading, reload } = useLoad((signal) => getAudit(signal), "audit");
  const records = data ? [...data].sort((a, b) => b.seq - a.seq) : undefined;
  return (
    <>
      <PageHeading>Audit log</PageHeading>
      <div className="row">
        <button type="button" onClick={reload} disabled={loading}>
          Refresh
        </button>
        {loading && <span className="muted">Loading…</span>}
      </div>
      <Alert message={error} />
      {records && records.length === 0 && <p>No audit records.</p>}
      {records && records.length > 0 && (
        <TableWrap label="Audit table">
          <table>
            <thead>
              <tr>
                <th scope="col">Seq</th>
                <th scope="col">Time</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Objects</th>
                <th scope="col">Purpose</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {records.map((r) => (
                <tr key={r.seq}>
                  <td className="num">{r.seq}</td>
                  <td className="nowrap">{formatTime(r.time)}</td>
                  <td className="break">{r.actor}</td>
                  <td>{r.action}</td>
                  <td className="break">{(r.objects ?? []).join(", ") || "—"}</td>
                  <td>{orDash(r.purpose)}</td>
                  <td>{r.outcome}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </>
  );
}
