// The disclosure decision as the user reads it: outcome, rule and reasons, what is missing, warnings, and what will leave.
import type { Decision, DisclosurePreview } from "../api";

const OUTCOME_TEXT: Record<Decision["outcome"], string> = {
  permit: "Permitted",
  deny: "Refused",
  "needs-review": "Needs the privacy officer's review",
};

function AttributeList({ title, items }: { title: string; items: string[] }) {
  return (
    <details>
      <summary>{`${title} (${items.length})`}</summary>
      {items.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul className="attribute-list">
          {items.map((a, i) => (
            <li key={`${i}-${a}`}>{a}</li>
          ))}
        </ul>
      )}
    </details>
  );
}

interface Props {
  decision: Decision;
  preview?: DisclosurePreview | undefined;
  reviewId?: string | undefined;
}

export function DecisionBox({ decision, preview, reviewId }: Props) {
  const basis = decision.basis ?? [];
  const missing = decision.missing ?? [];
  const warnings = decision.warnings ?? [];
  const channels = decision.channels ?? [];
  return (
    <div data-testid="decision" className={`decision decision-${decision.outcome}`}>
      <p className="decision-outcome">
        <strong>{OUTCOME_TEXT[decision.outcome] ?? decision.outcome}</strong>
      </p>
      {decision.permission && <p>{`Rule: ${decision.permission.reason} (${decision.permission.citation})`}</p>}
      {basis.length > 0 && (
        <>
          <p className="list-title">Reasons:</p>
          <ul>
            {basis.map((b, i) => (
              <li key={i}>{`${b.reason} (${b.citation})`}</li>
            ))}
          </ul>
        </>
      )}
      {missing.length > 0 && (
        <>
          <p className="list-title">What is missing:</p>
          <ul>
            {missing.map((m, i) => (
              <li key={i}>{m}</li>
            ))}
          </ul>
        </>
      )}
      {warnings.length > 0 && (
        <>
          <p className="list-title">Warnings:</p>
          <ul>
            {warnings.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        </>
      )}
      {channels.length > 0 && <p>{`Channels allowed: ${channels.join(", ")}`}</p>}
      {decision.plan && <p>{`De-identification: ${decision.plan.level}. ${decision.plan.reason} (${decision.plan.citation})`}</p>}
      <p className="muted">{decision.accountable ? "This disclosure will appear in the patient's accounting of disclosures." : "This disclosure is exempt from the accounting of disclosures."}</p>
      {reviewId && <p>{`Review request ${reviewId} is waiting for the privacy officer.`}</p>}
      {preview && (
        <div className="what-leaves">
          <h3>What will leave</h3>
          <p>{`Level: ${preview.level}`}</p>
          <AttributeList title="Attributes kept" items={preview.kept ?? []} />
          <AttributeList title="Attributes changed" items={preview.changed ?? []} />
          <AttributeList title="Attributes removed" items={preview.removed ?? []} />
          {preview.pixels && <p>{preview.pixels}</p>}
        </div>
      )}
    </div>
  );
}
