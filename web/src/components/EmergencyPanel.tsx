// Emergency ("break-glass") access, opened from the header: a reason and a duration, declared to the server, which records it and tells the privacy officer.
import { useState, type FormEvent } from "react";
import { declareBreakGlass, messageOf, type Timestamp } from "../api";
import { Alert } from "./Alert";

const DURATIONS = [15, 30, 60] as const;
const REASON_MIN = 10;
const REASON_MAX = 500;

interface Props {
  id: string;
  onDeclared: (expiresAt: Timestamp, minutes: number) => void;
  onCancel: () => void;
}

export function EmergencyPanel({ id, onDeclared, onCancel }: Props) {
  const [reason, setReason] = useState("");
  const [minutes, setMinutes] = useState<number>(DURATIONS[0]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const r = reason.trim();
    if (r.length < REASON_MIN || r.length > REASON_MAX) {
      setError(`Give the reason in ${REASON_MIN} to ${REASON_MAX} characters.`);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const answer = await declareBreakGlass(r, minutes);
      onDeclared(answer.expiresAt, minutes);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section id={id} className="emergency-panel" aria-labelledby={`${id}-title`}>
      <p id={`${id}-title`} className="step-title">
        Emergency access
      </p>
      <p>Use only when a patient needs care now and you cannot otherwise see their images. Every access is recorded and the privacy officer is told.</p>
      <form className="stack" noValidate onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor="emergency-reason">Reason for emergency access</label>
          <textarea id="emergency-reason" rows={3} autoFocus maxLength={REASON_MAX} aria-describedby="emergency-reason-hint" value={reason} onChange={(e) => setReason(e.target.value)} />
          <p id="emergency-reason-hint" className="hint">{`${REASON_MIN} to ${REASON_MAX} characters.`}</p>
        </div>
        <div className="field">
          <label htmlFor="emergency-minutes">For how long</label>
          <select id="emergency-minutes" value={String(minutes)} onChange={(e) => setMinutes(Number(e.target.value))}>
            {DURATIONS.map((m) => (
              <option key={m} value={String(m)}>
                {`${m} minutes`}
              </option>
            ))}
          </select>
        </div>
        <div className="row">
          <button type="submit" disabled={busy}>
            Declare emergency access
          </button>
          <button type="button" className="button-secondary" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
        </div>
        <Alert message={error} />
      </form>
    </section>
  );
}
