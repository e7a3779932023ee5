// The recipient directory: search it, add a recipient (warned when the address looks like another's), and record how an identity or address was verified.
import { Fragment, useState, type FormEvent } from "react";
import { addRecipient, messageOf, searchRecipients, verifyRecipient, type NewRecipient, type Recipient } from "../api";
import { Alert } from "../components/Alert";
import { PageHeading } from "../components/PageHeading";
import { TableWrap } from "../components/TableWrap";
import { yesNo } from "../format";
import { useDebounced, useLoad } from "../hooks";

const KINDS = [
  { value: "provider", label: "Provider" },
  { value: "health-plan", label: "Health plan" },
  { value: "clearinghouse", label: "Clearinghouse" },
  { value: "business-associate", label: "Business associate" },
  { value: "patient", label: "Patient" },
  { value: "personal-representative", label: "Personal representative" },
  { value: "other", label: "Other" },
] as const;

const METHODS = [
  { value: "code-reply", label: "A code we sent was replied to" },
  { value: "call-back", label: "We called back a known number" },
  { value: "in-person", label: "In person" },
  { value: "signed-form", label: "A signed form" },
  { value: "known-relationship", label: "A known relationship" },
] as const;

type Verifying = { id: string; what: "identity" | "address" };

function kindLabel(kind: string): string {
  return KINDS.find((k) => k.value === kind)?.label ?? kind;
}

/** Patients and their representatives are tied to a patient record by MRN. */
function needsMrn(kind: string): boolean {
  return kind === "patient" || kind === "personal-representative";
}

function VerifyForm({ target, onDone, onCancel }: { target: Verifying; onDone: () => void; onCancel: () => void }) {
  const [method, setMethod] = useState<string>(METHODS[0].value);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await verifyRecipient(target.id, target.what, method);
      onDone();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="stack inline-form" onSubmit={(e) => void submit(e)}>
      <p className="step-title">{target.what === "identity" ? "Record how the identity was checked" : "Record how the address was checked"}</p>
      <div className="field">
        <label htmlFor="verify-method">How it was verified</label>
        <select id="verify-method" autoFocus value={method} onChange={(e) => setMethod(e.target.value)}>
          {METHODS.map((m) => (
            <option key={m.value} value={m.value}>
              {m.label}
            </option>
          ))}
        </select>
      </div>
      <div className="row">
        <button type="submit" disabled={busy}>
          Record verification
        </button>
        <button type="button" className="button-secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
      <Alert message={error} />
    </form>
  );
}

