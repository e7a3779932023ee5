// A form's buttons: the submit button, and beside it, when given, a secondary one (Cancel, Refuse); both off while `disabled` (the form busy).
import type { ReactNode } from "react";

interface Props {
  submit: ReactNode;
  disabled: boolean;
  secondary?: { text: ReactNode; onClick: () => void };
}

export function FormButtons({ submit, disabled, secondary }: Props) {
  const button = (
    <button type="submit" disabled={disabled}>
      {submit}
    </button>
  );
  if (!secondary) return <div>{button}</div>;
  return (
    <div className="row">
      {button}
      <button type="button" className="button-secondary" onClick={secondary.onClick} disabled={disabled}>
        {secondary.text}
      </button>
    </div>
  );
}
