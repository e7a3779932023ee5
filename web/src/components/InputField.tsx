// A labelled text, date or multi-line field in its `field` box, with an optional hint read out with it; the value handed back as text.
interface Props {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  type?: "text" | "date" | "datetime-local";
  /** A textarea instead of a one-line input. */
  multiline?: boolean;
  hint?: string;
  required?: boolean;
  /** Codes and identifiers: no spelling check, no capitals added. */
  code?: boolean;
}

export function InputField({ id, label, value, onChange, type = "text", multiline = false, hint, required = false, code = false }: Props) {
  const hintId = hint ? `${id}-hint` : undefined;
  const common = { id, value, required, "aria-describedby": hintId, ...(code ? { spellCheck: false, autoCapitalize: "none" } : {}) };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {multiline ? <textarea rows={3} {...common} onChange={(e) => onChange(e.target.value)} /> : <input type={type} autoComplete="off" {...common} onChange={(e) => onChange(e.target.value)} />}
      {hint && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
    </div>
  );
}
