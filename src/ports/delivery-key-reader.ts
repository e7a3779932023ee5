/**
 * @module ports/delivery-key-reader
 * Reads a recipient's delivery key — an S/MIME certificate or an OpenPGP public key — into the facts the
 * directory keeps: fingerprint, the e-mail addresses it is for, validity, and whether it can encrypt.
 */
export type DeliveryKeyKind = "smime" | "pgp";

export interface DeliveryKeyInfo {
  readonly kind: DeliveryKeyKind;
  /** SHA-256 of the DER certificate (S/MIME) or the key's v4 fingerprint (OpenPGP), lower-case hex. */
  readonly fingerprint: string;
  readonly emails: readonly string[];
  readonly notBefore?: string;
  readonly notAfter?: string;
  /** Key usage allows encryption (keyEncipherment/keyAgreement; an OpenPGP encryption subkey). */
  readonly canEncrypt: boolean;
  /** The text kept in the directory (PEM, or the armored key). */
  readonly material: string;
  /** OpenPGP: the key version (GnuPG 2.2 reads v4). */
  readonly version?: number;
  /** S/MIME: the certificate first, then any intermediates given with it (DER). */
  readonly chain?: readonly Uint8Array[];
}

export interface DeliveryKeyReader {
  /** Throws RV_USAGE_INVALID when the bytes are not a key of that kind. */
  read(kind: DeliveryKeyKind, bytes: Uint8Array): Promise<DeliveryKeyInfo>;
  /**
   * RFC 5280 path validation of a certificate chain (leaf first) to one of the anchors, at `at`; with
   * CRLs (DER), a certificate one of them lists as revoked fails (issuers without a CRL pass: revocation
   * is checked where it is available).
   */
  verifyChain(chain: readonly Uint8Array[], anchors: readonly Uint8Array[], at: Date, crls?: readonly Uint8Array[]): Promise<{ readonly ok: boolean; readonly reason?: string }>;
}
