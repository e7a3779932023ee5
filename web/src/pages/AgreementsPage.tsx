// Business associate agreements (164.504(e)) and data use agreements (164.514(e)), kept by the privacy officer: the list with what is in force, terminating one, and adding one with its signed PDF.
import { useState, type FormEvent } from "react";
import { addAgreement, listAgreements, terminateAgreement, type Agreement, type Recipient } from "../api";
import { Alert } from "../components/Alert";
import { CheckboxGroup } from "../components/CheckboxGroup";
import { DataTable } from "../components/DataTable";
import { FormButtons } from "../components/FormButtons";
import { InputField } from "../components/InputField";
import { RefreshBar } from "../components/LoadStatus";
import { PageHeading } from "../components/PageHeading";
import { PdfField } from "../components/PdfField";
import { RecipientPicker } from "../components/RecipientPicker";
import { SelectField } from "../components/SelectField";
import { formatCalendarDay, purposeLabel, purposeOptions } from "../format";
import { useAction, useLoad, useRowForm } from "../hooks";

const KINDS = [
  { value: "baa", label: "Business associate agreement (BAA)" },
  { value: "dua", label: "Data use agreement (DUA)" },
] as const;

/** What an agreement may cover: the purposes a business associate works for, and research under a data use agreement. */
const COVERS = purposeOptions(["treatment", "payment", "operations", "research"]);

function kindText(kind: string): string {
  return kind === "baa" ? "BAA" : kind === "dua" ? "DUA" : kind;
}

/** Whether it is in force now, and if not, why not. */
function standing(a: Agreement): string {
  if (a.inForce) return a.terminatedAt ? `In force until ${formatCalendarDay(a.terminatedAt)}` : "In force";
  if (a.terminatedAt) return `Terminated ${formatCalendarDay(a.terminatedAt)}`;
  return a.endsAt && new Date(a.endsAt).getTime() <= Date.now() ? "Ended" : "Not yet in force";
}

function TerminateForm({ agreement, onDone, onCancel }: { agreement: Agreement; onDone: () => void; onCancel: () => void }) {
  const [at, setAt] = useState("");
  const action = useAction();

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    await action.run(async () => {
      await terminateAgreement(agreement.id, at);
      onDone();
    });
  };

  return (
    <form className="stack inline-form" onSubmit={(e) => void submit(e)} aria-label={`Terminate the agreement with ${agreement.recipient.name}`}>
      <p className="step-title">Terminate this agreement</p>
      <InputField id="terminate-at" type="date" label="Terminated on" value={at} onChange={setAt} hint="Leave empty to terminate it now. Disclosures after this day no longer rely on it." />
      <FormButtons submit="Terminate agreement" disabled={action.busy} secondary={{ text: "Cancel", onClick: onCancel }} />
      <Alert message={action.error} />
    </form>
  );
}

function AddAgreement({ onAdded }: { onAdded: (recipient: string) => void }) {
  const [kind, setKind] = useState<string>("baa");
  const [recipient, setRecipient] = useState<Recipient | null>(null);
  const [parties, setParties] = useState("");
  const [scope, setScope] = useState<string[]>([]);
  const [effective, setEffective] = useState("");
  const [ends, setEnds] = useState("");
  const [document, setDocument] = useState<File | null>(null);
  const action = useAction();
  const baa = kind === "baa";

  const chooseKind = (k: string) => {
    setKind(k);
    // A BAA is with a business associate only: another kind of recipient picked for a DUA is dropped.
    if (k === "baa" && recipient && recipient.kind !== "business-associate") setRecipient(null);
  };

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (!recipient) return action.setError("Choose the recipient the agreement is with.");
    if (scope.length === 0) return action.setError("Tick at least one purpose the agreement covers.");
    if (!document) return action.setError("Choose the signed agreement (a PDF).");
    await action.run(async () => {
      await addAgreement({ recipientId: recipient.id, kind, parties, effective, ends, scope, document });
      onAdded(recipient.name);
    });
  };

  return (
    <form className="stack" onSubmit={(e) => void submit(e)}>
      <SelectField id="agreement-kind" label="Kind of agreement" value={kind} options={KINDS} onChange={chooseKind} />
      <RecipientPicker
        id="agreement"
        legend="With"
        value={recipient}
        onChange={setRecipient}
        {...(baa ? { kinds: ["business-associate"], hint: "A BAA is signed with a business associate: only business associates are listed." } : {})}
      />
      <InputField id="agreement-parties" label="Parties" value={parties} onChange={setParties} required hint="Who signed, for whom (as on the agreement)." />
      <CheckboxGroup id="agreement-scope" legend="Covers" options={COVERS} values={scope} onChange={setScope} hint="The purposes the recipient may receive information for under this agreement." />
      <div className="row">
        <InputField id="agreement-effective" type="date" label="Effective from" value={effective} onChange={setEffective} required />
        <InputField id="agreement-ends" type="date" label="Ends on" value={ends} onChange={setEnds} hint="Optional." />
      </div>
      <PdfField id="agreement-document" label="Signed agreement (PDF)" onChange={setDocument} />
      <FormButtons submit="Add agreement" disabled={action.busy} />
      {action.busy && <p className="muted">Storing the agreement…</p>}
      <Alert message={action.error} />
    </form>
  );
}

export function AgreementsPage() {
  const { data: agreements, error, loading, reload } = useLoad((signal) => listAgreements(signal), "agreements");
  const terminating = useRowForm<string>(reload);
  const [added, setAdded] = useState<{ n: number; recipient: string } | null>(null);

  return (
    <>
      <PageHeading>Agreements</PageHeading>
      <section aria-labelledby="agreements-list-heading">
        <h2 id="agreements-list-heading">On file</h2>
        <RefreshBar loading={loading} error={error} onRefresh={reload} />
        {agreements && (
          <DataTable
            label="Agreements table"
            columns={["Recipient", "Kind", "Parties", "Covers", "Effective", "Ends", "Terminated"]}
            rows={agreements}
            empty="No agreements on file. Add one below."
            rowKey={(a) => a.id}
            cells={(a) => (
              <>
                <td className="break">{a.recipient.name}</td>
                <td>{kindText(a.kind)}</td>
                <td className="break">{a.parties}</td>
                <td>{a.scope.map(purposeLabel).join(", ")}</td>
                <td className="nowrap">{formatCalendarDay(a.effectiveAt)}</td>
                <td className="nowrap">{formatCalendarDay(a.endsAt)}</td>
                <td>
                  <div className="cell-actions">
                    <span>{standing(a)}</span>
                    {a.inForce || standing(a) === "Not yet in force" ? (
                      <button type="button" className="button-secondary" aria-expanded={terminating.open === a.id} onClick={() => terminating.setOpen(a.id)}>
                        Terminate
                      </button>
                    ) : null}
                  </div>
                </td>
              </>
            )}
            rowForm={(a) => terminating.open === a.id && <TerminateForm agreement={a} onCancel={terminating.close} onDone={terminating.done} />}
          />
        )}
      </section>
      <section aria-labelledby="add-agreement-heading" className="card">
        <h2 id="add-agreement-heading">Add an agreement</h2>
        <AddAgreement
          key={added?.n ?? 0}
          onAdded={(recipient) => {
            setAdded((prev) => ({ n: (prev?.n ?? 0) + 1, recipient }));
            reload();
          }}
        />
        {added && (
          <p role="status" className="notice">
            {`The agreement with ${added.recipient} was added.`}
          </p>
        )}
      </section>
    </>
  );
}
