/**
 * @module core/deid/shift-dates
 * Shifts DA and DT values by a whole number of days (the Modified Dates option of PS3.15: dates move
 * together, intervals stay). A value that is not a valid date cannot be shifted and returns undefined,
 * so the caller empties it (fail closed). Pure.
 */

function shiftYmd(ymd: string, days: number): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(ymd);
  if (!m) return undefined;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const d = new Date(t);
  if (d.getUTCFullYear() !== Number(m[1]) || d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) return undefined;
  const s = new Date(t + days * 86_400_000);
  const y = s.getUTCFullYear();
  if (y < 1 || y > 9999) return undefined;
  return `${String(y).padStart(4, "0")}${String(s.getUTCMonth() + 1).padStart(2, "0")}${String(s.getUTCDate()).padStart(2, "0")}`;
}

/** Shifts a DA value: single dates, ranges ("A-B", "-B", "A-") and multiple values. */
export function shiftDa(value: string, days: number): string | undefined {
  const out: string[] = [];
  for (const v of value.split("\\")) {
    const parts = v.trim().split("-");
    if (parts.length > 2) return undefined;
    const shifted = parts.map((p) => (p === "" && parts.length === 2 ? "" : shiftYmd(p, days)));
    if (shifted.some((p) => p === undefined)) return undefined;
    out.push(shifted.join("-"));
  }
  return out.join("\\");
}

/** Shifts a DT value's date part, keeping time and offset; a year-only or year-month DT is emptied. */
export function shiftDt(value: string, days: number): string | undefined {
  const out: string[] = [];
  for (const v of value.split("\\")) {
    const m = /^(\d{8})(.*)$/.exec(v.trim());
    if (!m) return undefined;
    const date = shiftYmd(m[1]!, days);
    if (date === undefined) return undefined;
    out.push(date + m[2]!);
  }
  return out.join("\\");
}
