/**
 * @module ports/portal-store
 * Portal links: created with their audit record; looked up by the hash of their token; each change
 * (code issued, attempt failed, verified, downloaded, revoked) commits with its audit record, and the
 * first download records the disclosure.
 */
import type { AuditEvent } from "../core/audit/audit-chain.ts";
import type { DisclosureRow } from "./delivery-store.ts";

export interface PortalLinkRow {
  readonly id: string;
  readonly tokenHash: string;
  readonly studyId: string;
  readonly recipientId: string;
  readonly addressId: string;
  readonly purpose: string;
  readonly citation: string;
  readonly accountable: boolean;
  readonly packageBlobId: string;
  readonly factor: "mailbox" | "passcode";
  readonly passcodeHash: string | null;
  readonly codeHash: string | null;
  readonly codeExpiresAt: string | null;
  readonly failedAttempts: number;
  readonly codesIssued: number;
  readonly shareKey: string | null;
  readonly sessionHash: string | null;
  readonly expiresAt: string;
  readonly maxDownloads: number;
  readonly downloads: number;
  readonly revokedAt: string | null;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface PortalStore {
  create(row: PortalLinkRow, audit: AuditEvent): Promise<void>;
  byTokenHash(hash: string): Promise<PortalLinkRow | undefined>;
  get(id: string): Promise<PortalLinkRow | undefined>;
  /** The newest link made by this share (idempotency key). */
  byShareKey(key: string): Promise<PortalLinkRow | undefined>;
  update(id: string, patch: Partial<PortalLinkRow>, audit: AuditEvent): Promise<void>;
  /**
   * Stores a new one-time code only while fewer than `maxCodes` were issued and the current code (if
   * any) expires at or before `expiresBefore`, i.e. was issued long enough ago; atomic. False: refused.
   */
  issueCode(id: string, limits: { readonly maxCodes: number; readonly expiresBefore: string }, patch: { readonly codeHash: string; readonly codeExpiresAt: string }, audit: AuditEvent): Promise<boolean>;
  /** Counts one wrong code atomically (parallel guesses cannot share a count); returns the new count. */
  failAttempt(id: string, audit: (attempts: number) => AuditEvent): Promise<number>;
  /** Applies `patch` only while fewer than `maxFailed` wrong codes were counted; false when locked. */
  updateIfUnlocked(id: string, maxFailed: number, patch: Partial<PortalLinkRow>, audit: AuditEvent): Promise<boolean>;
  /** Counts a download if one is left (atomic); records the disclosure on the first. False when none left. */
  download(id: string, disclosure: DisclosureRow | undefined, audit: AuditEvent): Promise<boolean>;
  list(): Promise<PortalLinkRow[]>;
}
