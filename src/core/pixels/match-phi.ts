/**
 * @module core/pixels/match-phi
 * Recognised text compared with the header's own identifiers: names (each part), ids, institution and
 * dates in the forms burned-in labels print them (20130911 as 2013 Sep 11, 09/11/2013, 11.09.2013,
 * 2013-09-11…). Text and needles are compared upper-case with spaces and punctuation removed (so
 * `^` in a name and line breaks in OCR output do not matter), allowing one edit in needles of five or
 * more characters (OCR confuses O/0, I/1, S/5). Pure.
 */
import levenshtein from "damerau-levenshtein";

export interface HeaderValue {
  readonly kind: "name" | "id" | "date" | "text";
  readonly value: string;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];

export const normalise = (s: string): string => s.toUpperCase().replace(/[^A-Z0-9]/g, "");

/** The forms of a DICOM date (YYYYMMDD) as labels print them, normalised. */
export function dateForms(da: string): string[] {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(da.trim());
  if (!m) return [];
  const [, y, mo, d] = m as unknown as [string, string, string, string];
  const month = MONTHS[Number(mo) - 1];
  const forms = [`${y}${mo}${d}`, `${mo}${d}${y}`, `${d}${mo}${y}`, `${mo}${d}${y.slice(2)}`, `${d}${mo}${y.slice(2)}`];
  if (month) forms.push(`${y}${month}${d}`, `${d}${month}${y}`, `${month}${d}${y}`, `${y}${month}${String(Number(d))}`, `${String(Number(d))}${month}${y}`);
  return [...new Set(forms)];
}

/** The strings to look for: each name part (≥ 3 characters), whole ids and texts, every date form. */
export function phiNeedles(values: readonly HeaderValue[]): string[] {
  const out = new Set<string>();
  for (const v of values) {
    if (v.kind === "date") for (const f of dateForms(v.value)) out.add(f);
    else if (v.kind === "name") {
      for (const part of v.value.split(/[\^=\s,.]+/)) if (normalise(part).length >= 3) out.add(normalise(part));
    } else {
      const n = normalise(v.value);
      if (n.length >= 4) out.add(n);
      // Institution names: their long words too, as a wrapped label shows them on separate lines.
      if (v.kind === "text") for (const w of v.value.split(/\s+/)) if (normalise(w).length >= 5) out.add(normalise(w));
    }
  }
  return [...out];
}

/** Needles found in the text, exactly or (for needles of five or more characters) within one edit. */
export function findNeedles(text: string, needles: readonly string[]): string[] {
  const hay = normalise(text);
  const found: string[] = [];
  for (const needle of needles) {
    if (hay.includes(needle)) {
      found.push(needle);
      continue;
    }
    if (needle.length < 5) continue;
    const n = needle.length;
    for (let i = 0; i + n - 1 <= hay.length; i++) {
      const window = hay.slice(i, i + n);
      if (window.length >= n - 1 && levenshtein(window, needle).steps <= 1) {
        found.push(needle);
        break;
      }
    }
  }
  return found;
}
