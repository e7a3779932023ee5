// One delivery: channel, status, attempts, dates, last error and the delivery reports (DSN/MDN) received.
import { getDelivery } from "../api";
import { DataTable } from "../components/DataTable";
import { RefreshBar } from "../components/LoadStatus";
import { PageHeading } from "../components/PageHeading";
import { formatTime, orDash } from "../format";
import { useLoad } from "../hooks";

export function DeliveryPage({ id }: { id: string }) {
  const { data, error, loading, reload } = useLoad((signal) => getDelivery(id, signal), id);
  const d = data?.delivery;
  const reports = data?.reports ?? [];
  return (
    <>
      <PageHeading>Delivery</PageHeading>
      <RefreshBar loading={loading} error={error} onRefresh={reload} />
      {d && (
        <dl className="facts">
          <dt>Delivery</dt>
          <dd className="break">{d.id}</dd>
          <dt>Channel</dt>
          <dd>{orDash(d.channel)}</dd>
          <dt>Status</dt>
          <dd>{orDash(d.status)}</dd>
          <dt>Attempts</dt>
          <dd>{orDash(d.attempts)}</dd>
          <dt>Recipient</dt>
          <dd className="break">{orDash(d.recipientId)}</dd>
          <dt>Created</dt>
          <dd>{formatTime(d.createdAt)}</dd>
          <dt>Sent</dt>
          <dd>{formatTime(d.sentAt)}</dd>
          <dt>Last error</dt>
          <dd className="break">{orDash(d.lastError)}</dd>
        </dl>
      )}
      {data && (
        <section aria-labelledby="reports-heading">
          <h2 id="reports-heading">Reports received</h2>
          <DataTable
            label="Reports table"
            columns={["Kind", "Outcome", "Status code", "Received"]}
            rows={reports}
            empty="No delivery reports yet."
            rowKey={(_, i) => i}
            cells={(r) => (
              <>
                <td>{r.kind}</td>
                <td>{r.outcome}</td>
                <td>{orDash(r.statusCode)}</td>
                <td className="nowrap">{formatTime(r.receivedAt)}</td>
              </>
            )}
          />
        </section>
      )}
    </>
  );
}
