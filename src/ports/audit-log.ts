/**
 * @module ports/audit-log
 * The persistent audit log: appends chain each record to the last one atomically (one writer at a time,
 * whatever the number of processes); reads return records in sequence order for verification.
 */
import type { AuditEvent, AuditRecord, Checkpoint } from "../core/audit/audit-chain.ts";

export interface AuditLog {
  append(event: AuditEvent): Promise<AuditRecord>;
  /** Every record, ordered by sequence number. */
  all(): Promise<AuditRecord[]>;
  saveCheckpoint(checkpoint: Checkpoint): Promise<void>;
  /** Every signed checkpoint, oldest first. */
  checkpoints(): Promise<Checkpoint[]>;
}
