/**
 * @module core/policy/lookalike
 * Misdirection safeguards for e-mail addresses (the classic violation: the X-ray sent to the wrong
 * address). An address not in the directory is compared with every address and domain that is: a
 * homoglyph or IDN confusable (Unicode confusables folded away, punycode decoded), a transposition or a
 * small edit (Damerau–Levenshtein), or a known typo of a popular mail provider (`gmial.com`). A flag
 * names the directory entry it resembles, so the sender sees "did you mean …". Pure.
 */
import { domainToUnicode } from "node:url";
import { remove as removeConfusables } from "confusables";
import damerauLevenshtein from "damerau-levenshtein";
import emailSpellChecker from "@zootools/email-spell-checker";

export type LookalikeReason = "homoglyph" | "idn" | "transposition" | "edit-distance" | "provider-typo";

export interface LookalikeFlag {
  /** The directory address or domain it resembles (or the provider domain it misspells). */
  readonly similarTo: string;
  readonly reasons: readonly LookalikeReason[];
}

/** Consumer mail providers patients use, whose misspellings are the most common misdirections. */
const CONSUMER_PROVIDERS: ReadonlySet<string> = new Set([
  "gmail.com", "googlemail.com", "yahoo.com", "ymail.com", "hotmail.com", "outlook.com", "live.com", "msn.com", "aol.com",
  "icloud.com", "me.com", "mac.com", "comcast.net", "att.net", "verizon.net", "sbcglobal.net", "protonmail.com", "proton.me",
]);

/** Splits and normalises an address: lower case, domain decoded from punycode. Undefined if malformed. */
export function parseAddress(address: string): { readonly local: string; readonly domain: string; readonly asciiDomain: string } | undefined {
  const m = /^([^@\s]+)@([^@\s]+\.[^@\s]+)$/.exec(address.trim());
  if (!m) return undefined;
  const asciiDomain = m[2]!.toLowerCase();
  const decoded = domainToUnicode(asciiDomain);
  return { local: m[1]!.toLowerCase(), domain: decoded === "" ? asciiDomain : decoded, asciiDomain };
}

/** The skeleton two strings are compared by: confusable characters folded to Latin, then lower case. */
function skeleton(s: string): string {
  return removeConfusables(s.normalize("NFKC")).toLowerCase();
}

function distance(a: string, b: string): { steps: number; transposed: boolean } {
  const d = damerauLevenshtein(a, b);
  // One swap of adjacent letters, everything else equal (stmarsy / stmarys).
  let transposed = false;
  if (a.length === b.length) {
    for (let i = 0; i + 1 < a.length; i++) {
      if (a[i] !== a[i + 1] && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(0, i) === b.slice(0, i) && a.slice(i + 2) === b.slice(i + 2)) transposed = true;
    }
  }
  return { steps: d.steps, transposed };
}

/** How many edits still make two names look alike: none for short names, up to two for long ones. */
const budget = (s: string): number => (s.length <= 4 ? 0 : s.length <= 9 ? 1 : 2);

function compare(candidate: string, known: string): LookalikeReason[] {
  if (candidate === known) return [];
  const reasons: LookalikeReason[] = [];
  const a = skeleton(candidate);
  const b = skeleton(known);
  if (a === b) return ["homoglyph"];
  const d = distance(a, b);
  if (d.transposed) reasons.push("transposition");
  else if (d.steps <= budget(b)) reasons.push("edit-distance");
  return reasons;
}

/**
 * Flags `address` when it is not itself in the directory but resembles an address or a domain that is,
 * or misspells a popular provider's domain. `directory` holds the verified addresses.
 */
export function findLookalike(address: string, directory: readonly string[]): LookalikeFlag | undefined {
  const cand = parseAddress(address);
  if (!cand) return undefined;
  const known = directory.map(parseAddress).filter((k): k is NonNullable<typeof k> => k !== undefined);
  const full = `${cand.local}@${cand.domain}`;
  if (known.some((k) => `${k.local}@${k.domain}` === full)) return undefined;
  const idn = cand.domain !== cand.asciiDomain || /[^ -~]/.test(full);

  const domains = [...new Set(known.map((k) => k.domain))];
  const flag = (similarTo: string, r: LookalikeReason[]): LookalikeFlag => ({ similarTo, reasons: idn ? ["idn", ...r] : r });
  for (const d of domains) {
    const r = compare(cand.domain, d);
    if (r.length > 0) return flag(d, r);
  }
  // Same domain, local part one slip away from a known address (dr.smith vs dr.smtih).
  for (const k of known.filter((k) => k.domain === cand.domain)) {
    const r = compare(cand.local, k.local);
    if (r.length > 0) return flag(`${k.local}@${k.domain}`, r);
  }
  if (idn && skeleton(cand.domain) !== cand.domain) return { similarTo: skeleton(cand.domain), reasons: ["idn", "homoglyph"] };
  // The spell checker suggests any popular domain within its own distance (mayo.edu → mail.edu): only
  // consumer mail providers, one or two slips away, count.
  const suggestion = emailSpellChecker.run({ email: `${cand.local}@${cand.asciiDomain}` });
  if (suggestion && suggestion.domain !== cand.asciiDomain && CONSUMER_PROVIDERS.has(suggestion.domain) && distance(cand.asciiDomain, suggestion.domain).steps <= 2) {
    return { similarTo: suggestion.domain, reasons: ["provider-typo"] };
  }
  return undefined;
}
