/**
 * @module ports/policy-store
 * The records disclosure decisions rest on: the recipient directory (recipients, verified addresses,
 * delivery keys), agreements (BAAs, data use agreements), authorizations, restrictions, access
 * requests, the privacy officer's review queue and incidents. Rows hold references and field-crypto
 * tokens (`*Enc`, `*Idx`); every change commits with its audit record.
 */
import type { AuditEvent } from "../core/audit/audit-chain.ts";

export interface RecipientRow {
  readonly id: string;
  readonly kind: string;
  readonly nameEnc: string;
  readonly nameIdx: string;
  readonly organizationEnc: string | null;
  readonly npi: string | null;
  readonly patientId: string | null;
  readonly identityVerifiedAt: string | null;
  readonly identityVerifiedBy: string | null;
  readonly identityMethod: string | null;
  readonly lastDisclosedAddressId: string | null;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface AddressRow {
  readonly id: string;
  readonly recipientId: string;
  readonly addressEnc: string;
  readonly addressIdx: string;
  readonly verifiedAt: string | null;
  readonly verifiedBy: string | null;
  readonly verificationMethod: string | null;
  readonly supersededAt: string | null;
  readonly createdAt: string;
}

export interface KeyRow {
  readonly id: string;
  readonly recipientId: string;
  readonly kind: string;
  readonly fingerprint: string;
  readonly materialEnc: string;
  readonly addressIdx: string;
  readonly notBefore: string | null;
  readonly notAfter: string | null;
  readonly verifiedAt: string | null;
  readonly verifiedBy: string | null;
  readonly verificationMethod: string | null;
  readonly revokedAt: string | null;
  readonly createdAt: string;
}

export interface AgreementRow {
  readonly id: string;
  readonly kind: string;
  readonly recipientId: string;
  readonly partiesEnc: string;
  readonly effectiveAt: string;
  readonly endsAt: string | null;
  readonly terminatedAt: string | null;
  readonly scope: string[];
  readonly documentBlobId: string | null;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface AuthorizationRow {
  readonly id: string;
  readonly patientId: string;
  readonly formEnc: string;
  readonly documentBlobId: string | null;
  readonly revokedAt: string | null;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface RestrictionRow {
  readonly id: string;
  readonly patientId: string;
  readonly kind: string;
  readonly spec: Record<string, string[]>;
  readonly agreedAt: string;
  readonly terminatedAt: string | null;
  readonly createdBy: string;
}

export interface AccessRequestRow {
  readonly id: string;
  readonly patientId: string;
  readonly requesterId: string;
  readonly receivedAt: string;
  readonly dueAt: string;
  readonly extendedAt: string | null;
  readonly extensionReasonEnc: string | null;
  readonly identityVerifiedAt: string | null;
  readonly format: string;
  readonly channel: string;
  readonly warningVersion: string | null;
  readonly plainEmailAckAt: string | null;
  readonly completedAt: string | null;
  readonly createdBy: string;
}

export interface ReviewRow {
  readonly id: string;
  readonly studyId: string;
  readonly recipientId: string;
  readonly purpose: string;
  readonly requestedBy: string;
  readonly requestedAt: string;
  readonly outcome: string | null;
  readonly citation: string | null;
  readonly noteEnc: string | null;
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
}

export interface IncidentRow {
  readonly id: string;
  readonly kind: string;
  readonly discoveredAt: string;
  readonly factsEnc: string;
  readonly status: string;
  readonly createdAt: string;
  readonly createdBy: string;
}

/** A patient's sign-in on the request page (164.524): the mailed code, then the session, kept as hashes. */
export interface PatientSigninRow {
  readonly id: string;
  readonly recipientId: string;
  readonly patientId: string;
  readonly addressId: string;
  readonly codeHash: string | null;
  readonly codeExpiresAt: string;
  readonly failedAttempts: number;
  readonly sessionHash: string | null;
  readonly sessionExpiresAt: string | null;
  readonly createdAt: string;
}

/** The tables the store keeps, by name, with their row types. */
export interface PolicyTables {
  recipients: RecipientRow;
  addresses: AddressRow;
  keys: KeyRow;
  agreements: AgreementRow;
  authorizations: AuthorizationRow;
  restrictions: RestrictionRow;
  accessRequests: AccessRequestRow;
  reviews: ReviewRow;
  incidents: IncidentRow;
  patientSignins: PatientSigninRow;
}
export type PolicyTable = keyof PolicyTables;

export interface PolicyStore {
  /** Inserts a row and its audit record in one transaction. */
  insert<T extends PolicyTable>(table: T, row: PolicyTables[T], audit: AuditEvent): Promise<void>;
  /** Updates one row by id and appends the audit record, in one transaction; false if no such row. */
  update<T extends PolicyTable>(table: T, id: string, patch: Partial<PolicyTables[T]>, audit: AuditEvent): Promise<boolean>;
  /**
   * As `update`, only while the row still holds the `expected` values (compare-and-set: a concurrent
   * change in between makes it false, and nothing is written).
   */
  updateIf<T extends PolicyTable>(table: T, id: string, expected: Partial<PolicyTables[T]>, patch: Partial<PolicyTables[T]>, audit: AuditEvent): Promise<boolean>;
  get<T extends PolicyTable>(table: T, id: string): Promise<PolicyTables[T] | undefined>;
  /** Rows whose columns equal the given values (all rows when `where` is empty), oldest first. */
  find<T extends PolicyTable>(table: T, where: Partial<Record<keyof PolicyTables[T] & string, string>>): Promise<Array<PolicyTables[T]>>;
}
