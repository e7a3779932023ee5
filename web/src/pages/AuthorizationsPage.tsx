// Patients' authorizations (45 CFR 164.508), kept by the front desk and the privacy officer: a patient's forms found by MRN (sent in the body, never the URL), each with its status and defects, the patient's written revocation, and filing a signed form with the elements of 164.508(c) — the verdict and its defects shown at once.
import { useState, type FormEvent } from "react";
import { fileAuthorization, revokeAuthorization, searchAuthorizations, type Authorization, type AuthorizationDefect, type AuthorizationVerdict, type NewAuthorization, type Recipient } from "../api";
import { Alert } from "../components/Alert";
import { CheckboxGroup } from "../components/CheckboxGroup";
import { DataTable } from "../components/DataTable";
import { FormButtons } from "../components/FormButtons";
import { InputField } from "../components/InputField";
import { LoadStatus } from "../components/LoadStatus";
import { PageHeading } from "../components/PageHeading";
import { PdfField } from "../components/PdfField";
import { RecipientPicker } from "../components/RecipientPicker";
import { SelectField } from "../components/SelectField";
import { formatCalendarDay, formatTime, purposeLabel, purposeOptions, RECIPIENT_KINDS, recipientKindLabel } from "../format";
import { useAction, useLoad, useRowForm } from "../hooks";

/** What patients authorize in writing: "at the request of the individual", and the purposes that always need a form. */
const PURPOSES = purposeOptions(["authorized", "underwriting", "research", "marketing", "sale"]);

const STATEMENTS = [
  { value: "rightToRevoke", label: "The right to revoke it in writing, and how (164.508(c)(2)(i))" },
  { value: "conditioning", label: "Whether treatment or payment may be conditioned on signing (164.508(c)(2)(ii))" },
  { value: "redisclosure", label: "That the recipient may disclose it again, unprotected (164.508(c)(2)(iii))" },
] as const;

const DEFECTS = [
  { value: "compound", label: "It is combined with another document (164.508(b)(3))" },
  { value: "conditionedTreatment", label: "Treatment was made conditional on signing it (164.508(b)(4))" },
] as const;

const SIGNERS = [
  { value: "patient", label: "The patient" },
  { value: "representative", label: "A personal representative" },
] as const;

const STATUS_TEXT: Record<Authorization["status"], string> = { valid: "Valid", defective: "Not valid", expired: "Expired", revoked: "Revoked" };

function defectText(d: AuthorizationDefect): string {
  return `${d.element} (${d.citation})`;
}

function DefectList({ defects }: { defects: readonly AuthorizationDefect[] }) {
  return (
    <ul className="defects">
      {defects.map((d) => (
        <li key={defectText(d)}>{defectText(d)}</li>
      ))}
    </ul>
  );
}

function recipientsText(a: Authorization): string {
  const named = a.recipients.named.map((n) => n.name);
  const kinds = a.recipients.kinds.map((k) => `any ${recipientKindLabel(k).toLowerCase()}`);
  const listed = [...named, ...kinds].join(", ");
  return listed && listed !== a.recipients.description ? `${a.recipients.description} (${listed})` : a.recipients.description || listed || "—";
}

/** A datetime-local value (the browser's time zone) as an ISO time; empty stays empty (now). */
function isoOf(local: string): string {
  if (!local) return "";
  const t = new Date(local);
  return Number.isNaN(t.getTime()) ? local : t.toISOString();
}

function RevokeForm({ authorization, onDone, onCancel }: { authorization: Authorization; onDone: () => void; onCancel: () => void }) {
  const [received, setReceived] = useState("");
  const action = useAction();

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    await action.run(async () => {
      await revokeAuthorization(authorization.id, isoOf(received));
      onDone();
    });
  };

  return (
    <form className="stack inline-form" onSubmit={(e) => void submit(e)} aria-label="Revoke this authorization">
      <p className="step-title">Record the patient's written revocation</p>
      <InputField id="revoke-received" type="datetime-local" label="Revocation received" value={received} onChange={setReceived} hint="Leave empty for now. Disclosures from then on are refused; those before it stand." />
      <FormButtons submit="Revoke authorization" disabled={action.busy} secondary={{ text: "Cancel", onClick: onCancel }} />
      <Alert message={action.error} />
    </form>
  );
}

function Verdict({ verdict }: { verdict: AuthorizationVerdict }) {
  return (
    <div role="status" className={verdict.valid ? "notice" : "warning-box"}>
      {verdict.valid ? (
        <p>Filed. The authorization is valid: every element of 164.508(c) is on it.</p>
      ) : (
        <>
          <p>Filed, but the authorization is not valid (164.508(b)(2)): it cannot be relied on. Missing or wrong:</p>
          <DefectList defects={verdict.defects} />
        </>
      )}
    </div>
  );
}

