// One delivery: channel, status, attempts, dates, last error and the delivery reports (DSN/MDN) received.
import { getDelivery } from "../api";
import { Alert } from "../components/Alert";
import { PageHeading } from "../components/PageHeading";
import { TableWrap } from "../components/TableWrap";
import { formatTime, orDash } from "../format";
import { useLoad } from "../hooks";

export function DeliveryPage({ id }: { id: string }) {
  const { data, error, loading, reload } = useLoad((signal) => getDelivery(id, signal), id);
  const d = data?.delivery;
  const reports = data?.reports ?? [];
  return (
    <>
      <PageHeading>Delivery</PageHeading>
      <div className="row">
        <button type="button" onClick={reload} disabled={loading}>
          Refresh
        </button>
        {loading && <span className="muted">Loading…</span>}
      </div>
      <Alert message={error} />
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
          {reports.length === 0 ? (
            <p>No delivery reports yet.</p>
          ) : (
            <TableWrap label="Reports table">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Kind</th>
                    <th scope="col">Outcome</th>
                    <th scope="col">Status code</th>
                    <th scope="col">Received</th>
                  </tr>
                </thead>
                <tbody>
                  {reports.map((r, i) => (
                    <tr key={i}>
                      <td>{r.kind}</td>
                      <td>{r.outcome}</td>
                      <td>{orDash(r.statusCode)}</td>
                      <td className="nowrap">{formatTime(r.receivedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
        </section>
      )}
    </>
  );
}
