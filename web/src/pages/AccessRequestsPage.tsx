// Patients' right-of-access requests (45 CFR 164.524): who asked, when the answer is due (overdue flagged), what was checked, and marking one done.
import { useState } from "react";
import { completeAccessRequest, listAccessRequests, messageOf, type AccessRequest } from "../api";
import { Alert } from "../components/Alert";
import { PageHeading } from "../components/PageHeading";
import { TableWrap } from "../components/TableWrap";
import { accessChannelLabel, accessFormatLabel, formatDay, formatTime, orDash, yesNo } from "../format";
import { useLoad } from "../hooks";

/** Only a request for unencrypted e-mail carries a warning to acknowledge. */
function acknowledgedText(r: AccessRequest): string {
  if (r.channel !== "plain-email" || r.plainEmailAcknowledged === null || r.plainEmailAcknowledged === undefined) return "—";
  return yesNo(r.plainEmailAcknowledged);
}

export function AccessRequestsPage() {
  const { data: requests, error, loading, reload } = useLoad((signal) => listAccessRequests(signal), "access-requests");
  const [completing, setCompleting] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);

  const complete = async (id: string) => {
    setCompleting(id);
    setActionError(null);
    try {
      await completeAccessRequest(id);
      reload();
    } catch (e) {
      setActionError(messageOf(e));
    } finally {
      setCompleting(null);
    }
  };

  return (
    <>
      <PageHeading>Access requests</PageHeading>
      <div className="row">
        <button type="button" onClick={reload} disabled={loading}>
          Refresh
        </button>
        {loading && <span className="muted">Loading…</span>}
      </div>
      <Alert message={error} />
      <Alert message={actionError} />
      <p className="notice">To answer a request, open the patient's study and share it with the patient for the purpose patient-access.</p>
      {requests && requests.length === 0 && <p>No access requests.</p>}
      {requests && requests.length > 0 && (
        <TableWrap label="Access requests table">
          <table>
            <thead>
              <tr>
                <th scope="col">Requester</th>
                <th scope="col">Received</th>
                <th scope="col">Answer due</th>
                <th scope="col">Format</th>
                <th scope="col">Channel</th>
                <th scope="col">Identity checked</th>
                <th scope="col">Warning acknowledged</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {requests.map((r) => (
                <tr key={r.id}>
                  <td className="break">{orDash(r.requester?.name)}</td>
                  <td className="nowrap">{formatTime(r.receivedAt)}</td>
                  <td className="nowrap">
                    {formatDay(r.dueAt)}
                    {r.overdue && <span className="tag">overdue</span>}
                  </td>
                  <td>{accessFormatLabel(r.format)}</td>
                  <td>{accessChannelLabel(r.channel)}</td>
                  <td>{yesNo(r.identityVerified)}</td>
                  <td>{acknowledgedText(r)}</td>
                  <td>
                    {r.completedAt ? (
                      <span className="nowrap">{`Done ${formatDay(r.completedAt)}`}</span>
                    ) : (
                      <div className="cell-actions">
                        <span>Open</span>
                        <button type="button" onClick={() => void complete(r.id)} disabled={completing !== null}>
                          Mark done
                        </button>
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </>
  );
}