function FileAuthorization({ patientMrn, onFiled }: { patientMrn: string; onFiled: (v: AuthorizationVerdict) => void }) {
  const [description, setDescription] = useState("");
  const [scopeFrom, setScopeFrom] = useState("");
  const [scopeTo, setScopeTo] = useState("");
  const [studyUids, setStudyUids] = useState("");
  const [disclosers, setDisclosers] = useState("");
  const [recipient, setRecipient] = useState<Recipient | null>(null);
  const [recipientKinds, setRecipientKinds] = useState<string[]>([]);
  const [recipientDescription, setRecipientDescription] = useState("");
  const [purposes, setPurposes] = useState<string[]>([]);
  const [remunerationStatement, setRemunerationStatement] = useState("");
  const [expiresAt, setExpiresAt] = useState("");
  const [expirationEvent, setExpirationEvent] = useState("");
  const [signedAt, setSignedAt] = useState("");
  const [signedBy, setSignedBy] = useState<string>("patient");
  const [representativeAuthority, setRepresentativeAuthority] = useState("");
  const [statements, setStatements] = useState<string[]>([]);
  const [defects, setDefects] = useState<string[]>([]);
  const [document, setDocument] = useState<File | null>(null);
  const action = useAction();
  const paid = purposes.includes("marketing") || purposes.includes("sale");

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (!document) return action.setError("Choose the signed form (a PDF).");
    const form: NewAuthorization = {
      patientMrn, description, scopeFrom, scopeTo, studyUids: studyUids.split(/\s+/).filter((u) => u !== ""), disclosers,
      recipientIds: recipient ? [recipient.id] : [], recipientKinds, recipientDescription, purposes, expiresAt, expirationEvent, signedAt,
      signedBy: signedBy === "representative" ? "representative" : "patient", representativeAuthority: signedBy === "representative" ? representativeAuthority : "",
      remunerationStatement: paid ? remunerationStatement : "",
      statements: { rightToRevoke: statements.includes("rightToRevoke"), conditioning: statements.includes("conditioning"), redisclosure: statements.includes("redisclosure") },
      compound: defects.includes("compound"), conditionedTreatment: defects.includes("conditionedTreatment"), document,
    };
    await action.run(async () => onFiled((await fileAuthorization(form)).verdict));
  };

  return (
    <form className="stack" onSubmit={(e) => void submit(e)}>
      <p className="hint">Copy what the signed form says. A missing element is filed too, and shown as a defect: such a form cannot be relied on.</p>
      <fieldset>
        <legend>The information (164.508(c)(1)(i))</legend>
        <InputField id="auth-description" label="Description of the information" multiline value={description} onChange={setDescription} hint='Specific and meaningful, e.g. "chest X-ray of 2024-03-04".' />
        <div className="row">
          <InputField id="auth-from" type="date" label="Studies dated from" value={scopeFrom} onChange={setScopeFrom} />
          <InputField id="auth-to" type="date" label="Studies dated to" value={scopeTo} onChange={setScopeTo} />
        </div>
        <InputField id="auth-studies" label="Study Instance UIDs" multiline code value={studyUids} onChange={setStudyUids} hint="Optional: the studies it names, one per line (instead of or besides the dates)." />
      </fieldset>
      <fieldset>
        <legend>Who discloses and who receives (164.508(c)(1)(ii)–(iii))</legend>
        <InputField id="auth-disclosers" label="Who may disclose it" value={disclosers} onChange={setDisclosers} hint="A name or a specific class, as on the form." />
        <RecipientPicker id="auth-recipient" legend="Recipient it names" value={recipient} onChange={setRecipient} hint="The recipient in the directory, if the form names one." />
        <CheckboxGroup id="auth-kinds" legend="Or any recipient of these kinds" options={RECIPIENT_KINDS} values={recipientKinds} onChange={setRecipientKinds} />
        <InputField id="auth-recipients" label="Recipients as written on the form" value={recipientDescription} onChange={setRecipientDescription} />
      </fieldset>
      <CheckboxGroup id="auth-purposes" legend="Purposes (164.508(c)(1)(iv))" options={PURPOSES} values={purposes} onChange={setPurposes} />
      {paid && <InputField id="auth-remuneration" label="Remuneration statement" value={remunerationStatement} onChange={setRemunerationStatement} hint="Marketing and sale: the payment involved, as the form states it (164.508(a)(3)–(4))." />}
      <fieldset>
        <legend>Expiration (164.508(c)(1)(v))</legend>
        <div className="row">
          <InputField id="auth-expires" type="date" label="Expires on" value={expiresAt} onChange={setExpiresAt} />
          <InputField id="auth-event" label="Or expires at this event" value={expirationEvent} onChange={setExpirationEvent} />
        </div>
      </fieldset>
      <fieldset>
        <legend>Signature (164.508(c)(1)(vi))</legend>
        <div className="row">
          <InputField id="auth-signed" type="date" label="Signed on" value={signedAt} onChange={setSignedAt} />
          <SelectField id="auth-signer" label="Signed by" value={signedBy} options={SIGNERS} onChange={setSignedBy} />
        </div>
        {signedBy === "representative" && <InputField id="auth-authority" label="The representative's authority" value={representativeAuthority} onChange={setRepresentativeAuthority} />}
      </fieldset>
      <CheckboxGroup id="auth-statements" legend="The form states (164.508(c)(2))" options={STATEMENTS} values={statements} onChange={setStatements} />
      <CheckboxGroup id="auth-defects" legend="Conditions that void it" options={DEFECTS} values={defects} onChange={setDefects} hint="Tick only if true." />
      <PdfField id="auth-document" label="Signed form (PDF)" onChange={setDocument} />
      <FormButtons submit="File authorization" disabled={action.busy} />
      {action.busy && <p className="muted">Filing…</p>}
      <Alert message={action.error} />
    </form>
  );
}

