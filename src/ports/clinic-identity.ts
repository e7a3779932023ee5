/**
 * @module ports/clinic-identity
 * The clinic's own mail identity: the S/MIME certificate and key that sign what it sends, and its
 * OpenPGP key. Kept with the other keys (mode 0600), never logged.
 */
import type { CmsSigner } from "../core/mail/cms.ts";

export interface ClinicIdentity {
  /** Undefined until an S/MIME certificate and key are installed (`rayvault mail identity`). */
  smimeSigner(): CmsSigner | undefined;
  /** The clinic's OpenPGP private key, armored (made on first use: v4, Curve25519). */
  pgpPrivateKey(): Promise<string>;
  /** Installs the S/MIME certificate and key after checking they belong together. */
  installSmime(certPem: string, keyPem: string): void;
  /** The CA certificates (DER) recipients' S/MIME certificates must chain to. */
  trustAnchors(): Uint8Array[];
  /** Adds CA certificates (PEM) to the trust anchors; returns their SHA-256 fingerprints. */
  addTrustAnchors(pem: string): string[];
  /** Certificate revocation lists (DER) to check recipients' certificates against. */
  crls(): Uint8Array[];
  /** Adds or replaces a CA's CRL (PEM or DER); returns its issuer. */
  addCrl(bytes: Uint8Array): string;
}
