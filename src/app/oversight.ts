/**
 * @module app/oversight
 * What the privacy officer reads in the portal: the newest audit records and a patient's accounting of
 * disclosures (164.528). Both are decided for the signed-in user (role, purpose of use, second factor)
 * and the reading is itself audited, refusals included.
 */
import { Action, decideAccess } from "../core/access/decide-access.ts";
import type { AuditRecord } from "../core/audit/audit-chain.ts";
import { ErrorCode, RayvaultError } from "../core/errors.ts";
import type { DeliveryStore } from "../ports/delivery-store.ts";
import { accounting, type AccountingLine } from "./accounting.ts";
import { subjectOf, type WebCaller } from "./dicomweb.ts";
import type { PolicyDeps } from "./manage-directory.ts";

async function allow(caller: WebCaller, action: Action, objects: string[], deps: Pick<PolicyDeps, "audit" | "now">): Promise<void> {
  const subject = subjectOf(caller.user);
  const d = decideAccess({ subject, action, purpose: caller.purpose, careRelationship: false, now: deps.now() });
  if (d.allowed) return;
  await deps.audit.append({ time: deps.now(), actor: subject.id, action, objects: [...objects, `rule:${d.rule}`], purpose: caller.purpose.trim().toLowerCase().slice(0, 64), outcome: "refused" });
  throw new RayvaultError(ErrorCode.AccessDenied, `${d.reason} (${d.rule}, ${d.citation})`);
}

/** The newest `limit` audit records, newest first (references only: the log holds no PHI). */
export async function recentAudit(caller: WebCaller, limit: number, deps: Pick<PolicyDeps, "audit" | "now">): Promise<AuditRecord[]> {
  await allow(caller, Action.AuditRead, [], deps);
  const n = Math.min(Math.max(Math.trunc(limit) || 200, 1), 1000);
  const records = await deps.audit.recent(n);
  await deps.audit.append({ time: deps.now(), actor: subjectOf(caller.user).id, action: Action.AuditRead, objects: [`count:${records.length}`], purpose: caller.purpose.trim().toLowerCase().slice(0, 64), outcome: "success" });
  return records;
}

/** A patient's accounting of disclosures, for a user allowed to read it (the reading is audited by `accounting`). */
export async function accountingFor(caller: WebCaller, req: { readonly patientMrn: string; readonly all: boolean }, deps: PolicyDeps & { readonly deliveries: DeliveryStore }): Promise<AccountingLine[]> {
  if (req.patientMrn.trim() === "") throw new RayvaultError(ErrorCode.UsageInvalid, "the patient's MRN is needed");
  await allow(caller, Action.AccountingRead, [], deps);
  return accounting({ patientMrn: req.patientMrn.trim(), all: req.all, actor: subjectOf(caller.user).id }, deps);
}

/** The accounting as CSV (RFC 4180), for printing or giving to the patient. */
export function accountingCsv(lines: readonly AccountingLine[]): string {
  const cell = (v: string): string => (/[",\r\n]/.test(v) || /^[=+\-@\t]/.test(v) ? `"${(/^[=+\-@\t]/.test(v) ? `'${v}` : v).replace(/"/g, '""')}"` : v);
  const rows = [["Date", "Recipient", "Description", "Purpose", "Rule", "Accountable"], ...lines.map((l) => [l.date, l.recipient, l.description, l.purpose, l.citation, l.accountable ? "yes" : "no (exempt)"])];
  return rows.map((r) => r.map(cell).join(",")).join("\r\n") + "\r\n";
}
