/**
 * @module app/manage-dicom
 * Use-cases of the DICOM network's directory: the nodes that store to us (a modality, a PACS: their
 * calling AE title is what lets them in) and the recipients' nodes we push to; C-ECHO to a node; and the
 * routing rules ("a study from node X goes to recipient Y for purpose P"). Each change is audited.
 * Plain TCP to a recipient's node is refused unless the operator attests it stays on a private network.
 */
import { randomUUID } from "node:crypto";
import { isAeTitle } from "../core/dicom/ae-title.ts";
import { ErrorCode, RayvaultError } from "../core/errors.ts";
import { isChannel, isDisclosurePurpose } from "../core/policy/vocabulary.ts";
import type { AuditLog } from "../ports/audit-log.ts";
import type { DicomNodeRow, DicomNodeStore, DicomSender, RoutingRuleRow } from "../ports/dicom-network.ts";
import type { PolicyStore } from "../ports/policy-store.ts";

export interface DicomDirectoryDeps {
  readonly dicomNodes: DicomNodeStore;
  readonly policy: PolicyStore;
  readonly audit: AuditLog;
  readonly now: () => string;
}


export interface AddNodeRequest {
  readonly actor: string;
  readonly name: string;
  readonly aeTitle: string;
  readonly host?: string;
  readonly port?: number;
  readonly tls: boolean;
  readonly privateNetwork: boolean;
  readonly inbound: boolean;
  readonly recipientId?: string;
}

export async function addNode(req: AddNodeRequest, deps: DicomDirectoryDeps): Promise<DicomNodeRow> {
  const name = req.name.trim();
  if (name === "" || name.length > 64) throw new RayvaultError(ErrorCode.UsageInvalid, "a node needs a name (1–64 characters)");
  if (!isAeTitle(req.aeTitle)) throw new RayvaultError(ErrorCode.UsageInvalid, "an AE title is 1–16 printable ASCII characters, no backslash, no leading or trailing spaces");
  if (!req.inbound && !req.recipientId) throw new RayvaultError(ErrorCode.UsageInvalid, "a node either stores to us (--inbound) or belongs to a recipient we push to (--recipient)");
  if ((req.host === undefined) !== (req.port === undefined)) throw new RayvaultError(ErrorCode.UsageInvalid, "give both --host and --port, or neither");
  if (req.port !== undefined && !(Number.isInteger(req.port) && req.port > 0 && req.port < 65536)) throw new RayvaultError(ErrorCode.UsageInvalid, "--port must be 1–65535");
  if (req.host !== undefined && !/^[A-Za-z0-9.:-]{1,253}$/.test(req.host)) throw new RayvaultError(ErrorCode.UsageInvalid, "--host must be a host name or an IP address");
  if (req.recipientId) {
    const r = await deps.policy.get("recipients", req.recipientId);
    if (!r) throw new RayvaultError(ErrorCode.NotFound, "no such recipient");
    if (req.host === undefined) throw new RayvaultError(ErrorCode.UsageInvalid, "a recipient's node needs --host and --port to be pushed to");
    // 164.312(e)(1): PHI crossing a network is encrypted unless the network itself is private.
    if (!req.tls && !req.privateNetwork) throw new RayvaultError(ErrorCode.UsageInvalid, "PHI goes to a recipient's node over DICOM TLS (--tls), or over plain TCP only on a network you attest is private (--private-network: a LAN or VPN)");
  }
  if (req.inbound && (await deps.dicomNodes.inboundByAeTitle(req.aeTitle))) throw new RayvaultError(ErrorCode.UsageInvalid, "another node already stores to us with that AE title");
  const now = deps.now();
  const row: DicomNodeRow = {
    id: `node-${randomUUID()}`, name, aeTitle: req.aeTitle, host: req.host ?? null, port: req.port ?? null, tls: req.tls, privateNetwork: req.privateNetwork, inbound: req.inbound,
    recipientId: req.recipientId ?? null, createdAt: now, createdBy: req.actor, removedAt: null,
  };
  await deps.dicomNodes.addNode(row, { time: now, actor: req.actor, action: "dicom.node.add", objects: [`node:${row.id}`, ...(row.recipientId ? [`recipient:${row.recipientId}`] : [])], purpose: "operations", outcome: "success" });
  return row;
}

export async function removeNode(req: { readonly actor: string; readonly id: string }, deps: DicomDirectoryDeps): Promise<void> {
  const now = deps.now();
  const done = await deps.dicomNodes.removeNode(req.id, now, { time: now, actor: req.actor, action: "dicom.node.remove", objects: [`node:${req.id}`], purpose: "operations", outcome: "success" });
  if (!done) throw new RayvaultError(ErrorCode.NotFound, "no such node (or already removed)");
}

/** C-ECHO to a node, as Rayvault's AE title: checks the address, the AE titles and TLS before anything is sent. */
export async function echoNode(req: { readonly id: string }, deps: DicomDirectoryDeps & { readonly dicomSender: DicomSender; readonly dicomAeTitle: string }): Promise<void> {
  const node = await deps.dicomNodes.node(req.id);
  if (!node || node.removedAt !== null) throw new RayvaultError(ErrorCode.NotFound, "no such node");
  if (node.host === null || node.port === null) throw new RayvaultError(ErrorCode.UsageInvalid, "this node has no address (it only stores to us)");
  await deps.dicomSender.echo({ aeTitle: node.aeTitle, host: node.host, port: node.port, tls: node.tls }, deps.dicomAeTitle);
}

export interface AddRouteRequest {
  readonly actor: string;
  readonly fromNodeId: string;
  readonly recipientId: string;
  readonly purpose: string;
  readonly channel?: string;
}

export async function addRoute(req: AddRouteRequest, deps: DicomDirectoryDeps): Promise<RoutingRuleRow> {
  const from = await deps.dicomNodes.node(req.fromNodeId);
  if (!from || from.removedAt !== null || !from.inbound) throw new RayvaultError(ErrorCode.NotFound, "no such node storing to us (--from must be an inbound node)");
  if (!(await deps.policy.get("recipients", req.recipientId))) throw new RayvaultError(ErrorCode.NotFound, "no such recipient");
  if (!["treatment", "payment", "operations"].includes(req.purpose) || !isDisclosurePurpose(req.purpose)) throw new RayvaultError(ErrorCode.UsageInvalid, "a routing rule shares for treatment, payment or operations; other disclosures need a person");
  if (req.channel !== undefined && (!isChannel(req.channel) || req.channel === "plain-email")) throw new RayvaultError(ErrorCode.UsageInvalid, "a routing rule's channel is smime, pgp, portal or dicom-push");
  const now = deps.now();
  const row: RoutingRuleRow = { id: `route-${randomUUID()}`, fromNodeId: from.id, recipientId: req.recipientId, purpose: req.purpose, channel: req.channel ?? null, createdAt: now, createdBy: req.actor, removedAt: null };
  await deps.dicomNodes.addRoute(row, { time: now, actor: req.actor, action: "dicom.route.add", objects: [`route:${row.id}`, `node:${from.id}`, `recipient:${req.recipientId}`], purpose: req.purpose, outcome: "success" });
  return row;
}

export async function removeRoute(req: { readonly actor: string; readonly id: string }, deps: DicomDirectoryDeps): Promise<void> {
  const now = deps.now();
  const done = await deps.dicomNodes.removeRoute(req.id, now, { time: now, actor: req.actor, action: "dicom.route.remove", objects: [`route:${req.id}`], purpose: "operations", outcome: "success" });
  if (!done) throw new RayvaultError(ErrorCode.NotFound, "no such routing rule (or already removed)");
}
