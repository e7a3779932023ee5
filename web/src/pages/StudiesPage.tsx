// Studies: upload DICOM files, zips or folders (drop zone or pickers, with progress) and the searchable list of studies.
import { useRef, useState, type DragEvent, type FormEvent } from "react";
import { getPurposeOfUse, isAbort, listStudies, messageOf, uploadFiles, type UploadedFile } from "../api";
import { Alert } from "../components/Alert";
import { DataTable } from "../components/DataTable";
import { LoadStatus } from "../components/LoadStatus";
import { PageHeading } from "../components/PageHeading";
import { formatDate, orDash, plural } from "../format";
import { useLoad } from "../hooks";
import { studyHref } from "../router";

function fileFromEntry(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

function readBatch(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

/** Every file under a dropped entry (folders are walked; hidden files such as .DS_Store are skipped). */
async function collect(entry: FileSystemEntry, out: File[]): Promise<void> {
  if (entry.name.startsWith(".")) return;
  if (entry.isFile) {
    out.push(await fileFromEntry(entry as FileSystemFileEntry));
  } else if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    for (;;) {
      const batch = await readBatch(reader); // readEntries answers in batches until an empty one
      if (batch.length === 0) break;
      for (const child of batch) await collect(child, out);
    }
  }
}

function resultLine(f: UploadedFile): string {
  if (f.status === "imported") return f.findings === undefined ? `${f.name}: imported` : `${f.name}: imported (${plural(f.findings, "PHI finding", "PHI findings")})`;
  if (f.status === "refused") return f.reason ? `${f.name}: refused (${f.reason})` : `${f.name}: refused`;
  return `${f.name}: ${f.status}`;
}

function UploadSection({ onUploaded }: { onUploaded: () => void }) {
  const [files, setFiles] = useState<File[]>([]);
  const [dragging, setDragging] = useState(false);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState(0);
  const [results, setResults] = useState<UploadedFile[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const filesInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);

  const choose = (list: File[]) => {
    setFiles(list.filter((f) => !f.name.startsWith(".")));
    setResults(null);
    setError(null);
    setProgress(0);
  };

  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setDragging(false);
    // Entries must be taken while the event lasts; the DataTransfer is emptied afterwards.
    const entries = [...e.dataTransfer.items].map((i) => (i.kind === "file" ? i.webkitGetAsEntry() : null)).filter((x): x is FileSystemEntry => x !== null);
    const plain = [...e.dataTransfer.files];
    if (entries.length === 0) {
      choose(plain);
      return;
    }
    const out: File[] = [];
    void (async () => {
      try {
        for (const entry of entries) await collect(entry, out);
        choose(out);
      } catch (err) {
        setError(messageOf(err));
      }
    })();
  };

  const upload = async () => {
    if (files.length === 0) {
      setError("Choose files or a folder first.");
      return;
    }
    setBusy(true);
    setError(null);
    setResults(null);
    setProgress(0);
    try {
      const r = await uploadFiles(files, getPurposeOfUse(), setProgress);
      setResults(r.files);
      setFiles([]);
      if (filesInput.current) filesInput.current.value = "";
      if (folderInput.current) folderInput.current.value = "";
      onUploaded();
    } catch (err) {
      if (!isAbort(err)) setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="upload-heading" className="card">
      <h2 id="upload-heading">Upload</h2>
      <div
        className={dragging ? "drop-zone drop-zone-active" : "drop-zone"}
        onDragEnter={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragOver={(e) => {
          e.preventDefault();
          e.dataTransfer.dropEffect = "copy";
        }}
        onDragLeave={(e) => {
          if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false);
        }}
        onDrop={onDrop}
      >
        <p className="drop-hint">Drop DICOM files, zip archives or whole folders here, or choose them below.</p>
        <div className="field">
          <label htmlFor="upload-files">DICOM files or zip archives</label>
          <input ref={filesInput} id="upload-files" type="file" multiple onChange={(e) => choose([...(e.target.files ?? [])])} />
        </div>
        <div className="field">
          <label htmlFor="upload-folder">Choose a folder</label>
          <input
            ref={(el) => {
              folderInput.current = el;
              if (el) el.webkitdirectory = true;
            }}
            id="upload-folder"
            type="file"
            multiple
            onChange={(e) => choose([...(e.target.files ?? [])])}
          />
        </div>
        <p className="muted">{files.length === 0 ? "Nothing chosen yet." : `${plural(files.length, "file", "files")} ready to upload.`}</p>
      </div>
      <div className="row">
        <button type="button" onClick={() => void upload()} disabled={busy}>
          Upload
        </button>
        <progress aria-label="Upload progress" max={100} value={Math.round(progress * 100)} />
        {busy && <span className="muted">Uploading…</span>}
      </div>
      <Alert message={error} />
      {results && (
        <div role="status" className="results">
          {results.length === 0 ? (
            <p>No files were received.</p>
          ) : (
            <ul>
              {results.map((f, i) => (
                <li key={`${i}-${f.name}`} className={f.status === "refused" ? "result-refused" : undefined}>
                  {resultLine(f)}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}

export function StudiesPage() {
  const [patientId, setPatientId] = useState("");
  const [query, setQuery] = useState("");
  const { data: studies, error, loading, reload } = useLoad((signal) => listStudies(query, signal), query);

  const search = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const q = patientId.trim();
    if (q === query) reload();
    else setQuery(q);
  };

  return (
    <>
      <PageHeading>Studies</PageHeading>
      <UploadSection onUploaded={reload} />
      <section aria-labelledby="list-heading">
        <h2 id="list-heading">Search</h2>
        <form className="row row-end" onSubmit={search} role="search">
          <div className="field">
            <label htmlFor="search-patient-id">Patient ID</label>
            <input id="search-patient-id" autoComplete="off" spellCheck={false} value={patientId} onChange={(e) => setPatientId(e.target.value)} />
          </div>
          <button type="submit">Search</button>
        </form>
        <LoadStatus loading={loading && !studies} error={error}>
          Loading studies…
        </LoadStatus>
        {studies && (
          <DataTable
            label="Studies table"
            columns={["Patient", "Patient ID", "Date", "Description", "Modalities", "Images"]}
            rows={studies}
            empty={query ? "No studies for this patient ID." : "No studies yet. Upload some above."}
            rowKey={(s) => s.id}
            cells={(s) => (
              <>
                <td>{orDash(s.patientName)}</td>
                <td>{orDash(s.patientId)}</td>
                <td className="nowrap">{formatDate(s.studyDate)}</td>
                <td>
                  <a href={studyHref(s.id)}>{s.description || "Study"}</a>
                </td>
                <td>{s.modalities.length > 0 ? s.modalities.join(", ") : "—"}</td>
                <td className="num">{s.instances}</td>
              </>
            )}
          />
        )}
      </section>
    </>
  );
}
