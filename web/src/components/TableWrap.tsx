// A keyboard-scrollable wrapper so wide tables scroll inside themselves instead of the page (375 px screens).
import type { ReactNode } from "react";

export function TableWrap({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="table-wrap" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
