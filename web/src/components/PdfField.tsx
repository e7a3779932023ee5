// The signed document's file field: a PDF chosen from the device, handed back as the File (nothing is read or kept in the page).
interface Props {
  id: string;
  label: string;
  onChange: (file: File | null) => void;
}

export function PdfField({ id, label, onChange }: Props) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="file" accept="application/pdf,.pdf" required aria-describedby={`${id}-hint`} onChange={(e) => onChange(e.target.files?.[0] ?? null)} />
      <p id={`${id}-hint`} className="hint">
        The scanned, signed copy as a PDF (at most 20 MB). It is kept encrypted in the vault.
      </p>
    </div>
  );
}
