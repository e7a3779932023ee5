// A labelled group of checkboxes (a fieldset and its legend): the ticked options' values handed back as a list, in the options' order.
import type { SelectOption } from "./SelectField";

interface Props {
  id: string;
  legend: string;
  options: readonly SelectOption[];
  values: readonly string[];
  onChange: (values: string[]) => void;
  hint?: string;
}

export function CheckboxGroup({ id, legend, options, values, onChange, hint }: Props) {
  const toggle = (value: string, on: boolean) => onChange(options.map((o) => o.value).filter((v) => (v === value ? on : values.includes(v))));
  return (
    <fieldset aria-describedby={hint ? `${id}-hint` : undefined}>
      <legend>{legend}</legend>
      {hint && (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      )}
      {options.map((o) => (
        <div key={o.value} className="checkbox">
          <input type="checkbox" id={`${id}-${o.value}`} checked={values.includes(o.value)} onChange={(e) => toggle(o.value, e.target.checked)} />
          <label htmlFor={`${id}-${o.value}`}>{o.label}</label>
        </div>
      ))}
    </fieldset>
  );
}
