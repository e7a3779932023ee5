// A labelled select in its field: the options as value and label, the chosen value handed back as text.
export interface SelectOption {
  value: string;
  label: string;
}

interface Props {
  id: string;
  label: string;
  value: string;
  options: readonly SelectOption[];
  onChange: (value: string) => void;
  autoFocus?: boolean;
  /** Beside the label rather than under it. */
  inline?: boolean;
}

export function SelectField({ id, label, value, options, onChange, autoFocus, inline = false }: Props) {
  return (
    <div className={inline ? "field field-inline" : "field"}>
      <label htmlFor={id}>{label}</label>
      <select id={id} autoFocus={autoFocus} value={value} onChange={(e) => onChange(e.target.value)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}
