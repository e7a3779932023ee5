// The purpose-of-use select (treatment, payment, operations): the header's, and the capture page's.
import { PURPOSES_OF_USE, type PurposeOfUse } from "../api";

const PURPOSE_LABELS: Record<PurposeOfUse, string> = { treatment: "Treatment", payment: "Payment", operations: "Operations" };

export function PurposeSelect({ id, label, value, onChange, inline = false }: { id: string; label: string; value: PurposeOfUse; onChange: (p: PurposeOfUse) => void; inline?: boolean }) {
  return (
    <div className={inline ? "field field-inline" : "field"}>
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value}
        onChange={(e) => {
          const v = e.target.value;
          if ((PURPOSES_OF_USE as readonly string[]).includes(v)) onChange(v as PurposeOfUse);
        }}
      >
        {PURPOSES_OF_USE.map((p) => (
          <option key={p} value={p}>
            {PURPOSE_LABELS[p]}
          </option>
        ))}
      </select>
    </div>
  );
}
