/**
 * @module app/route-studies
 * Use-case: the routing rules of a source run on the studies an association brought. Each rule shares
 * each study with its recipient, for its purpose, by its channel, as the rule itself (role routing-rule):
 * the decision of #4 is taken exactly as for a person, and a refusal or a failure sends nothing, is
 * audited by the decision, and raises a routing-refused alert for the privacy officer. The same study
 * arriving twice is one delivery (the share is idempotent).
 */
import { Role } from "../core/access/decide-access.ts";
import { AlertKind } from "../core/alerts/alert.ts";
import type { DicomNodeRow } from "../ports/dicom-network.ts";
import { raiseAlert, type AlertDeps } from "./alerts.ts";
import { runOutbox, share, type ShareDeps } from "./share.ts";

export type RouteDeps = ShareDeps & AlertDeps & { readonly dicomNodes: NonNullable<ShareDeps["dicomNodes"]> };

export interface RouteOutcome {
  readonly rule: string;
  readonly study: string;
  readonly outcome: "queued" | "refused" | "failed";
  readonly delivery?: string;
}

export async function routeStudies(node: DicomNodeRow, studyIdxs: readonly string[], deps: RouteDeps): Promise<RouteOutcome[]> {
  const rules = await deps.dicomNodes.routesFrom(node.id);
  const out: RouteOutcome[] = [];
  for (const idx of studyIdxs) {
    const study = await deps.index.findStudy({ uidIdx: idx });
    if (!study) {
      // Acknowledged but not indexed yet (the database is failing): nothing is sent, and someone is told.
      for (const rule of rules) {
        out.push({ rule: rule.id, study: "unindexed", outcome: "failed" });
        await raiseAlert(AlertKind.RoutingRefused, [`route:${rule.id}`, `node:${node.id}`], deps);
      }
      continue;
    }
    for (const rule of rules) {
      try {
        const r = await share({
          actor: { id: `route:${rule.id}`, roles: [Role.RoutingRule], mfa: false }, study: study.id, recipientId: rule.recipientId, purpose: rule.purpose, selection: "study",
          ...(rule.channel ? { channel: rule.channel } : {}),
        }, deps);
        if (r.delivery) out.push({ rule: rule.id, study: study.id, outcome: "queued", delivery: r.delivery.id });
        else {
          out.push({ rule: rule.id, study: study.id, outcome: "refused" });
          await raiseAlert(AlertKind.RoutingRefused, [`route:${rule.id}`, `study:${study.id}`], deps);
        }
      } catch {
        out.push({ rule: rule.id, study: study.id, outcome: "failed" });
        await raiseAlert(AlertKind.RoutingRefused, [`route:${rule.id}`, `study:${study.id}`], deps);
      }
    }
  }
  if (out.some((o) => o.outcome === "queued")) await runOutbox(deps);
  return out;
}
