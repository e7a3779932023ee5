// Accounting of disclosures for one patient (MRN sent in the body only): table, CSV download and print.
import { useState, type FormEvent } from "react";
import { getAccounting, getAccountingCsv } from "../api";
import { Alert } from "../components/Alert";
import { DataTable } from "../components/DataTable";
import { FormButtons } from "../components/FormButtons";
import { PageHeading } from "../components/PageHeading";
import { formatDate } from "../format";
import { useAction, useLoad } from "../hooks";

interface Query {
  mrn: string;
  all: boolean;
}

export function AccountingPage() {
  const [mrn, setMrn] = useState("");
  const [all, setAll] = useState(false);
  const [query, setQuery] = useState<Query | null>(null);
  const shown = useLoad((signal) => (query ? getAccounting(query.mrn, query.all, signal) : Promise.resolve(null)), query ? `${query.mrn}\u0000${query.all}` : "");
  const csv = useAction();
  const [checkError, setCheckError] = useState<string | null>(null);

  const show = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const next = { mrn: mrn.trim(), all };
    setCheckError(next.mrn ? null : "Enter the patient's MRN.");
    if (!next.mrn) return;
    // The same query again is read again.
    if (query && next.mrn === query.mrn && next.all === query.all) shown.reload();
    else setQuery(next);
  };

  const downloadCsv = () =>
    csv.run(async () => {
      if (!query) return;
      const url = URL.createObjectURL(await getAccountingCsv(query.mrn, query.all));
      const a = document.createElement("a");
      a.href = url;
      a.download = "accounting.csv";
      a.hidden = true;
      document.body.append(a);
      a.click();
      a.remove();
      // Give the browser a moment to start the download before the URL goes away.
      window.setTimeout(() => URL.revokeObjectURL(url), 1000);
    });
  const lines = query && !shown.loading && !shown.error ? shown.data : null;

  return (
    <>
      <PageHeading>Accounting of disclosures</PageHeading>
      <form className="stack no-print" onSubmit={show}>
        <div className="field">
          <label htmlFor="accounting-mrn">Patient MRN</label>
          <input id="accounting-mrn" autoComplete="off" spellCheck={false} required value={mrn} onChange={(e) => setMrn(e.target.value)} />
        </div>
        <div className="checkbox">
          <input id="accounting-all" type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} />
          <label htmlFor="accounting-all">Include disclosures exempt from the accounting</label>
        </div>
        <FormButtons submit="Show" disabled={query !== null && shown.loading} />
      </form>
      <Alert message={checkError ?? shown.error ?? csv.error} />
      {query && lines && (
        <section aria-labelledby="accounting-results">
          <h2 id="accounting-results">Disclosures</h2>
          <p>
            {`Patient MRN ${query.mrn}`}
            {query.all ? " · including disclosures exempt from the accounting" : ""}
          </p>
          <DataTable
            label="Disclosures table"
            columns={["Date", "Recipient", "Description", "Purpose", "Rule"]}
            rows={lines}
            empty="No disclosures to account for."
            rowKey={(_, i) => i}
            cells={(l) => (
              <>
                <td className="nowrap">{formatDate(l.date)}</td>
                <td className="break">{l.recipient}</td>
                <td>{l.description}</td>
                <td>{l.purpose}</td>
                <td>
                  {l.citation}
                  {l.accountable === false && <span className="tag">exempt</span>}
                </td>
              </>
            )}
          />
          <div className="row no-print">
            <button type="button" onClick={() => void downloadCsv()} disabled={csv.busy}>
              Download CSV
            </button>
            <button type="button" className="button-secondary" onClick={() => window.print()}>
              Print
            </button>
          </div>
        </section>
      )}
    </>
  );
}
