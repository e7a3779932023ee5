/**
 * @module core/policy/incident
 * Incidents (the seed's "sent to the wrong e-mail", "accessed by an unauthorized person"): whether an
 * impermissible use or disclosure is a breach to notify (164.402), and to whom by when (164.404–164.408).
 * An exclusion of 164.402(1) ends it; PHI that was secured (encrypted, the key not compromised: HHS
 * guidance, 74 FR 19006) is not notifiable; otherwise a breach is presumed unless a documented
 * assessment of the four factors of 164.402(2) shows a low probability of compromise. Deadlines and
 * penalty amounts come from dated data. Pure.
 */
import { addDays, deadline, penaltiesOn, type PenaltyTable } from "./dated-rules.ts";

export const IncidentKind = {
  Misdirected: "misdirected",
  UnauthorizedAccess: "unauthorized-access",
  LostDevice: "lost-device",
  QuestionedBreakGlass: "questioned-break-glass",
  RefusedAttempt: "refused-attempt",
} as const;
export type IncidentKind = (typeof IncidentKind)[keyof typeof IncidentKind];

/** How the PHI involved was protected when it went astray. */
export type Protection = "smime" | "pgp" | "portal-with-independent-factor" | "portal-mailbox-code" | "vault-encrypted" | "tls-only" | "plain" | "unknown";

export interface IncidentFacts {
  readonly kind: IncidentKind;
  readonly discoveredAt: string;
  readonly affected: number;
  /** Residents affected per State or jurisdiction (for the media notice). */
  readonly residentsByState: Readonly<Record<string, number>>;
  readonly protection: Protection;
  readonly keyCompromised: boolean;
  /** 164.402(1)(i)-(iii), when one applies and is documented. */
  readonly exclusion?: "good-faith-workforce" | "inadvertent-internal" | "could-not-retain";
  /** The four-factor risk assessment of 164.402(2), when done. */
  readonly assessment?: {
    readonly natureAndExtent: string;
    readonly unauthorizedPerson: string;
    readonly acquiredOrViewed: "yes" | "no" | "unknown";
    readonly mitigation: string;
    readonly conclusion: "low-probability" | "compromised";
  };
}

export type IncidentStatus = "excluded" | "secured-not-notifiable" | "low-probability-documented" | "presumed-breach" | "breach";

export interface Notice {
  readonly audience: "individuals" | "hhs" | "media" | "hhs-annual-log";
  readonly due: string;
  readonly citation: string;
  readonly detail: string;
}

export interface IncidentAssessment {
  readonly status: IncidentStatus;
  readonly notifiable: boolean;
  readonly reasons: readonly string[];
  readonly notices: readonly Notice[];
  /** What the assessment still lacks. */
  readonly missing: readonly string[];
  /** The civil penalty tiers in effect when it was discovered, with their source (dated data). */
  readonly penalties?: PenaltyTable;
}

const SECURED: ReadonlySet<Protection> = new Set(["smime", "pgp", "portal-with-independent-factor", "vault-encrypted"]);

export function assessIncident(f: IncidentFacts): IncidentAssessment {
  const penalties = penaltiesOn(f.discoveredAt);
  const base = { ...(penalties ? { penalties } : {}) };
  if (f.exclusion) {
    return { ...base, status: "excluded", notifiable: false, notices: [], missing: [], reasons: [`excluded from the definition of breach: ${f.exclusion} (164.402(1))`] };
  }
  if (SECURED.has(f.protection) && !f.keyCompromised) {
    return { ...base, status: "secured-not-notifiable", notifiable: false, notices: [], missing: [], reasons: [`the PHI was secured (${f.protection}) and the key was not compromised: not unsecured PHI (164.402, 74 FR 19006)`] };
  }
  const reasons: string[] = [];
  if (SECURED.has(f.protection) && f.keyCompromised) reasons.push("the PHI was encrypted but the key was compromised: it counts as unsecured");
  else if (f.protection === "tls-only") reasons.push("TLS protected only the hop: a message in the wrong mailbox is unsecured PHI");
  else if (f.protection === "portal-mailbox-code") reasons.push("the portal's code went to the same mailbox as the link: whoever holds the mailbox can open it");
  else reasons.push(`the PHI was not secured (${f.protection})`);

  const a = f.assessment;
  const missing: string[] = [];
  if (!a) missing.push("the four-factor risk assessment (164.402(2))");
  else {
    for (const [k, v] of [["nature and extent of the PHI", a.natureAndExtent], ["the unauthorized person", a.unauthorizedPerson], ["mitigation", a.mitigation]] as const) {
      if (v.trim().length < 10) missing.push(`factor: ${k} (164.402(2))`);
    }
    if (a.acquiredOrViewed === "unknown") missing.push("factor: whether the PHI was acquired or viewed (164.402(2)(iii))");
  }
  if (a && a.conclusion === "low-probability" && missing.length === 0 && a.acquiredOrViewed === "no") {
    return { ...base, status: "low-probability-documented", notifiable: false, notices: [], missing, reasons: [...reasons, "the documented assessment shows a low probability that the PHI was compromised (164.402(2))"] };
  }
  const status: IncidentStatus = a && a.conclusion === "compromised" ? "breach" : "presumed-breach";
  reasons.push(status === "breach" ? "the assessment concludes the PHI was compromised" : "a breach is presumed until a documented assessment shows a low probability of compromise (164.402(2))");
  return { ...base, status, notifiable: true, notices: notices(f), missing, reasons };
}

function notices(f: IncidentFacts): Notice[] {
  const out: Notice[] = [];
  const ind = deadline("breach-individuals");
  out.push({ audience: "individuals", due: addDays(f.discoveredAt, ind.days!), citation: ind.citation, detail: `${f.affected} individual(s), without unreasonable delay and at most ${ind.days} days after discovery` });
  const media = deadline("breach-media");
  for (const [state, n] of Object.entries(f.residentsByState)) {
    if (n > media.threshold!) out.push({ audience: "media", due: addDays(f.discoveredAt, media.days!), citation: media.citation, detail: `prominent media outlets in ${state} (${n} residents affected)` });
  }
  const large = deadline("breach-hhs-large");
  if (f.affected >= large.threshold!) out.push({ audience: "hhs", due: addDays(f.discoveredAt, large.days!), citation: large.citation, detail: "the HHS breach portal, with the individual notices" });
  else {
    const small = deadline("breach-hhs-small");
    const year = new Date(f.discoveredAt).getUTCFullYear();
    out.push({ audience: "hhs-annual-log", due: addDays(`${year + 1}-01-01T00:00:00.000Z`, small.daysAfterYearEnd! - 1), citation: small.citation, detail: `the ${year} log of breaches under 500, submitted within ${small.daysAfterYearEnd} days after the year ends` });
  }
  return out;
}
