// The recipient directory: search it, add a recipient (warned when the address looks like another's), and record how an identity or address was verified.
import { useState, type FormEvent } from "react";
import { addRecipient, searchRecipients, verifyRecipient, type NewRecipient, type Recipient } from "../api";
import { Alert } from "../components/Alert";
import { DataTable } from "../components/DataTable";
import { FormButtons } from "../components/FormButtons";
import { LoadStatus } from "../components/LoadStatus";
import { PageHeading } from "../components/PageHeading";
import { SelectField } from "../components/SelectField";
import { RECIPIENT_KINDS, recipientKindLabel, yesNo } from "../format";
import { useAction, useDebounced, useLoad, useRowForm } from "../hooks";

const METHODS = [
  { value: "code-reply", label: "A code we sent was replied to" },
  { value: "call-back", label: "We called back a known number" },
  { value: "in-person", label: "In person" },
  { value: "signed-form", label: "A signed form" },
  { value: "known-relationship", label: "A known relationship" },
] as const;

type Verifying = { id: string; what: "identity" | "address" };

/** Patients and their representatives are tied to a patient record by MRN. */
function needsMrn(kind: string): boolean {
  return kind === "patient" || kind === "personal-representative";
}

function VerifyForm({ target, onDone, onCancel }: { target: Verifying; onDone: () => void; onCancel: () => void }) {
  const [method, setMethod] = useState<string>(METHODS[0].value);
  const action = useAction();

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    await action.run(async () => {
      await verifyRecipient(target.id, target.what, method);
      onDone();
    });
  };

  return (
    <form className="stack inline-form" onSubmit={(e) => void submit(e)}>
      <p className="step-title">{target.what === "identity" ? "Record how the identity was checked" : "Record how the address was checked"}</p>
      <SelectField id="verify-method" label="How it was verified" autoFocus value={method} options={METHODS} onChange={setMethod} />
      <FormButtons submit="Record verification" disabled={action.busy} secondary={{ text: "Cancel", onClick: onCancel }} />
      <Alert message={action.error} />
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
  const action = useAction();
  const [added, setAdded] = useState<{ name: string; lookalike: string[] | null } | null>(null);

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const body: NewRecipient = { kind, name: name.trim(), email: email.trim() };
    if (organization.trim()) body.organization = organization.trim();
    if (kind === "provider" && npi.trim()) body.npi = npi.trim();
    if (needsMrn(kind)) body.patientMrn = patientMrn.trim();
    setAdded(null);
    await action.run(async () => {
      const r = await addRecipient(body);
      setAdded({ name: body.name, lookalike: r.lookalike ? r.lookalike.reasons ?? [] : null });
      setName("");
      setOrganization("");
      setNpi("");
      setEmail("");
      setPatientMrn("");
      onAdded();
    });
  };

  return (
    <section aria-labelledby="add-recipient-heading" className="card">
      <h2 id="add-recipient-heading">Add a recipient</h2>
      <form className="stack" onSubmit={(e) => void submit(e)}>
        <SelectField id="recipient-kind" label="Kind" value={kind} options={RECIPIENT_KINDS} onChange={setKind} />
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
        <FormButtons submit="Add recipient" disabled={action.busy} />
      </form>
      {action.busy && <p className="muted">Adding…</p>}
      <Alert message={action.error} />
      {added && <p className="notice">{`${added.name} was added to the directory.`}</p>}
      {added?.lookalike && <Alert message={`This address looks like the address of another recipient (${added.lookalike.join(", ")}). Check it is not a typo before verifying it.`} />}
    </section>
  );
}

export function DirectoryPage() {
  const [query, setQuery] = useState("");
  const q = useDebounced(query.trim(), 300);
  const { data: recipients, error, loading, reload } = useLoad((signal) => searchRecipients(q, signal), q);
  const verifying = useRowForm<Verifying>(reload);

  const open = (r: Recipient, what: Verifying["what"]) => verifying.setOpen({ id: r.id, what });
  const verifyingHere = (r: Recipient) => (verifying.open?.id === r.id ? verifying.open : null);

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
        <LoadStatus loading={loading && !recipients} error={error}>
          Loading the directory…
        </LoadStatus>
        {recipients && (
          <DataTable
            label="Directory table"
            columns={["Name", "Kind", "Identity verified", "Verify"]}
            rows={recipients}
            empty={q ? "No one in the directory matches." : "The directory is empty. Add a recipient below."}
            rowKey={(r) => r.id}
            cells={(r) => (
              <>
                <td className="break">{r.name}</td>
                <td>{recipientKindLabel(r.kind)}</td>
                <td>{yesNo(r.verified)}</td>
                <td>
                  <div className="cell-actions">
                    <button type="button" className="button-secondary" aria-expanded={verifyingHere(r)?.what === "identity"} onClick={() => open(r, "identity")}>
                      Verify identity
                    </button>
                    <button type="button" className="button-secondary" aria-expanded={verifyingHere(r)?.what === "address"} onClick={() => open(r, "address")}>
                      Verify address
                    </button>
                  </div>
                </td>
              </>
            )}
            rowForm={(r) => {
              const here = verifyingHere(r);
              return here && <VerifyForm key={here.what} target={here} onCancel={verifying.close} onDone={verifying.done} />;
            }}
          />
        )}
      </section>
      <AddRecipient onAdded={reload} />
    </>
  );
}
