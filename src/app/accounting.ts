/**
 * @module app/accounting
 * Use-case `rayvault accounting`: the accounting of disclosures a patient may ask for (164.528): the
 * disclosures of the last six years with their date, recipient, a brief description and the purpose.
 * Disclosures for treatment, payment, operations, to the patient or under an authorization are exempt
 * ((a)(1)) and listed only with --all. Reading it is audited.
 */
import { decryptField } from "../core/crypto/field-crypto.ts";
import type { DeliveryStore } from "../ports/delivery-store.ts";
import { patientByMrn, type PolicyDeps } from "./manage-directory.ts";

export interface AccountingLine {
  readonly date: string;
  readonly recipient: string;
  readonly description: string;
  readonly purpose: string;
  readonly citation: string;
  readonly accountable: boolean;
}

export async function accounting(req: { patientMrn: string; all: boolean; actor: string }, deps: PolicyDeps & { readonly deliveries: DeliveryStore }): Promise<AccountingLine[]> {
  const patientId = await patientByMrn(req.patientMrn, deps);
  const since = new Date(deps.now());
  since.setUTCFullYear(since.getUTCFullYear() - 6);
  const rows = (await deps.deliveries.disclosuresOf(patientId)).filter((r) => r.disclosedAt >= since.toISOString() && (req.all || r.accountable));
  const lines: AccountingLine[] = [];
  for (const r of rows) {
    const rec = await deps.policy.get("recipients", r.recipientId);
    const name = rec ? decryptField(deps.fields, "recipients.name", rec.nameEnc) : r.recipientId;
    const org = rec?.organizationEnc ? `, ${decryptField(deps.fields, "recipients.organization", rec.organizationEnc)}` : "";
    lines.push({ date: r.disclosedAt.slice(0, 10), recipient: `${name}${org}`, description: decryptField(deps.fields, "disclosures.description", r.descriptionEnc), purpose: r.purpose, citation: r.citation, accountable: r.accountable });
  }
  await deps.audit.append({ time: deps.now(), actor: req.actor, action: "accounting.read", objects: [`patient:${patientId}`, `lines:${lines.length}`], purpose: "patient-request", outcome: "success" });
  return lines;
}
