// The audit log (privacy officers and administrators): the latest 200 records, newest first.
import { getAudit } from "../api";
import { DataTable } from "../components/DataTable";
import { RefreshBar } from "../components/LoadStatus";
import { PageHeading } from "../components/PageHeading";
import { formatTime, orDash } from "../format";
import { useLoad } from "../hooks";

export function AuditPage() {
  // The server answers newest first.
  const { data: records, error, loading, reload } = useLoad((signal) => getAudit(signal), "audit");
  return (
    <>
      <PageHeading>Audit log</PageHeading>
      <RefreshBar loading={loading} error={error} onRefresh={reload} />
      {records && (
        <DataTable
          label="Audit table"
          columns={["Seq", "Time", "Actor", "Action", "Objects", "Purpose", "Outcome"]}
          rows={records}
          empty="No audit records."
          rowKey={(r) => r.seq}
          cells={(r) => (
            <>
              <td className="num">{r.seq}</td>
              <td className="nowrap">{formatTime(r.time)}</td>
              <td className="break">{r.actor}</td>
              <td>{r.action}</td>
              <td className="break">{(r.objects ?? []).join(", ") || "—"}</td>
              <td>{orDash(r.purpose)}</td>
              <td>{r.outcome}</td>
            </>
          )}
        />
      )}
    </>
  );
}
