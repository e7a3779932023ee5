/**
 * @module adapters/dicom-net/dimse-sender
 * The DicomSender over dcmjs-dimse: C-ECHO, and C-STORE of prepared instances in one association, each
 * in its own transfer syntax (a presentation context proposing exactly that syntax is added; an instance
 * the node accepts in no matching context is not sent, never transcoded). TCP_NODELAY on; TLS when the
 * node requires it, the node's certificate checked against the configured CA (or the system's).
 */
import type { ConnectionOptions } from "node:tls";
import { ErrorCode, RayvaultError } from "../../core/errors.ts";
import type { DicomPeer, DicomSender, OutgoingInstance, StoreResult } from "../../ports/dicom-network.ts";
import { dimse, rawDataset } from "./dcmjs-dimse.ts";

export interface SenderTls {
  /** PEM: CA certificates the nodes' certificates must chain to (default: the system's). */
  readonly ca?: string;
  /** PEM: our certificate and key, for nodes that want the calling side to prove itself. */
  readonly cert?: string;
  readonly key?: string;
}

const TIMEOUTS = { connectTimeout: 10_000, associationTimeout: 30_000, pduTimeout: 60_000 };

function securityOptions(peer: DicomPeer, tls: SenderTls | undefined): Record<string, unknown> | undefined {
  if (!peer.tls) return undefined;
  const o: ConnectionOptions = { rejectUnauthorized: true, minVersion: "TLSv1.2", ...(tls?.ca ? { ca: tls.ca } : {}), ...(tls?.cert ? { cert: tls.cert } : {}), ...(tls?.key ? { key: tls.key } : {}) };
  return o as Record<string, unknown>;
}

function networkError(peer: DicomPeer, e: unknown): RayvaultError {
  const code = typeof e === "object" && e !== null && "code" in e ? String(e.code) : "";
  return new RayvaultError(ErrorCode.DeliveryFailed, `no association with ${peer.aeTitle} at ${peer.host}:${peer.port}${code ? ` (${code})` : ""}`);
}

/** TCP_NODELAY on the association's socket: a C-STORE response must not wait for Nagle. */
function noDelay(client: object): void {
  const socket = (client as { network?: { socket?: { setNoDelay?: (on: boolean) => void } } }).network?.socket;
  socket?.setNoDelay?.(true);
}

export function dimseSender(tls?: SenderTls): DicomSender {
  return {
    echo(peer, callingAe) {
      return new Promise((resolve, reject) => {
        const client = new dimse.Client();
        const request = new dimse.requests.CEchoRequest();
        let status: number | undefined;
        request.on("response", (r: { getStatus(): number }) => {
          status = r.getStatus();
        });
        client.addRequest(request);
        client.on("associationRejected", () => reject(new RayvaultError(ErrorCode.DeliveryFailed, `${peer.aeTitle} refused the association (check the AE titles)`)));
        client.on("networkError", (e: unknown) => reject(networkError(peer, e)));
        client.on("closed", () => (status === 0 ? resolve() : reject(new RayvaultError(ErrorCode.DeliveryFailed, `C-ECHO to ${peer.aeTitle} failed${status === undefined ? "" : ` (status 0x${status.toString(16)})`}`))));
        const security = securityOptions(peer, tls);
        client.send(peer.host, peer.port, callingAe, peer.aeTitle, { ...TIMEOUTS, ...(security ? { securityOptions: security } : {}) });
      });
    },

    store(peer, callingAe, instances) {
      return new Promise<StoreResult[]>((resolve, reject) => {
        const client = new dimse.Client();
        const results = new Map<string, StoreResult>();
        const requests = instances.map((inst: OutgoingInstance) => {
          const request = new dimse.requests.CStoreRequest(rawDataset(inst.dataset, inst.transferSyntaxUid, inst.sopClassUid, inst.sopInstanceUid));
          request.on("response", (r: { getStatus(): number }) => {
            const status = r.getStatus();
            // Success, or a warning (coercion, elements discarded): stored.
            const ok = status === 0 || (status & 0xf000) === 0xb000;
            results.set(inst.sopInstanceUid, { sopInstanceUid: inst.sopInstanceUid, status, ok, ...(ok ? {} : { reason: `the node answered status 0x${status.toString(16).padStart(4, "0")}` }) });
          });
          client.addRequest(request);
          return { inst, request };
        });
        // A context proposing only the instance's own syntax, so the node can accept it as it is.
        const syntaxes = new Map<string, Set<string>>();
        for (const i of instances) (syntaxes.get(i.sopClassUid) ?? syntaxes.set(i.sopClassUid, new Set()).get(i.sopClassUid)!).add(i.transferSyntaxUid);
        for (const [sopClass, tss] of syntaxes) {
          for (const ts of tss) {
            const ctx = new dimse.association.PresentationContext(0, sopClass);
            ctx.addTransferSyntaxUid(ts);
            client.addAdditionalPresentationContext(ctx, true);
          }
        }
        client.on("associationAccepted", (association: { getPresentationContexts(): Array<{ id: number; context: { getAbstractSyntaxUid(): string; getAcceptedTransferSyntaxUid(): string | undefined; getResult(): number } }> }) => {
          // Keep only the instances the node accepted in their own syntax; the rest are reported, not transcoded.
          const accepted = new Set(association.getPresentationContexts().filter((p) => p.context.getResult() === dimse.constants.PresentationContextResult.Accept).map((p) => `${p.context.getAbstractSyntaxUid()}|${p.context.getAcceptedTransferSyntaxUid() ?? ""}`));
          client.clearRequests();
          for (const { inst, request } of requests) {
            if (accepted.has(`${inst.sopClassUid}|${inst.transferSyntaxUid}`)) client.addRequest(request);
            else results.set(inst.sopInstanceUid, { sopInstanceUid: inst.sopInstanceUid, status: undefined, ok: false, reason: `the node accepts this SOP class in no context with transfer syntax ${inst.transferSyntaxUid}` });
          }
        });
        let refused = false;
        client.on("associationRejected", () => {
          refused = true;
          reject(new RayvaultError(ErrorCode.DeliveryFailed, `${peer.aeTitle} refused the association (check the AE titles and that it accepts us)`));
        });
        let failed: RayvaultError | undefined;
        client.on("networkError", (e: unknown) => {
          failed = networkError(peer, e);
        });
        client.on("closed", () => {
          if (refused) return;
          if (failed && results.size === 0) return reject(failed);
          resolve(instances.map((i) => results.get(i.sopInstanceUid) ?? { sopInstanceUid: i.sopInstanceUid, status: undefined, ok: false, reason: failed ? failed.message : "no response from the node" }));
        });
        client.on("connected", () => noDelay(client));
        const security = securityOptions(peer, tls);
        client.send(peer.host, peer.port, callingAe, peer.aeTitle, { ...TIMEOUTS, ...(security ? { securityOptions: security } : {}) });
      });
    },
  };
}
