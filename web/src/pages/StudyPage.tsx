// One study: its images (with burned-in text boxes once found), the PHI report per image, and the share wizard.
import { useEffect, useMemo, useRef, useState } from "react";
import { getPhi, getPreview, getStudy, isAbort, messageOf, type BurnedIn, type PhiReport, type Study } from "../api";
import { Alert } from "../components/Alert";
import { BlobImage } from "../components/BlobImage";
import { DataTable } from "../components/DataTable";
import { LoadStatus } from "../components/LoadStatus";
import { PageHeading } from "../components/PageHeading";
import { SelectField } from "../components/SelectField";
import { ShareWizard } from "../components/ShareWizard";
import { formatDate, plural } from "../format";
import { useLoad } from "../hooks";

const FIRST_IMAGES = 8;

interface Item {
  id: string;
  n: number;
  kind: "dicom" | "photo";
  modality: string;
  series: string;
}

/** How a preview is windowed: the header's window, or stretched to the image's own range. */
type Windowing = "header" | "auto";

function itemsOf(study: Study | undefined): Item[] {
  if (!study) return [];
  const out: Item[] = [];
  for (const s of study.series ?? []) {
    for (const i of s.instances ?? []) out.push({ id: i.id, n: out.length + 1, kind: i.kind, modality: s.modality, series: s.description });
  }
  return out;
}

function pct(part: number, whole: number): string {
  if (!(whole > 0)) return "0%";
  return `${Math.min(100, Math.max(0, (part / whole) * 100))}%`;
}

function ImageCard({ item, burnedIn, windowing }: { item: Item; burnedIn: BurnedIn | undefined; windowing: Windowing }) {
  return (
    <li className="image-card">
      <figure>
        <div className="image-frame">
          <BlobImage imageKey={`${item.id}:${windowing}`} load={(signal) => getPreview(item.id, signal, windowing)} alt={`Image ${item.n}`} className="preview" />
          {burnedIn?.regions.map((r, i) => (
            <div
              key={i}
              className="burned-in-box"
              aria-hidden="true"
              style={{ left: pct(r.x, burnedIn.width), top: pct(r.y, burnedIn.height), width: pct(r.width, burnedIn.width), height: pct(r.height, burnedIn.height) }}
            />
          ))}
        </div>
        <figcaption className="muted">
          {[item.modality, item.series, item.kind === "photo" ? "photo" : ""].filter(Boolean).join(" · ") || "\u00a0"}
        </figcaption>
        {burnedIn && <p className="burned-in-line">{plural(burnedIn.regions.length, "region", "regions")} of burned-in text found</p>}
      </figure>
    </li>
  );
}

function PhiReportSection({ items, onBurnedIn }: { items: Item[]; onBurnedIn: (item: Item, b: BurnedIn) => void }) {
  const [selected, setSelected] = useState(items[0]?.id ?? "");
  const [scanned, setScanned] = useState<Record<string, PhiReport>>({});
  const [scanning, setScanning] = useState<string | null>(null);
  const [scanNote, setScanNote] = useState<string | null>(null);
  const [scanError, setScanError] = useState<string | null>(null);
  const scanAbort = useRef<AbortController | null>(null);
  const { data, error, loading } = useLoad((signal) => (selected ? getPhi(selected, false, signal) : Promise.resolve({ findings: [] })), selected);

  useEffect(() => () => scanAbort.current?.abort(), []);

  const item = items.find((i) => i.id === selected);
  const findings = scanned[selected]?.findings ?? data?.findings;

  const lookForBurnedIn = async () => {
    if (!item) return;
    scanAbort.current?.abort();
    const ac = new AbortController();
    scanAbort.current = ac;
    setScanning(item.id);
    setScanNote(null);
    setScanError(null);
    try {
      const r = await getPhi(item.id, true, ac.signal);
      if (ac.signal.aborted) return;
      setScanned((m) => ({ ...m, [item.id]: r }));
      if (r.burnedIn) {
        onBurnedIn(item, r.burnedIn);
        setScanNote(`Finished looking for burned-in text in Image ${item.n}.`);
      } else {
        setScanNote(`The server did not report on burned-in text for Image ${item.n}.`);
      }
    } catch (e) {
      if (!ac.signal.aborted && !isAbort(e)) setScanError(messageOf(e));
    } finally {
      if (!ac.signal.aborted) setScanning(null);
    }
  };

  return (
    <section aria-labelledby="phi-heading" className="card">
      <h2 id="phi-heading">PHI report</h2>
      <p className="muted">What identifies the patient in each image: header attributes, photo metadata and file names. Values are masked.</p>
      <div className="row row-end">
        <SelectField
          id="phi-image"
          label="Image"
          value={selected}
          options={items.map((i) => ({ value: i.id, label: `Image ${i.n}` }))}
          onChange={(v) => {
            setSelected(v);
            setScanNote(null);
            setScanError(null);
          }}
        />
        <button type="button" onClick={() => void lookForBurnedIn()} disabled={scanning !== null || !item}>
          Look for burned-in text
        </button>
      </div>
      {scanning !== null && (
        <p role="status" className="notice">
          Looking for burned-in text…
        </p>
      )}
      {scanning === null && scanNote && <p className="notice">{scanNote}</p>}
      <Alert message={scanError} />
      <LoadStatus loading={loading && !findings} error={error}>
        Reading the report…
      </LoadStatus>
      {findings && (
        <DataTable
          label="PHI report table"
          columns={["Where", "Attribute", "Kind", "Value"]}
          rows={findings}
          empty="No PHI found in this image's header, metadata or file name."
          rowKey={(f, i) => `${i}-${f.attribute}`}
          cells={(f) => (
            <>
              <td>{f.where}</td>
              <td className="break">{f.attribute}</td>
              <td>{f.kind}</td>
              <td className="break">{f.value}</td>
            </>
          )}
        />
      )}
    </section>
  );
}

