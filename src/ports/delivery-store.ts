/**
 * @module ports/delivery-store
 * The durable outbox: deliveries queued with their built message (a vault object), claimed by one worker
 * at a time, and either sent — which records the disclosure for the accounting and the audit record in
 * the same transaction — or retried with backoff, or failed.
 */
import type { AuditEvent } from "../core/audit/audit-chain.ts";

/** After "sent": "delivered" when a DSN or MDN says it arrived, "bounced" when one says it did not. */
export type DeliveryStatus = "queued" | "sending" | "sent" | "retrying" | "failed" | "delivered" | "bounced";

export interface DeliveryReportRow {
  readonly id: string;
  readonly deliveryId: string;
  readonly kind: "dsn" | "mdn";
  readonly outcome: string;
  readonly statusCode: string | null;
  readonly receivedAt: string;
}

export interface DeliveryRow {
  readonly id: string;
  /** "message" carries the study (sending it is the disclosure); "notification" carries no PHI. */
  readonly kind: "message" | "notification";
  readonly idempotencyKey: string;
  readonly messageId: string;
  readonly channel: string;
  readonly recipientId: string;
  readonly addressId: string | null;
  /** DICOM push: the recipient's node; the blob is then the prepared package, not a message. */
  readonly nodeId?: string | null;
  readonly studyId: string;
  readonly purpose: string;
  readonly citation: string;
  readonly accountable: boolean;
  readonly messageBlobId: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: string;
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly sentAt: string | null;
}

export interface DisclosureRow {
  readonly id: string;
  readonly deliveryId: string | null;
  readonly patientId: string;
  readonly studyId: string;
  readonly recipientId: string;
  readonly purpose: string;
  readonly citation: string;
  readonly descriptionEnc: string;
  readonly accountable: boolean;
  readonly channel: string;
  readonly disclosedAt: string;
}

export interface DeliveryStore {
  /** Queues a delivery; returns the existing one when the idempotency key is already queued or sent. */
  enqueue(row: DeliveryRow, audit: AuditEvent): Promise<{ readonly delivery: DeliveryRow; readonly created: boolean }>;
  findByKey(idempotencyKey: string): Promise<DeliveryRow | undefined>;
  find(id: string): Promise<DeliveryRow | undefined>;
  findByMessageId(messageId: string): Promise<DeliveryRow | undefined>;
  /** A report received: kept, the delivery's status moved when it says so (never back to queued), audited, together. */
  recordReport(report: DeliveryReportRow, status: "delivered" | "bounced" | undefined, audit: AuditEvent): Promise<void>;
  reportsOf(deliveryId: string): Promise<DeliveryReportRow[]>;
  /** Claims the next due delivery (queued, retrying, or sending for longer than `staleBefore`), or only `id`, or only these channels: status sending. */
  claim(now: string, staleBefore: string, id?: string, channels?: readonly string[]): Promise<DeliveryRow | undefined>;
  /** Sent: the delivery, the disclosure (messages only), the recipient's last address and the audit record, together. */
  markSent(id: string, at: string, disclosure: DisclosureRow | undefined, audit: AuditEvent): Promise<void>;
  markRetry(id: string, error: string, next: string, failed: boolean, audit: AuditEvent): Promise<void>;
  list(): Promise<DeliveryRow[]>;
  disclosuresOf(patientId: string): Promise<DisclosureRow[]>;
}
