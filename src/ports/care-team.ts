/**
 * @module ports/care-team
 * Who treats whom: the care relationships the access decision consults (a clinician sees only the
 * patients they treat, 164.514(d)(2)). Each change commits with its audit record.
 */
import type { AuditEvent } from "../core/audit/audit-chain.ts";

export const CareKind = {
  Attending: "attending",
  Referring: "referring",
  Ordering: "ordering",
  Consulting: "consulting",
} as const;
export type CareKind = (typeof CareKind)[keyof typeof CareKind];

export interface CareRelationship {
  readonly id: string;
  readonly userId: string;
  readonly patientId: string;
  readonly kind: CareKind;
  readonly grantedBy: string;
  readonly startsAt: string;
  readonly endsAt: string | null;
  readonly endedAt: string | null;
}

export interface CareTeam {
  /** Records a relationship and its audit record in one transaction. */
  assign(rel: Omit<CareRelationship, "endedAt">, audit: AuditEvent): Promise<void>;
  /** Ends every open relationship of the user with the patient; returns how many (0: none, nothing audited). */
  end(userId: string, patientId: string, at: string, audit: AuditEvent): Promise<number>;
  /** True when a relationship is in force at `now`: started, not past its planned end, not ended. */
  isTreating(userId: string, patientId: string, now: string): Promise<boolean>;
  /** A user's relationships, newest first (references only). */
  list(userId: string): Promise<CareRelationship[]>;
}
