// The share wizard for one study: pick a recipient, purpose and channel, check the decision, then send only if permitted.
import { useState } from "react";
import { checkDecision, createShare, messageOf, refusedDecision, type DecisionResult, type Recipient, type ShareRequest, type ShareResult } from "../api";
import { purposeOptions, recipientLabel } from "../format";
import { deliveryHref } from "../router";
import { Alert } from "./Alert";
import { DecisionBox } from "./DecisionBox";
import { RecipientPicker } from "./RecipientPicker";
import { SelectField } from "./SelectField";

const PURPOSES = purposeOptions(["treatment", "payment", "operations", "patient-access", "authorized", "research", "public-health"]);

const CHANNELS = [
  { value: "portal", label: "Secure portal link" },
  { value: "smime", label: "S/MIME e-mail" },
  { value: "pgp", label: "OpenPGP e-mail" },
  { value: "dicom-push", label: "DICOM push to their PACS" },
  { value: "plain-email", label: "Unencrypted e-mail (patient's written request only)" },
] as const;

/** The directory's name for a recipient, and whether it is verified: the wizard shares only with verified ones. */
function shareLabel(r: Recipient): string {
  return `${recipientLabel(r)}${r.verified ? "" : " (not verified)"}`;
}

export function ShareWizard({ studyId }: { studyId: string }) {
  const [recipient, setRecipient] = useState<Recipient | null>(null);
  const [purpose, setPurpose] = useState<string>("treatment");
  const [channel, setChannel] = useState<string>("portal");
  const [checking, setChecking] = useState(false);
  const [result, setResult] = useState<DecisionResult | null>(null);
  const [checkError, setCheckError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [sent, setSent] = useState<ShareResult | null>(null);
  const [sendError, setSendError] = useState<string | null>(null);

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

  const canSend = result?.decision.outcome === "permit" && !sent && !sending;

  return (
    <div className="wizard">
      <div className="step">
        <p className="step-title">1. Who receives it</p>
        <RecipientPicker
          id="share"
          legend="Recipient"
          value={recipient}
          label={shareLabel}
          onChange={(r) => {
            setRecipient(r);
            invalidate();
          }}
        />
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
