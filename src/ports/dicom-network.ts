/**
 * @module ports/dicom-network
 * The DICOM network seen from the use-cases: the directory of nodes (modalities and PACS that store to
 * us, recipients' nodes we push to), the routing rules, and the sender that pushes instances to a node
 * with C-STORE. Listening (the SCP) is an interface, not a port: it calls the use-cases.
 */
import type { AuditEvent } from "../core/audit/audit-chain.ts";

export interface DicomNodeRow {
  readonly id: string;
  readonly name: string;
  readonly aeTitle: string;
  readonly host: string | null;
  readonly port: number | null;
  readonly tls: boolean;
  /** The operator attested that plain TCP to this node stays on a private network (LAN, VPN). */
  readonly privateNetwork: boolean;
  /** May store to us (its calling AE title is accepted). */
  readonly inbound: boolean;
  /** The recipient this node belongs to (we may push to it for them). */
  readonly recipientId: string | null;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly removedAt: string | null;
}

export interface RoutingRuleRow {
  readonly id: string;
  readonly fromNodeId: string;
  readonly recipientId: string;
  readonly purpose: string;
  readonly channel: string | null;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly removedAt: string | null;
}

export interface DicomNodeStore {
  addNode(row: DicomNodeRow, audit: AuditEvent): Promise<void>;
  removeNode(id: string, at: string, audit: AuditEvent): Promise<boolean>;
  node(id: string): Promise<DicomNodeRow | undefined>;
  /** Current (not removed) nodes. */
  nodes(): Promise<DicomNodeRow[]>;
  /** The current inbound node with this calling AE title, if any. */
  inboundByAeTitle(aeTitle: string): Promise<DicomNodeRow | undefined>;
  /** The current nodes of a recipient. */
  nodesOf(recipientId: string): Promise<DicomNodeRow[]>;
  addRoute(row: RoutingRuleRow, audit: AuditEvent): Promise<void>;
  removeRoute(id: string, at: string, audit: AuditEvent): Promise<boolean>;
  /** Current rules for studies arriving from this node. */
  routesFrom(nodeId: string): Promise<RoutingRuleRow[]>;
  routes(): Promise<RoutingRuleRow[]>;
}

/** Where to push: a node's address and whether the association is wrapped in TLS. */
export interface DicomPeer {
  readonly aeTitle: string;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
}

/** One instance to push: a Part 10 file, sent in its own transfer syntax (never transcoded). */
export interface OutgoingInstance {
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  readonly transferSyntaxUid: string;
  /** The data set as encoded in the file, after the file meta. */
  readonly dataset: Uint8Array;
}

export interface StoreResult {
  readonly sopInstanceUid: string;
  /** DIMSE status (0x0000 success; 0xB000–0xB007 warnings); undefined when the instance was never sent. */
  readonly status: number | undefined;
  readonly ok: boolean;
  readonly reason?: string;
}

export interface DicomSender {
  /** C-ECHO: resolves when the node answers, rejects with a reason otherwise. */
  echo(peer: DicomPeer, callingAe: string): Promise<void>;
  /** C-STORE each instance in one association; one result per instance. Rejects when no association is made. */
  store(peer: DicomPeer, callingAe: string, instances: readonly OutgoingInstance[]): Promise<StoreResult[]>;
}
