// The patient's right-of-access request (/request, 45 CFR 164.524): prove it is you with a code, choose format and channel, see your requests. Nothing is kept in the browser.
import { useState, type FormEvent } from "react";
import { patientCreateRequest, patientRequests, patientSendCode, patientVerify, patientWarning, type NewAccessRequest, type Timestamp } from "../api";
import { Alert } from "../components/Alert";
import { DataTable } from "../components/DataTable";
import { FormButtons } from "../components/FormButtons";
import { LoadStatus } from "../components/LoadStatus";
import { PageHeading } from "../components/PageHeading";
import { accessChannelLabel, accessFormatLabel, formatDay, formatTime } from "../format";
import { useAction, useLoad } from "../hooks";

const FORMATS = [
  { value: "dicom", label: "DICOM files (for another doctor or a viewer)" },
  { value: "jpeg", label: "Pictures (JPEG)" },
  { value: "pdf", label: "A PDF document" },
] as const;

const CHANNELS = [
  { value: "portal", label: "Secure portal link (recommended)" },
  { value: "plain-email", label: "Unencrypted e-mail" },
] as const;

function IdentityStep({ onVerified }: { onVerified: () => void }) {
  const [email, setEmail] = useState("");
  const [mrn, setMrn] = useState("");
  const [birthDate, setBirthDate] = useState("");
  const [signin, setSignin] = useState<string | null>(null);
  const [code, setCode] = useState("");
  const sending = useAction();
  const checking = useAction();

  const sendCode = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    checking.setError(null);
    await sending.run(async () => {
      try {
        const r = await patientSendCode(email.trim(), mrn.trim(), birthDate);
        setSignin(r.signin);
        setCode("");
      } catch (err) {
        setSignin(null);
        throw err;
      }
    });
  };

  const check = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const c = code.replace(/\s+/g, "");
    if (!signin) return;
    if (!c) {
      checking.setError("Enter the code from the e-mail.");
      return;
    }
    await checking.run(async () => {
      await patientVerify(signin, c);
      setCode("");
      onVerified();
    });
  };

  return (
    <section aria-labelledby="identity-heading">
      <h2 id="identity-heading">Prove it is you</h2>
      <form className="stack" onSubmit={(e) => void sendCode(e)}>
        <div className="field">
          <label htmlFor="patient-email">Email address</label>
          <input id="patient-email" type="email" autoComplete="email" autoCapitalize="none" spellCheck={false} required aria-describedby="patient-email-hint" value={email} onChange={(e) => setEmail(e.target.value)} />
          <p id="patient-email-hint" className="hint">
            The address the clinic has on file for you.
          </p>
        </div>
        <div className="field">
          <label htmlFor="patient-mrn">Medical record number</label>
          <input id="patient-mrn" autoComplete="off" autoCapitalize="none" spellCheck={false} required value={mrn} onChange={(e) => setMrn(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="patient-birth-date">Date of birth</label>
          <input id="patient-birth-date" type="date" autoComplete="bday" required value={birthDate} onChange={(e) => setBirthDate(e.target.value)} />
        </div>
        <FormButtons submit="Send me a code" disabled={sending.busy} />
      </form>
      {sending.busy && <p className="muted">Sending…</p>}
      <Alert message={sending.error} />
      {signin && (
        <>
          <p role="status" className="notice">
            If these details match our records, we sent a code to that address. It is valid for 10 minutes.
          </p>
          <form className="stack" onSubmit={(e) => void check(e)}>
            <div className="field">
              <label htmlFor="patient-code">Code</label>
              <input id="patient-code" autoComplete="one-time-code" inputMode="numeric" autoCapitalize="none" spellCheck={false} value={code} onChange={(e) => setCode(e.target.value)} />
            </div>
            <FormButtons submit="Check the code" disabled={checking.busy} />
          </form>
          <Alert message={checking.error} />
        </>
      )}
    </section>
  );
}

function RequestForm({ onCreated }: { onCreated: () => void }) {
  const [format, setFormat] = useState<string>("dicom");
  const [channel, setChannel] = useState<string>("portal");
  const plain = channel === "plain-email";
  // The warning is fetched when unencrypted e-mail is chosen; its version is what the patient acknowledges.
  const { data: warning, error: warningError, loading: warningLoading } = useLoad((signal) => (plain ? patientWarning(signal) : Promise.resolve(null)), channel);
  const warningVersion = warning?.version ?? null;
  const [acknowledged, setAcknowledged] = useState(false);
  const sending = useAction();
  const [dueAt, setDueAt] = useState<Timestamp | undefined>(undefined);

  const canSend = !sending.busy && (!plain || (acknowledged && warningVersion !== null));

  const chooseChannel = (c: string) => {
    setChannel(c);
    setAcknowledged(false);
    setDueAt(undefined);
    sending.setError(null);
  };

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (!canSend) return;
    const req: NewAccessRequest = plain && warningVersion !== null ? { format, channel, acknowledgedWarning: warningVersion } : { format, channel };
    setDueAt(undefined);
    await sending.run(async () => {
      const r = await patientCreateRequest(req);
      setDueAt(r.dueAt);
      onCreated();
    });
  };

  return (
    <section aria-labelledby="want-heading">
      <h2 id="want-heading">What you want</h2>
      <form className="stack" onSubmit={(e) => void submit(e)}>
        <fieldset className="radio-group">
          <legend>Format</legend>
          {FORMATS.map((f) => (
            <div key={f.value} className="radio">
              <input
                type="radio"
                id={`request-format-${f.value}`}
                name="request-format"
                value={f.value}
                checked={format === f.value}
                onChange={() => {
                  setFormat(f.value);
                  setDueAt(undefined);
                }}
              />
              <label htmlFor={`request-format-${f.value}`}>{f.label}</label>
            </div>
          ))}
        </fieldset>
        <fieldset className="radio-group">
          <legend>How to receive them</legend>
          {CHANNELS.map((c) => (
            <div key={c.value} className="radio">
              <input type="radio" id={`request-channel-${c.value}`} name="request-channel" value={c.value} checked={channel === c.value} onChange={() => chooseChannel(c.value)} />
              <label htmlFor={`request-channel-${c.value}`}>{c.label}</label>
            </div>
          ))}
        </fieldset>
        {plain && warningLoading && !warning && <p className="muted">Loading the warning…</p>}
        {plain && <Alert message={warningError} />}
        {plain && warning && (
          <>
            <div role="note" className="warning-box" aria-labelledby="plain-email-warning-heading">
              <h3 id="plain-email-warning-heading">Before you choose unencrypted e-mail</h3>
              <p className="warning-text">{warning.text}</p>
            </div>
            <div className="checkbox">
              <input id="plain-email-ack" type="checkbox" checked={acknowledged} onChange={(e) => setAcknowledged(e.target.checked)} />
              <label htmlFor="plain-email-ack">I understand the risk and still want unencrypted e-mail</label>
            </div>
          </>
        )}
        <FormButtons submit="Send my request" disabled={!canSend} />
      </form>
      {sending.busy && <p className="muted">Sending…</p>}
      <Alert message={sending.error} />
      {dueAt !== undefined && (
        <>
          <p role="status" className="notice">{`Request received. The clinic must answer by ${formatDay(dueAt)}.`}</p>
          <p>You will receive an e-mail with a secure link when your images are ready.</p>
        </>
      )}
    </section>
  );
}

