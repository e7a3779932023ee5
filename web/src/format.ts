// Display helpers: dates, counts and missing values, the same way on every page.

export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A server timestamp (ISO text or epoch ms) as local date and time; "—" when absent. */
export function formatTime(t: string | number | null | undefined): string {
  if (t === null || t === undefined || t === "") return "—";
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  return d.toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/** A DICOM-style study date (YYYY-MM-DD or "") left as written: it is a calendar date, not an instant. */
export function formatDate(d: string | number | null | undefined): string {
  if (d === null || d === undefined || d === "") return "—";
  if (typeof d === "string" && /^\d{4}-\d{2}-\d{2}$/.test(d)) return d;
  return formatTime(d);
}

export function orDash(v: string | number | null | undefined): string {
  return v === null || v === undefined || v === "" ? "—" : String(v);
}
