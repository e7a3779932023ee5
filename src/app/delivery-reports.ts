/**
 * @module app/delivery-reports
 * Use-case `rayvault mail inbound`: a report that came back after a message left (a relay's DSN, the
 * recipient system's MDN, as piped in by the clinic's mail server) is matched to its delivery by the
 * envelope id we gave the relay or by our Message-ID, kept, and moves the delivery to "delivered" or
 * "bounced"; a bounce raises an alert for the sender and the privacy officer (a message with PHI went
 * somewhere it should not, or nowhere). Audited either way; a report that matches nothing is audited too.
 */
import { randomUUID } from "node:crypto";
import { AlertKind } from "../core/alerts/alert.ts";
import type { AuditEvent } from "../core/audit/audit-chain.ts";
import { ErrorCode, RayvaultError } from "../core/errors.ts";
import { interpretReport, reportEffect, reportPartsOf, type DeliveryReport } from "../core/mail/delivery-report.ts";
import type { AuditLog } from "../ports/audit-log.ts";
import type { DeliveryRow, DeliveryStore } from "../ports/delivery-store.ts";
import { raiseAlert, type AlertDeps } from "./alerts.ts";

export interface ReportDeps extends AlertDeps {
  readonly deliveries: DeliveryStore;
  readonly audit: AuditLog;
}

export interface ReportResult {
  readonly status: "recorded" | "unmatched" | "not-a-report";
  readonly deliveryId?: string;
  readonly report?: DeliveryReport;
  /** The delivery's status after the report. */
  readonly deliveryStatus?: string;
}

const DELIVERY_ID = /^dlv-[0-9a-f-]{36}$/;

async function matchDelivery(r: DeliveryReport, deps: ReportDeps): Promise<DeliveryRow | undefined> {
  if (r.envelopeId && DELIVERY_ID.test(r.envelopeId)) {
    const d = await deps.deliveries.find(r.envelopeId);
    // The envelope id alone is not trusted when the report also names a Message-ID that is not this delivery's.
    if (d && (r.messageIds.length === 0 || r.messageIds.includes(d.messageId))) return d;
  }
  for (const id of r.messageIds) {
    const d = await deps.deliveries.findByMessageId(id);
    if (d) return d;
  }
  return undefined;
}

export async function receiveReport(raw: string, deps: ReportDeps): Promise<ReportResult> {
  const parts = reportPartsOf(raw);
  if (parts === "encrypted") throw new RayvaultError(ErrorCode.UsageInvalid, "an encrypted report (a Direct MDN inside S/MIME) cannot be read yet: it was not recorded");
  const report = parts ? interpretReport(parts) : undefined;
  const time = deps.now();
  if (!report) return { status: "not-a-report" };
  const delivery = await matchDelivery(report, deps);
  if (!delivery) {
    await deps.audit.append({ time, actor: "system:mail-inbound", action: "disclosure.report.unmatched", objects: [`report:${report.kind}-${report.outcome}`], purpose: "", outcome: "failure" });
    return { status: "unmatched", report };
  }
  const effect = reportEffect(report);
  const status = effect === "pending" ? undefined : effect;
  const audit: AuditEvent = {
    time, actor: "system:mail-inbound", action: "disclosure.report", objects: [`delivery:${delivery.id}`, `report:${report.kind}-${report.outcome}`, ...(report.statusCode ? [`status:${report.statusCode}`] : [])],
    purpose: delivery.purpose.slice(0, 40), outcome: effect === "bounced" ? "failure" : "success",
  };
  await deps.deliveries.recordReport({ id: `rpt-${randomUUID()}`, deliveryId: delivery.id, kind: report.kind, outcome: report.outcome, statusCode: report.statusCode ?? null, receivedAt: time }, status, audit);
  if (effect === "bounced") await raiseAlert(AlertKind.DeliveryBounced, [`delivery:${delivery.id}`, `recipient:${delivery.recipientId}`], deps);
  const after = await deps.deliveries.find(delivery.id);
  return { status: "recorded", deliveryId: delivery.id, report, ...(after ? { deliveryStatus: after.status } : {}) };
}
