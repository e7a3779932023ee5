// Display helpers: dates, times, counts, yes/no and missing values, request formats and channels, recipient kinds and disclosure purposes, the same way on every page.

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

/** The directory's kinds of recipient in words (also the options of the directory's Kind select). */
export const RECIPIENT_KINDS = [
  { value: "provider", label: "Provider" },
  { value: "health-plan", label: "Health plan" },
  { value: "clearinghouse", label: "Clearinghouse" },
  { value: "business-associate", label: "Business associate" },
  { value: "patient", label: "Patient" },
  { value: "personal-representative", label: "Personal representative" },
  { value: "other", label: "Other" },
] as const;

/** A recipient as the directory names it: name and kind. */
export function recipientLabel(r: { readonly name: string; readonly kind: string }): string {
  return `${r.name} — ${recipientKindLabel(r.kind)}`;
}

export function recipientKindLabel(kind: string): string {
  return RECIPIENT_KINDS.find((k) => k.value === kind)?.label ?? orDash(kind);
}

/** A day entered as a calendar date (stored as YYYY-MM-DD, or as midnight UTC) shown as that same day in any time zone; other times as local date and time. */
export function formatCalendarDay(t: string | number | null | undefined): string {
  if (typeof t === "string" && /^\d{4}-\d{2}-\d{2}(T00:00:00(\.000)?Z)?$/.test(t)) return t.slice(0, 10);
  return formatTime(t);
}

/** Disclosure purposes in words (the share wizard's, agreements' and authorizations'). */
const PURPOSE_LABELS: Record<string, string> = {
  treatment: "Treatment",
  payment: "Payment",
  operations: "Health care operations",
  "patient-access": "The patient's own access",
  authorized: "At the patient's request (their written authorization)",
  research: "Research",
  underwriting: "Insurance or employment underwriting",
  marketing: "Marketing",
  sale: "Sale of information",
  "public-health": "Public health",
};

export function purposeLabel(p: string): string {
  return PURPOSE_LABELS[p] ?? orDash(p);
}

/** The options of a purpose select or checkbox group, in the order given. */
export function purposeOptions(purposes: readonly string[]): { value: string; label: string }[] {
  return purposes.map((value) => ({ value, label: purposeLabel(value) }));
}
