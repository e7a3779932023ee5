// Emergency ("break-glass") access, opened from the header: a reason and a duration, declared to the server, which records it and tells the privacy officer.
import { useState, type FormEvent } from "react";
import { declareBreakGlass, type Timestamp } from "../api";
import { useAction } from "../hooks";
import { Alert } from "./Alert";
import { FormButtons } from "./FormButtons";
import { SelectField } from "./SelectField";

const DURATIONS = [15, 30, 60] as const;
const DURATION_OPTIONS = DURATIONS.map((m) => ({ value: String(m), label: `${m} minutes` }));
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
  const action = useAction();

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const r = reason.trim();
    if (r.length < REASON_MIN || r.length > REASON_MAX) {
      action.setError(`Give the reason in ${REASON_MIN} to ${REASON_MAX} characters.`);
      return;
    }
    await action.run(async () => {
      const answer = await declareBreakGlass(r, minutes);
      onDeclared(answer.expiresAt, minutes);
    });
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
        <SelectField id="emergency-minutes" label="For how long" value={String(minutes)} options={DURATION_OPTIONS} onChange={(v) => setMinutes(Number(v))} />
        <FormButtons submit="Declare emergency access" disabled={action.busy} secondary={{ text: "Cancel", onClick: onCancel }} />
        <Alert message={action.error} />
      </form>
    </section>
  );
}
