// The privacy officer's review queue: disclosures waiting for a decision (approve or refuse, with the rule relied on and a note), then those decided.
import { useId, useState, type FormEvent } from "react";
import { decideReview, listReviews, messageOf, type Review } from "../api";
import { Alert } from "../components/Alert";
import { PageHeading } from "../components/PageHeading";
import { TableWrap } from "../components/TableWrap";
import { formatTime, orDash } from "../format";
import { useLoad } from "../hooks";
import { studyHref } from "../router";

function PendingReview({ review, onDecided }: { review: Review; onDecided: () => void }) {
  const id = useId();
  const [citation, setCitation] = useState("");
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const decide = async (outcome: "approved" | "refused") => {
    setBusy(true);
    setError(null);
    try {
      await decideReview(review.id, outcome, citation.trim(), note.trim());
      onDecided();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  // Enter in the rule field approves, as the first button would.
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    void decide("approved");
  };

  return (
    <li className="card">
      <dl className="facts">
        <dt>Requested</dt>
        <dd>{formatTime(review.requestedAt)}</dd>
        <dt>Recipient</dt>
        <dd className="break">{orDash(review.recipient?.name)}</dd>
        <dt>Purpose</dt>
        <dd>{orDash(review.purpose)}</dd>
        <dt>Study</dt>
        <dd className="break">
          <a href={studyHref(review.studyId)}>Open the study</a>
        </dd>
      </dl>
      <form className="stack" onSubmit={submit} aria-label={`Decision on the disclosure to ${review.recipient?.name ?? "the recipient"}`}>
        <div className="field">
          <label htmlFor={`${id}-citation`}>Rule relied on</label>
          <input id={`${id}-citation`} autoComplete="off" spellCheck={false} placeholder="e.g. 164.512(b)" value={citation} onChange={(e) => setCitation(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-note`}>Note</label>
          <textarea id={`${id}-note`} rows={3} value={note} onChange={(e) => setNote(e.target.value)} />
        </div>
        <div className="row">
          <button type="submit" disabled={busy}>
            Approve
          </button>
          <button type="button" className="button-secondary" onClick={() => void decide("refused")} disabled={busy}>
            Refuse
          </button>
        </div>
        <Alert message={error} />
      </form>
    </li>
  );
}

export function ReviewsPage() {
  const { data: reviews, error, loading, reload } = useLoad((signal) => listReviews(signal), "reviews");
  const pending = (reviews ?? []).filter((r) => !r.outcome);
  const decided = (reviews ?? []).filter((r) => r.outcome);

  return (
    <>
      <PageHeading>Review queue</PageHeading>
      <div className="row">
        <button type="button" onClick={reload} disabled={loading}>
          Refresh
        </button>
        {loading && <span className="muted">Loading…</span>}
      </div>
      <Alert message={error} />
      {reviews && (
        <section aria-labelledby="pending-heading">
          <h2 id="pending-heading">Waiting for a decision</h2>
          {pending.length === 0 ? (
            <p>Nothing is waiting for review.</p>
          ) : (
            <ul className="card-list">
              {pending.map((r) => (
                <PendingReview key={r.id} review={r} onDecided={reload} />
              ))}
            </ul>
          )}
        </section>
      )}
      {reviews && (
        <section aria-labelledby="decided-heading">
          <h2 id="decided-heading">Decided</h2>
          {decided.length === 0 ? (
            <p>No decisions yet.</p>
          ) : (
            <TableWrap label="Decided reviews table">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Requested</th>
                    <th scope="col">Recipient</th>
                    <th scope="col">Purpose</th>
                    <th scope="col">Outcome</th>
                    <th scope="col">Rule</th>
                    <th scope="col">Decided</th>
                  </tr>
                </thead>
                <tbody>
                  {decided.map((r) => (
                    <tr key={r.id}>
                      <td className="nowrap">{formatTime(r.requestedAt)}</td>
                      <td className="break">{orDash(r.recipient?.name)}</td>
                      <td>{orDash(r.purpose)}</td>
                      <td>{orDash(r.outcome)}</td>
                      <td>{orDash(r.citation)}</td>
                      <td className="nowrap">{formatTime(r.decidedAt)}</td>
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
