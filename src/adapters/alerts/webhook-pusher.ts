/**
 * @module adapters/alerts/webhook-pusher
 * Pushes an alert as JSON to a webhook (a chat channel, a paging service, a SIEM): POST with a 5 s
 * timeout, accepted on any 2xx. The body is the alert itself: references and a fixed sentence, no PHI.
 */
import type { Alert } from "../../core/alerts/alert.ts";
import { ErrorCode, RayvaultError } from "../../core/errors.ts";
import type { AlertPusher } from "../../ports/alert-sink.ts";

export function webhookPusher(url: string): AlertPusher {
  return {
    async push(alert: Alert) {
      const r = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "rayvault-alerts/1" },
        body: JSON.stringify({ source: "rayvault", ...alert }),
        signal: AbortSignal.timeout(5000),
      });
      if (!r.ok) throw new RayvaultError(ErrorCode.DeliveryFailed, `the alert webhook answered ${r.status}`);
    },
  };
}