export function StudyPage({ id }: { id: string }) {
  const { data: study, error, loading } = useLoad((signal) => getStudy(id, signal), id);
  const [showAll, setShowAll] = useState(false);
  const [burned, setBurned] = useState<Record<string, BurnedIn>>({});
  const [windowing, setWindowing] = useState<Windowing>("header");
  const items = useMemo(() => itemsOf(study), [study]);
  const shown = showAll ? items : items.slice(0, FIRST_IMAGES);

  const onBurnedIn = (item: Item, b: BurnedIn) => {
    setBurned((m) => ({ ...m, [item.id]: b }));
    if (item.n > FIRST_IMAGES) setShowAll(true);
  };

  return (
    <>
      <PageHeading>Study</PageHeading>
      {study && (
        <div className="study-meta">
          <p>
            <strong>{study.patientName || "Unnamed patient"}</strong>
          </p>
          <p>
            Patient ID {study.patientId || "—"} · {formatDate(study.studyDate)}
            {study.description ? ` · ${study.description}` : ""}
          </p>
        </div>
      )}
      <LoadStatus loading={loading && !study} error={error}>
        Loading the study…
      </LoadStatus>
      {study && (
        <>
          <section aria-labelledby="images-heading">
            <h2 id="images-heading">Images</h2>
            {items.length === 0 && <p>This study has no images.</p>}
            {items.length > 0 && (
              <div className="field">
                <label htmlFor="windowing">Window</label>
                <select id="windowing" value={windowing} onChange={(e) => setWindowing(e.target.value === "auto" ? "auto" : "header")}>
                  <option value="header">As stored (the image's own window)</option>
                  <option value="auto">Stretched to the image's range</option>
                </select>
              </div>
            )}
            <ul className="image-grid">
              {shown.map((item) => (
                <ImageCard key={item.id} item={item} burnedIn={burned[item.id]} windowing={windowing} />
              ))}
            </ul>
            {!showAll && items.length > FIRST_IMAGES && (
              <div className="row">
                <span className="muted">
                  Showing {FIRST_IMAGES} of {items.length} images.
                </span>
                <button type="button" className="button-secondary" onClick={() => setShowAll(true)}>
                  Show all
                </button>
              </div>
            )}
          </section>
          {items.length > 0 ? (
            <PhiReportSection items={items} onBurnedIn={onBurnedIn} />
          ) : (
            <section aria-labelledby="phi-heading" className="card">
              <h2 id="phi-heading">PHI report</h2>
              <p>There are no images to report on.</p>
            </section>
          )}
          <section aria-labelledby="share-heading" className="card">
            <h2 id="share-heading">Share</h2>
            <ShareWizard studyId={study.id} />
          </section>
        </>
      )}
    </>
  );
}
