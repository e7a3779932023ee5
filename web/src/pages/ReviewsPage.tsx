// The privacy officer's review queue: disclosures waiting for a decision (approve or refuse, with the rule relied on and a note), then those decided.
import { useId, useState, type FormEvent } from "react";
import { decideReview, listReviews, type Review } from "../api";
import { Alert } from "../components/Alert";
import { DataTable } from "../components/DataTable";
import { FormButtons } from "../components/FormButtons";
import { RefreshBar } from "../components/LoadStatus";
import { PageHeading } from "../components/PageHeading";
import { formatTime, orDash } from "../format";
import { useAction, useLoad } from "../hooks";
import { studyHref } from "../router";

function PendingReview({ review, onDecided }: { review: Review; onDecided: () => void }) {
  const id = useId();
  const [citation, setCitation] = useState("");
  const [note, setNote] = useState("");
  const action = useAction();

  const decide = (outcome: "approved" | "refused") =>
    action.run(async () => {
      await decideReview(review.id, outcome, citation.trim(), note.trim());
      onDecided();
    });

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
        <FormButtons submit="Approve" disabled={action.busy} secondary={{ text: "Refuse", onClick: () => void decide("refused") }} />
        <Alert message={action.error} />
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
      <RefreshBar loading={loading} error={error} onRefresh={reload} />
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
          <DataTable
            label="Decided reviews table"
            columns={["Requested", "Recipient", "Purpose", "Outcome", "Rule", "Decided"]}
            rows={decided}
            empty="No decisions yet."
            rowKey={(r) => r.id}
            cells={(r) => (
              <>
                <td className="nowrap">{formatTime(r.requestedAt)}</td>
                <td className="break">{orDash(r.recipient?.name)}</td>
                <td>{orDash(r.purpose)}</td>
                <td>{orDash(r.outcome)}</td>
                <td>{orDash(r.citation)}</td>
                <td className="nowrap">{formatTime(r.decidedAt)}</td>
              </>
            )}
          />
        </section>
      )}
    </>
  );
}
