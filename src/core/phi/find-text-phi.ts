/**
 * @module core/phi/find-text-phi
 * Finds identifiers in free text (notes, e-mail subjects, file names, DICOM free-text values):
 * patterns for the Safe Harbor types that have a shape, and the names and ids already seen in DICOM
 * headers of the same scan. Pure; returns spans, never throws.
 */
import { SafeHarborCategory } from "./phi-finding.ts";

export interface TextSpan {
  readonly start: number;
  readonly end: number;
  readonly category: SafeHarborCategory;
  /** Pattern name, e.g. "ssn", "phone", "known-name". */
  readonly pattern: string;
  readonly text: string;
}

interface PatternRule {
  readonly name: string;
  readonly category: SafeHarborCategory;
  readonly re: RegExp;
}

const MONTH = "(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";

/** Ordered: more specific rules first, so an SSN is not also reported as a phone number. */
const RULES: readonly PatternRule[] = [
  { name: "email", category: SafeHarborCategory.Email, re: /[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}/gi },
  { name: "url", category: SafeHarborCategory.Url, re: /\b(?:https?|ftp):\/\/[^\s<>"]+|\bwww\.[A-Z0-9-]+\.[^\s<>"]+/gi },
  { name: "ssn", category: SafeHarborCategory.Ssn, re: /\b(?:SSN|social security(?: number)?)?[:#\s]*\d{3}-\d{2}-\d{4}\b/gi },
  { name: "fax", category: SafeHarborCategory.Fax, re: /\bfax[:#.\s]*(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}\b/gi },
  { name: "phone", category: SafeHarborCategory.Phone, re: /(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\b\d{3}[\s.-])\d{3}[\s.-]\d{4}\b/g },
  { name: "ipv4", category: SafeHarborCategory.Ip, re: /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\d.])/g },
  { name: "ipv6", category: SafeHarborCategory.Ip, re: /\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b/gi },
  { name: "mrn", category: SafeHarborCategory.Mrn, re: /\b(?:MRN|MR#|MR no\.?|medical record(?: number| no\.?)?|patient id)[:#\s]*[A-Z0-9-]{3,}/gi },
  { name: "health-plan", category: SafeHarborCategory.HealthPlan, re: /\b(?:member|policy|subscriber|plan|insurance|medicaid|medicare)\s*(?:id|#|no\.?|number)[:#\s]*[A-Z0-9-]{4,}/gi },
  { name: "account", category: SafeHarborCategory.Account, re: /\b(?:acct|account|accession)\s*(?:#|no\.?|number)?[:#\s]*[A-Z0-9-]*\d[A-Z0-9-]{3,}/gi },
  { name: "license", category: SafeHarborCategory.License, re: /\b(?:licen[cs]e|lic\.|DEA|NPI|certificate)\s*(?:#|no\.?|number)?[:#\s]*[A-Z]{0,2}\d[A-Z0-9-]{3,}/gi },
  { name: "vin", category: SafeHarborCategory.Vehicle, re: /\b(?=[A-HJ-NPR-Z0-9]*\d)(?=[A-HJ-NPR-Z0-9]*[A-HJ-NPR-Z])[A-HJ-NPR-Z0-9]{17}\b/g },
  { name: "plate", category: SafeHarborCategory.Vehicle, re: /\b(?:licen[cs]e plate|plate)[:#\s]*[A-Z0-9-]{2,8}\b/gi },
  { name: "date-iso", category: SafeHarborCategory.Dates, re: /\b(?:1[89]|20)\d{2}[-/.]?(?:0[1-9]|1[0-2])[-/.]?(?:0[1-9]|[12]\d|3[01])\b/g },
  { name: "date-us", category: SafeHarborCategory.Dates, re: /\b(?:0?[1-9]|1[0-2])[/.-](?:0?[1-9]|[12]\d|3[01])[/.-](?:\d{4}|\d{2})\b/g },
  { name: "date-eu", category: SafeHarborCategory.Dates, re: /\b(?:0?[1-9]|[12]\d|3[01])[/.-](?:0?[1-9]|1[0-2])[/.-]\d{4}\b/g },
  { name: "date-text", category: SafeHarborCategory.Dates, re: new RegExp(`\\b(?:\\d{1,2}\\s+${MONTH}\\.?,?\\s+\\d{2,4}|${MONTH}\\.?\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+\\d{2,4}|\\d{4}\\s+${MONTH}\\.?\\s+\\d{1,2})\\b`, "gi") },
  { name: "age-over-89", category: SafeHarborCategory.Dates, re: /\b(?:9\d|1[0-4]\d)\s*(?:-?\s*(?:years?|yrs?|y\/?o|year-old)|Y\b)/gi },
  { name: "street-address", category: SafeHarborCategory.Geography, re: /\b\d{1,6}\s+(?:[A-Z][A-Za-z]+\.?\s+){1,3}(?:St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|Dr|Drive|Ln|Lane|Way|Ct|Court|Pl|Place|Ter|Terrace|Pkwy|Parkway|Hwy|Highway|Cir|Circle|Sq|Square)\b\.?/g },
  { name: "zip", category: SafeHarborCategory.Geography, re: /\b[A-Z]{2},?\s+\d{5}(?:-\d{4})?\b|\bzip(?:\s*code)?[:#\s]*\d{5}(?:-\d{4})?\b/gi },
  { name: "titled-name", category: SafeHarborCategory.Names, re: /\b(?:Dr|Mr|Mrs|Ms|Miss|Prof)\.?\s+[A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+)?/g },
  { name: "long-number", category: SafeHarborCategory.OtherUnique, re: /(?<![\d.])\d{7,}(?![\d.])/g },
];

/** Identifiers already known from headers (names, ids), matched case-insensitively as whole tokens. */
export interface KnownIdentifier {
  readonly text: string;
  readonly category: SafeHarborCategory;
}

/** Splits a DICOM person name or id into the tokens worth searching for (≥ 3 characters). */
export function identifierTokens(value: string): string[] {
  const tokens = value
    .split(/[\^=\\\s,]+/)
    .map((t) => t.trim())
    .filter((t) => t.length >= 3 && !/^(?:MR|MRS|MS|DR|JR|SR|III|II|MD|PHD)\.?$/i.test(t));
  return [...new Set(tokens)];
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

interface CompiledKnown {
  /** How many identifiers the list had when compiled (lists grow while a header is walked). */
  readonly size: number;
  readonly re: RegExp | undefined;
  readonly categoryOf: Map<string, SafeHarborCategory>;
}

const compiledKnown = new WeakMap<readonly KnownIdentifier[], CompiledKnown>();

/** One alternation regex for all known tokens, longest first, compiled once per list. */
function compileKnown(known: readonly KnownIdentifier[]): CompiledKnown {
  let c = compiledKnown.get(known);
  if (c?.size === known.length) return c;
  const categoryOf = new Map<string, SafeHarborCategory>();
  for (const k of known) for (const t of identifierTokens(k.text)) if (!categoryOf.has(t.toUpperCase())) categoryOf.set(t.toUpperCase(), k.category);
  const tokens = [...categoryOf.keys()].sort((a, b) => b.length - a.length);
  const re = tokens.length === 0 ? undefined : new RegExp(`(?<![\\p{L}\\p{N}])(?:${tokens.map(escapeRe).join("|")})(?![\\p{L}\\p{N}])`, "giu");
  c = { size: known.length, re, categoryOf };
  compiledKnown.set(known, c);
  return c;
}

export function findTextPhi(text: string, known: readonly KnownIdentifier[] = []): TextSpan[] {
  const spans: TextSpan[] = [];
  const taken: Array<[number, number]> = [];
  const overlaps = (s: number, e: number): boolean => taken.some(([a, b]) => s < b && e > a);
  const add = (start: number, end: number, category: SafeHarborCategory, pattern: string): void => {
    if (end <= start || overlaps(start, end)) return;
    taken.push([start, end]);
    spans.push({ start, end, category, pattern, text: text.slice(start, end) });
  };
  const { re, categoryOf } = compileKnown(known);
  if (re) {
    for (const m of text.matchAll(re)) add(m.index, m.index + m[0].length, categoryOf.get(m[0].toUpperCase()) ?? SafeHarborCategory.Names, "known-identifier");
  }
  for (const rule of RULES) {
    for (const m of text.matchAll(rule.re)) add(m.index, m.index + m[0].length, rule.category, rule.name);
  }
  return spans.sort((a, b) => a.start - b.start);
}

/** The text with every span replaced by "***" (the C "clean" action for free text). */
export function redactText(text: string, spans: readonly TextSpan[]): string {
  let out = "";
  let pos = 0;
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    if (s.start < pos) continue;
    out += text.slice(pos, s.start) + "***";
    pos = s.end;
  }
  return out + text.slice(pos);
}

/** Identifiers in a file or folder name: underscores separate words there, so they count as spaces. */
export function findNamePhi(name: string, known: readonly KnownIdentifier[] = []): TextSpan[] {
  return findTextPhi(name.replace(/_/g, " "), known).map((s) => ({ ...s, text: name.slice(s.start, s.end) }));
}
