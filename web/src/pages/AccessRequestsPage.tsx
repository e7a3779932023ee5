// Patients' right-of-access requests (45 CFR 164.524): who asked, when the answer is due (overdue flagged), what was checked, and marking one done.
import { completeAccessRequest, listAccessRequests, type AccessRequest } from "../api";
import { Alert } from "../components/Alert";
import { DataTable } from "../components/DataTable";
import { RefreshBar } from "../components/LoadStatus";
import { PageHeading } from "../components/PageHeading";
import { accessChannelLabel, accessFormatLabel, formatDay, formatTime, orDash, yesNo } from "../format";
import { useAction, useLoad } from "../hooks";

/** Only a request for unencrypted e-mail carries a warning to acknowledge. */
function acknowledgedText(r: AccessRequest): string {
  if (r.channel !== "plain-email" || r.plainEmailAcknowledged === null || r.plainEmailAcknowledged === undefined) return "—";
  return yesNo(r.plainEmailAcknowledged);
}

export function AccessRequestsPage() {
  const { data: requests, error, loading, reload } = useLoad((signal) => listAccessRequests(signal), "access-requests");
  const completing = useAction();

  const complete = (id: string) =>
    completing.run(async () => {
      await completeAccessRequest(id);
      reload();
    });

  return (
    <>
      <PageHeading>Access requests</PageHeading>
      <RefreshBar loading={loading} error={error} onRefresh={reload} />
      <Alert message={completing.error} />
      <p className="notice">To answer a request, open the patient's study and share it with the patient for the purpose patient-access.</p>
      {requests && (
        <DataTable
          label="Access requests table"
          columns={["Requester", "Received", "Answer due", "Format", "Channel", "Identity checked", "Warning acknowledged", "Status"]}
          rows={requests}
          empty="No access requests."
          rowKey={(r) => r.id}
          cells={(r) => (
            <>
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
                    <button type="button" onClick={() => void complete(r.id)} disabled={completing.busy}>
                      Mark done
                    </button>
                  </div>
                )}
              </td>
            </>
          )}
        />
      )}
    </>
  );
}