/** Once verified: the request form and the patient's own requests (reloaded after each new one). */
function VerifiedView() {
  const { data: requests, error, loading, reload } = useLoad((signal) => patientRequests(signal), "patient-requests");
  return (
    <>
      <RequestForm onCreated={reload} />
      <section aria-labelledby="your-requests-heading">
        <h2 id="your-requests-heading">Your requests</h2>
        <LoadStatus loading={loading && !requests} error={error}>
          Loading your requests…
        </LoadStatus>
        {requests && (
          <DataTable
            label="Your requests table"
            columns={["Received", "Answer due", "Format", "Channel", "Status"]}
            rows={requests}
            empty="No requests yet."
            rowKey={(r) => r.id}
            cells={(r) => (
              <>
                <td className="nowrap">{formatTime(r.receivedAt)}</td>
                <td className="nowrap">{formatDay(r.dueAt)}</td>
                <td>{accessFormatLabel(r.format)}</td>
                <td>{accessChannelLabel(r.channel)}</td>
                <td>{r.completedAt ? "Done" : "Open"}</td>
              </>
            )}
          />
        )}
      </section>
    </>
  );
}

export function PatientRequestPage() {
  const [verified, setVerified] = useState(false);
  return (
    <main id="main" className="page page-narrow">
      <PageHeading>Request a copy of your images</PageHeading>
      <p>You have the right to a copy of your imaging (45 CFR 164.524). The clinic answers within 30 days.</p>
      {verified ? <VerifiedView /> : <IdentityStep onVerified={() => setVerified(true)} />}
    </main>
  );
}
