// The share wizard for one study: pick a recipient, purpose and channel, check the decision, then send only if permitted.
import { useEffect, useState } from "react";
import { checkDecision, createShare, isAbort, messageOf, refusedDecision, searchRecipients, type DecisionResult, type Recipient, type ShareRequest, type ShareResult } from "../api";
import { useDebounced } from "../hooks";
import { deliveryHref } from "../router";
import { Alert } from "./Alert";
import { DecisionBox } from "./DecisionBox";
import { SelectField } from "./SelectField";

const PURPOSES = [
  { value: "treatment", label: "Treatment" },
  { value: "payment", label: "Payment" },
  { value: "operations", label: "Health care operations" },
  { value: "patient-access", label: "The patient's own access" },
  { value: "authorized", label: "With the patient's written authorization" },
  { value: "research", label: "Research" },
  { value: "public-health", label: "Public health" },
] as const;

const CHANNELS = [
  { value: "portal", label: "Secure portal link" },
  { value: "smime", label: "S/MIME e-mail" },
  { value: "pgp", label: "OpenPGP e-mail" },
  { value: "dicom-push", label: "DICOM push to their PACS" },
  { value: "plain-email", label: "Unencrypted e-mail (patient's written request only)" },
] as const;

function recipientLabel(r: Recipient): string {
  return `${r.name} — ${r.kind}${r.verified ? "" : " (not verified)"}`;
}

export function ShareWizard({ studyId }: { studyId: string }) {
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<Recipient[]>([]);
  const [searched, setSearched] = useState(false);
  const [searching, setSearching] = useState(false);
  const [searchError, setSearchError] = useState<string | null>(null);
  const [recipient, setRecipient] = useState<Recipient | null>(null);
  const [purpose, setPurpose] = useState<string>("treatment");
  const [channel, setChannel] = useState<string>("portal");
  const [checking, setChecking] = useState(false);
  const [result, setResult] = useState<DecisionResult | null>(null);
  const [checkError, setCheckError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [sent, setSent] = useState<ShareResult | null>(null);
  const [sendError, setSendError] = useState<string | null>(null);

  const q = useDebounced(query.trim(), 300);
  useEffect(() => {
    if (!q) {
      setFound([]);
      setSearched(false);
      setSearchError(null);
      return;
    }
    const ac = new AbortController();
    setSearching(true);
    setSearchError(null);
    searchRecipients(q, ac.signal).then(
      (list) => {
        if (ac.signal.aborted) return;
        setFound(list);
        setSearched(true);
        setSearching(false);
      },
      (e: unknown) => {
        if (ac.signal.aborted || isAbort(e)) return;
        setSearchError(messageOf(e));
        setSearching(false);
      },
    );
    return () => ac.abort();
  }, [q]);

  /** Any change to what would be sent makes the last decision stale. */
  const invalidate = () => {
    setResult(null);
    setCheckError(null);
    setSent(null);
    setSendError(null);
  };

  const changed = (set: (v: string) => void) => (v: string) => {
    set(v);
    invalidate();
  };

  const request = (): ShareRequest | null => (recipient ? { study: studyId, to: recipient.id, purpose, channel } : null);

  const check = async () => {
    const req = request();
    invalidate();
    if (!req) {
      setCheckError("Choose a recipient first.");
      return;
    }
    setChecking(true);
    try {
      setResult(await checkDecision(req));
    } catch (e) {
      setCheckError(messageOf(e));
    } finally {
      setChecking(false);
    }
  };

  const send = async () => {
    const req = request();
    if (!req || result?.decision.outcome !== "permit") return;
    setSending(true);
    setSendError(null);
    try {
      const r = await createShare(req);
      setSent(r);
      if (r.decision) setResult((prev) => ({ ...(prev ?? {}), decision: r.decision }));
    } catch (e) {
      const refused = refusedDecision(e);
      if (refused) {
        setResult({ decision: refused });
        setSendError("The share was refused.");
      } else {
        setSendError(messageOf(e));
      }
    } finally {
      setSending(false);
    }
  };

  // Keep the chosen recipient on screen while a new search shows other names.
  const list = recipient && !found.some((r) => r.id === recipient.id) ? [recipient, ...found] : found;
  const canSend = result?.decision.outcome === "permit" && !sent && !sending;

  return (
    <div className="wizard">
      <div className="step">
        <p className="step-title">1. Who receives it</p>
        <div className="field">
          <label htmlFor="share-search">Search the directory</label>
          <input id="share-search" type="search" autoComplete="off" spellCheck={false} value={query} onChange={(e) => setQuery(e.target.value)} />
        </div>
        <fieldset className="radio-group">
          <legend>Recipient</legend>
          {list.length === 0 && <p className="muted">{searching ? "Searching…" : searched ? "No one in the directory matches." : "Type a name, practice or address to search."}</p>}
          {list.map((r) => (
            <div key={r.id} className="radio">
              <input
                type="radio"
                id={`recipient-${r.id}`}
                name="share-recipient"
                value={r.id}
                checked={recipient?.id === r.id}
                onChange={() => {
                  setRecipient(r);
                  invalidate();
                }}
              />
              <label htmlFor={`recipient-${r.id}`}>{recipientLabel(r)}</label>
            </div>
          ))}
        </fieldset>
        <Alert message={searchError} />
      </div>

      <div className="step">
        <p className="step-title">2. Why and how</p>
        <div className="row">
          <SelectField id="share-purpose" label="Purpose" value={purpose} options={PURPOSES} onChange={changed(setPurpose)} />
          <SelectField id="share-channel" label="Channel" value={channel} options={CHANNELS} onChange={changed(setChannel)} />
        </div>
      </div>

      <div className="step">
        <p className="step-title">3. May it go?</p>
        <button type="button" onClick={() => void check()} disabled={checking}>
          Check the decision
        </button>
        {checking && <p className="muted">Checking…</p>}
        <Alert message={checkError} />
        {result && <DecisionBox decision={result.decision} preview={result.preview} reviewId={result.reviewId} />}
      </div>

      <div className="step">
        <p className="step-title">4. Send</p>
        {!result && <p className="muted">Check the decision first; only a permitted share can be sent.</p>}
        <button type="button" onClick={() => void send()} disabled={!canSend}>
          Send
        </button>
        {sending && <p className="muted">Sending…</p>}
        <Alert message={sendError} />
        {sent && (
          <>
            <p role="status" className="notice">{`Sent: delivery ${sent.delivery.id} is ${sent.delivery.status}`}</p>
            {sent.fellBackToPortal && <p>The chosen channel could not be used, so a secure portal link was sent instead.</p>}
            <p>
              <a href={deliveryHref(sent.delivery.id)}>Delivery status</a>
            </p>
          </>
        )}
      </div>
    </div>
  );
}
