/**
 * @module core/alerts/alert
 * Security alerts for the people who must act on them (the privacy and security officers,
 * 164.308(a)(1)(ii)(D), 164.308(a)(6)): an account locked after repeated failures, emergency
 * (break-glass) access declared or used, the audit log or the vault found tampered with. An alert holds
 * references (user:…, instance:…) and a fixed sentence per kind, never a PHI value, so it may leave the
 * vault to a chat or paging webhook.
 */

export const AlertKind = {
  AccountLocked: "account-locked",
  BreakGlassDeclared: "break-glass-declared",
  BreakGlassAccess: "break-glass-access",
  AuditTampered: "audit-tampered",
  VaultCorrupt: "vault-corrupt",
  DeliveryBounced: "delivery-bounced",
  RoutingRefused: "routing-refused",
} as const;
export type AlertKind = (typeof AlertKind)[keyof typeof AlertKind];

export type AlertSeverity = "warning" | "critical";

export interface Alert {
  readonly id: string;
  readonly time: string;
  readonly kind: AlertKind;
  readonly severity: AlertSeverity;
  /** References only (user:…, instance:…, audit:…). */
  readonly refs: readonly string[];
  /** A fixed sentence for the kind: safe to show anywhere. */
  readonly summary: string;
}

const TEXT: Readonly<Record<AlertKind, { severity: AlertSeverity; summary: string }>> = {
  "account-locked": { severity: "warning", summary: "An account was locked after repeated failed sign-ins; check whether someone is guessing its password." },
  "break-glass-declared": { severity: "warning", summary: "A user declared emergency (break-glass) access; review the reason and what was opened." },
  "break-glass-access": { severity: "warning", summary: "PHI was opened under emergency (break-glass) access; review it." },
  "audit-tampered": { severity: "critical", summary: "The audit log failed verification: records were edited, deleted, inserted or reordered." },
  "vault-corrupt": { severity: "critical", summary: "Stored objects failed verification (corrupt, missing or unindexed)." },
  "delivery-bounced": { severity: "warning", summary: "A message with PHI came back undelivered; check the recipient's address and whether it reached anyone else." },
  "routing-refused": { severity: "warning", summary: "A routing rule did not send a study it matched: the disclosure was refused or could not be prepared; review the decision." },
};

const REF = /^[a-z][a-z-]*:[A-Za-z0-9._:-]{1,128}$/;

/** Builds an alert of a kind; refuses a reference that is not `kind:id` (a value would be PHI). */
export function makeAlert(id: string, time: string, kind: AlertKind, refs: readonly string[]): Alert {
  for (const r of refs) if (!REF.test(r)) throw new Error(`alert reference must be kind:id, got ${JSON.stringify(r.slice(0, 20))}…`);
  return { id, time, kind, ...TEXT[kind], refs: [...refs] };
}