export function AuthorizationsPage() {
  const [mrn, setMrn] = useState("");
  // The patient shown: kept in memory only (never in the URL or the title).
  const [patient, setPatient] = useState("");
  const { data: authorizations, error, loading, reload } = useLoad((signal) => (patient ? searchAuthorizations(patient, signal) : Promise.resolve(null)), patient);
  const revoking = useRowForm<string>(reload);
  const [filed, setFiled] = useState<{ n: number; verdict: AuthorizationVerdict } | null>(null);

  const show = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const wanted = mrn.trim();
    revoking.close();
    setFiled(null);
    if (wanted === patient) reload();
    else setPatient(wanted);
  };

  return (
    <>
      <PageHeading>Authorizations</PageHeading>
      <form className="row row-end" role="search" onSubmit={show}>
        <InputField id="authorizations-mrn" label="Patient MRN" value={mrn} onChange={setMrn} required code />
        <FormButtons submit="Show" disabled={loading && patient !== ""} />
      </form>
      <LoadStatus loading={loading && patient !== ""} error={error}>
        Looking for the patient's authorizations…
      </LoadStatus>
      {patient && authorizations && (
        <>
          <section aria-labelledby="authorizations-list-heading">
            <h2 id="authorizations-list-heading">On file</h2>
            <p>{`Patient MRN ${patient}`}</p>
            <DataTable
              label="Authorizations table"
              columns={["Recipient", "Purpose", "Expires", "Status", "Defects"]}
              rows={authorizations}
              empty="No authorizations on file for this patient."
              rowKey={(a) => a.id}
              cells={(a) => (
                <>
                  <td className="break">{recipientsText(a)}</td>
                  <td>{a.purposes.map(purposeLabel).join(", ") || "—"}</td>
                  <td className="break">{a.expiresAt ? formatCalendarDay(a.expiresAt) : a.expirationEvent ? `When ${a.expirationEvent}` : "—"}</td>
                  <td>
                    <div className="cell-actions">
                      <span>{a.status === "revoked" ? `Revoked ${formatTime(a.revokedAt)}` : STATUS_TEXT[a.status]}</span>
                      {a.status !== "revoked" && (
                        <button type="button" className="button-secondary" aria-expanded={revoking.open === a.id} onClick={() => revoking.setOpen(a.id)}>
                          Revoke
                        </button>
                      )}
                    </div>
                  </td>
                  <td className="break">
                    {a.defects.length === 0 ? "None" : <DefectList defects={a.defects} />}
                  </td>
                </>
              )}
              rowForm={(a) => revoking.open === a.id && <RevokeForm authorization={a} onCancel={revoking.close} onDone={revoking.done} />}
            />
          </section>
          <section aria-labelledby="file-authorization-heading" className="card">
            <h2 id="file-authorization-heading">File an authorization</h2>
            <FileAuthorization
              key={`${patient}-${filed?.n ?? 0}`}
              patientMrn={patient}
              onFiled={(verdict) => {
                setFiled((prev) => ({ n: (prev?.n ?? 0) + 1, verdict }));
                reload();
              }}
            />
            {filed && <Verdict verdict={filed.verdict} />}
          </section>
        </>
      )}
    </>
  );
}