function AddRecipient({ onAdded }: { onAdded: () => void }) {
  const [kind, setKind] = useState<string>("provider");
  const [name, setName] = useState("");
  const [organization, setOrganization] = useState("");
  const [npi, setNpi] = useState("");
  const [email, setEmail] = useState("");
  const [patientMrn, setPatientMrn] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [added, setAdded] = useState<{ name: string; lookalike: string[] | null } | null>(null);

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const body: NewRecipient = { kind, name: name.trim(), email: email.trim() };
    if (organization.trim()) body.organization = organization.trim();
    if (kind === "provider" && npi.trim()) body.npi = npi.trim();
    if (needsMrn(kind)) body.patientMrn = patientMrn.trim();
    setBusy(true);
    setError(null);
    setAdded(null);
    try {
      const r = await addRecipient(body);
      setAdded({ name: body.name, lookalike: r.lookalike ? r.lookalike.reasons ?? [] : null });
      setName("");
      setOrganization("");
      setNpi("");
      setEmail("");
      setPatientMrn("");
      onAdded();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="add-recipient-heading" className="card">
      <h2 id="add-recipient-heading">Add a recipient</h2>
      <form className="stack" onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor="recipient-kind">Kind</label>
          <select id="recipient-kind" value={kind} onChange={(e) => setKind(e.target.value)}>
            {KINDS.map((k) => (
              <option key={k.value} value={k.value}>
                {k.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="recipient-name">Name</label>
          <input id="recipient-name" autoComplete="off" required value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="recipient-organization">Organization</label>
          <input id="recipient-organization" autoComplete="off" aria-describedby="recipient-organization-hint" value={organization} onChange={(e) => setOrganization(e.target.value)} />
          <p id="recipient-organization-hint" className="hint">
            Optional.
          </p>
        </div>
        {kind === "provider" && (
          <div className="field">
            <label htmlFor="recipient-npi">NPI</label>
            <input id="recipient-npi" autoComplete="off" inputMode="numeric" spellCheck={false} aria-describedby="recipient-npi-hint" value={npi} onChange={(e) => setNpi(e.target.value)} />
            <p id="recipient-npi-hint" className="hint">
              Optional: the provider's 10-digit National Provider Identifier.
            </p>
          </div>
        )}
        <div className="field">
          <label htmlFor="recipient-email">Email address</label>
          <input id="recipient-email" type="email" autoComplete="off" autoCapitalize="none" spellCheck={false} required value={email} onChange={(e) => setEmail(e.target.value)} />
        </div>
        {needsMrn(kind) && (
          <div className="field">
            <label htmlFor="recipient-mrn">Patient MRN</label>
            <input id="recipient-mrn" autoComplete="off" spellCheck={false} required value={patientMrn} onChange={(e) => setPatientMrn(e.target.value)} />
          </div>
        )}
        <div>
          <button type="submit" disabled={busy}>
            Add recipient
          </button>
        </div>
      </form>
      {busy && <p className="muted">Adding…</p>}
      <Alert message={error} />
      {added && <p className="notice">{`${added.name} was added to the directory.`}</p>}
      {added?.lookalike && <Alert message={`This address looks like the address of another recipient (${added.lookalike.join(", ")}). Check it is not a typo before verifying it.`} />}
    </section>
  );
}

export function DirectoryPage() {
  const [query, setQuery] = useState("");
  const q = useDebounced(query.trim(), 300);
  const { data: recipients, error, loading, reload } = useLoad((signal) => searchRecipients(q, signal), q);
  const [verifying, setVerifying] = useState<Verifying | null>(null);

  const open = (r: Recipient, what: Verifying["what"]) => setVerifying({ id: r.id, what });

  return (
    <>
      <PageHeading>Directory</PageHeading>
      <section aria-labelledby="directory-list-heading">
        <h2 id="directory-list-heading">Recipients</h2>
        <form className="row row-end" role="search" onSubmit={(e) => e.preventDefault()}>
          <div className="field">
            <label htmlFor="directory-search">Search the directory</label>
            <input id="directory-search" type="search" autoComplete="off" spellCheck={false} value={query} onChange={(e) => setQuery(e.target.value)} />
          </div>
        </form>
        <Alert message={error} />
        {loading && !recipients && <p className="muted">Loading the directory…</p>}
        {recipients && recipients.length === 0 && <p>{q ? "No one in the directory matches." : "The directory is empty. Add a recipient below."}</p>}
        {recipients && recipients.length > 0 && (
          <TableWrap label="Directory table">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Identity verified</th>
                  <th scope="col">Verify</th>
                </tr>
              </thead>
              <tbody>
                {recipients.map((r) => {
                  const here = verifying?.id === r.id ? verifying : null;
                  return (
                    <Fragment key={r.id}>
                      <tr>
                        <td className="break">{r.name}</td>
                        <td>{kindLabel(r.kind)}</td>
                        <td>{yesNo(r.verified)}</td>
                        <td>
                          <div className="cell-actions">
                            <button type="button" className="button-secondary" aria-expanded={here?.what === "identity"} onClick={() => open(r, "identity")}>
                              Verify identity
                            </button>
                            <button type="button" className="button-secondary" aria-expanded={here?.what === "address"} onClick={() => open(r, "address")}>
                              Verify address
                            </button>
                          </div>
                        </td>
                      </tr>
                      {here && (
                        <tr>
                          <td colSpan={4}>
                            <VerifyForm
                              key={here.what}
                              target={here}
                              onCancel={() => setVerifying(null)}
                              onDone={() => {
                                setVerifying(null);
                                reload();
                              }}
                            />
                          </td>
                        </tr>
                      )}
                    </Fragment>
                  );
                })}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>
      <AddRecipient onAdded={reload} />
    </>
  );
}
