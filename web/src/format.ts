// Display helpers: dates, times, counts, yes/no and missing values, and request formats and channels, the same way on every page.

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

function instant(t: string | number | null | undefined): Date | null {
  if (t === null || t === undefined || t === "") return null;
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** A server timestamp as a local calendar date only (a deadline); "—" when absent. */
export function formatDay(t: string | number | null | undefined): string {
  const d = instant(t);
  if (!d) return t === null || t === undefined || t === "" ? "—" : String(t);
  return d.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
}

/** A server timestamp as a local time of day (hours and minutes); "—" when absent. */
export function formatClock(t: string | number | null | undefined): string {
  const d = instant(t);
  if (!d) return t === null || t === undefined || t === "" ? "—" : String(t);
  return d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
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

export function yesNo(v: boolean): string {
  return v ? "Yes" : "No";
}

const FORMAT_LABELS: Record<string, string> = { dicom: "DICOM files", jpeg: "Pictures (JPEG)", pdf: "PDF document" };
const CHANNEL_LABELS: Record<string, string> = { portal: "Secure portal link", "plain-email": "Unencrypted e-mail" };

/** The format a patient asked for (dicom, jpeg, pdf) in words. */
export function accessFormatLabel(v: string): string {
  return FORMAT_LABELS[v] ?? orDash(v);
}

/** How a patient asked to receive their copy (portal, plain-email) in words. */
export function accessChannelLabel(v: string): string {
  return CHANNEL_LABELS[v] ?? orDash(v);
}
