// A page's h1, which takes focus when the page opens so screen readers and keyboards start at the top.
import { useEffect, useRef, type ReactNode } from "react";

export function PageHeading({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}
