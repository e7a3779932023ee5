// The purpose-of-use select (treatment, payment, operations): the header's, and the capture page's.
import { PURPOSES_OF_USE, type PurposeOfUse } from "../api";
import { purposeOptions } from "../format";
import { SelectField } from "./SelectField";

const OPTIONS = purposeOptions(PURPOSES_OF_USE);

export function PurposeSelect({ id, label, value, onChange, inline = false }: { id: string; label: string; value: PurposeOfUse; onChange: (p: PurposeOfUse) => void; inline?: boolean }) {
  return (
    <SelectField
      id={id}
      label={label}
      value={value}
      options={OPTIONS}
      inline={inline}
      onChange={(v) => {
        if ((PURPOSES_OF_USE as readonly string[]).includes(v)) onChange(v as PurposeOfUse);
      }}
    />
  );
}
