// Accounting of disclosures for one patient (MRN sent in the body only): table, CSV download and print.
import { useRef, useState, type FormEvent } from "react";
import { getAccounting, getAccountingCsv, isAbort, messageOf, type AccountingLine } from "../api";
import { Alert } from "../components/Alert";
import { DataTable } from "../components/DataTable";
import { FormButtons } from "../components/FormButtons";
import { PageHeading } from "../components/PageHeading";
import { formatDate } from "../format";

interface Query {
  mrn: string;
  all: boolean;
}

export function AccountingPage() {
  const [mrn, setMrn] = useState("");
  const [all, setAll] = useState(false);
  const [shown, setShown] = useState<{ query: Query; lines: AccountingLine[] } | null>(null);
  const [busy, setBusy] = useState(false);
  const [downloading, setDownloading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inFlight = useRef<AbortController | null>(null);

  const show = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const query = { mrn: mrn.trim(), all };
    if (!query.mrn) {
      setError("Enter the patient's MRN.");
      return;
    }
    inFlight.current?.abort();
    const ac = new AbortController();
    inFlight.current = ac;
    setBusy(true);
    setError(null);
    try {
      const lines = await getAccounting(query.mrn, query.all, ac.signal);
      if (!ac.signal.aborted) setShown({ query, lines });
    } catch (err) {
      if (!ac.signal.aborted && !isAbort(err)) {
        setShown(null);
        setError(messageOf(err));
      }
    } finally {
      if (!ac.signal.aborted) setBusy(false);
    }
  };

  const downloadCsv = async () => {
    if (!shown) return;
    setDownloading(true);
    setError(null);
    try {
      const csv = await getAccountingCsv(shown.query.mrn, shown.query.all);
      const url = URL.createObjectURL(csv);
      const a = document.createElement("a");
      a.href = url;
      a.download = "accounting.csv";
      a.hidden = true;
      document.body.append(a);
      a.click();
      a.remove();
      // Give the browser a moment to start the download before the URL goes away.
      window.setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setDownloading(false);
    }
  };

  return (
    <>
      <PageHeading>Accounting of disclosures</PageHeading>
      <form className="stack no-print" onSubmit={(e) => void show(e)}>
        <div className="field">
          <label htmlFor="accounting-mrn">Patient MRN</label>
          <input id="accounting-mrn" autoComplete="off" spellCheck={false} required value={mrn} onChange={(e) => setMrn(e.target.value)} />
        </div>
        <div className="checkbox">
          <input id="accounting-all" type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} />
          <label htmlFor="accounting-all">Include disclosures exempt from the accounting</label>
        </div>
        <FormButtons submit="Show" disabled={busy} />
      </form>
      <Alert message={error} />
      {shown && (
        <section aria-labelledby="accounting-results" className="accounting-results">
          <h2 id="accounting-results">Disclosures</h2>
          <p>
            {`Patient MRN ${shown.query.mrn}`}
            {shown.query.all ? " · including disclosures exempt from the accounting" : ""}
          </p>
          <DataTable
            label="Disclosures table"
            columns={["Date", "Recipient", "Description", "Purpose", "Rule"]}
            rows={shown.lines}
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
            <button type="button" onClick={() => void downloadCsv()} disabled={downloading}>
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
