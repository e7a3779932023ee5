/**
 * @module app/alerts
 * Raising, delivering and acknowledging security alerts. An alert is first stored (the officers' queue:
 * it cannot be lost), then pushed to the webhook when one is configured; a push that fails leaves it
 * queued for `rayvault alerts deliver` or the server's next round. Acknowledging is audited.
 */
import { makeAlert, type Alert, type AlertKind } from "../core/alerts/alert.ts";
import { ErrorCode, RayvaultError } from "../core/errors.ts";
import type { AlertPusher, AlertQueue, StoredAlert } from "../ports/alert-sink.ts";
import type { AuditLog } from "../ports/audit-log.ts";
import type { RandomSource } from "../ports/random.ts";

export interface AlertDeps {
  readonly alerts: AlertQueue;
  /** Absent when no webhook is configured: alerts are only queued. */
  readonly alertPusher?: AlertPusher;
  readonly audit: AuditLog;
  readonly random: RandomSource;
  readonly now: () => string;
}

/** Queues the alert, then tries to push it once; the push failing never fails the caller's action. */
export async function raiseAlert(kind: AlertKind, refs: readonly string[], deps: AlertDeps): Promise<Alert> {
  const alert = makeAlert(`al-${Buffer.from(deps.random.bytes(8)).toString("hex")}`, deps.now(), kind, refs);
  await deps.alerts.raise(alert);
  if (deps.alertPusher) {
    try {
      await deps.alertPusher.push(alert);
      await deps.alerts.markDelivered(alert.id, deps.now());
    } catch {
      // Stays undelivered: retried by deliverAlerts.
    }
  }
  return alert;
}

/** Pushes every queued alert not yet delivered, oldest first; stops counting on failures, never throws. */
export async function deliverAlerts(deps: AlertDeps): Promise<{ readonly delivered: number; readonly pending: number }> {
  if (!deps.alertPusher) return { delivered: 0, pending: (await deps.alerts.undelivered()).length };
  let delivered = 0;
  let pending = 0;
  for (const alert of await deps.alerts.undelivered()) {
    try {
      await deps.alertPusher.push(alert);
      await deps.alerts.markDelivered(alert.id, deps.now());
      delivered++;
    } catch {
      pending++;
    }
  }
  return { delivered, pending };
}

export function listAlerts(all: boolean, deps: AlertDeps): Promise<StoredAlert[]> {
  return deps.alerts.list(all);
}

export async function acknowledgeAlert(id: string, actor: string, deps: AlertDeps): Promise<void> {
  const at = deps.now();
  if (!(await deps.alerts.acknowledge(id, actor, at))) throw new RayvaultError(ErrorCode.NotFound, "no such unacknowledged alert");
  await deps.audit.append({ time: at, actor, action: "alert.acknowledge", objects: [`alert:${id.slice(0, 40)}`], purpose: "operations", outcome: "success" });
}
