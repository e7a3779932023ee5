/**
 * @module adapters/keys/delivery-key-reader
 * Delivery keys read with the field's libraries: S/MIME certificates with @peculiar/x509 (PEM or DER;
 * e-mail addresses from the subjectAltName rfc822Name entries and the subject's emailAddress; key
 * usage), OpenPGP keys with openpgp.js (armored or binary; user ID e-mails, expiry, an encryption key).
 */
import { createHash } from "node:crypto";
import * as x509 from "@peculiar/x509";
import * as openpgp from "openpgp";
import * as pkijs from "pkijs";
import { ErrorCode, RayvaultError } from "../../core/errors.ts";
import type { DeliveryKeyInfo, DeliveryKeyReader } from "../../ports/delivery-key-reader.ts";

const EMAIL_OID = "1.2.840.113549.1.9.1";

async function readSmime(bytes: Uint8Array): Promise<DeliveryKeyInfo> {
  let cert: x509.X509Certificate;
  let all: x509.X509Certificate[];
  try {
    const text = Buffer.from(bytes).toString("latin1");
    const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
    all = pems ? pems.map((p) => new x509.X509Certificate(p)) : [new x509.X509Certificate(Buffer.from(bytes))];
    cert = all[0]!;
  } catch (cause) {
    throw new RayvaultError(ErrorCode.UsageInvalid, "not an X.509 certificate (PEM or DER)", { cause });
  }
  const emails = new Set<string>();
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  for (const n of san?.names.items ?? []) if (n.type === "email") emails.add(n.value.toLowerCase());
  for (const v of cert.subjectName.getField(EMAIL_OID)) emails.add(v.toLowerCase());
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  const canEncrypt = ku === null ? true : (ku.usages & (x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyAgreement)) !== 0;
  const der = Buffer.from(cert.rawData);
  return {
    kind: "smime", fingerprint: createHash("sha256").update(der).digest("hex"), emails: [...emails],
    notBefore: cert.notBefore.toISOString(), notAfter: cert.notAfter.toISOString(), canEncrypt,
    material: all.map((c) => c.toString("pem")).join("\n"), chain: all.map((c) => new Uint8Array(c.rawData)),
  };
}

async function readPgp(bytes: Uint8Array): Promise<DeliveryKeyInfo> {
  let key: openpgp.Key;
  try {
    const text = Buffer.from(bytes).toString("utf8");
    key = text.includes("-----BEGIN PGP PUBLIC KEY BLOCK-----") ? await openpgp.readKey({ armoredKey: text }) : await openpgp.readKey({ binaryKey: bytes });
  } catch (cause) {
    throw new RayvaultError(ErrorCode.UsageInvalid, "not an OpenPGP public key", { cause });
  }
  if (key.isPrivate()) throw new RayvaultError(ErrorCode.UsageInvalid, "that is a private key: give the recipient's public key only");
  const emails = key.users.map((u) => u.userID?.email.toLowerCase() ?? "").filter((e) => e !== "");
  let canEncrypt = true;
  try {
    await key.getEncryptionKey();
  } catch {
    canEncrypt = false;
  }
  const expires = await key.getExpirationTime();
  return {
    kind: "pgp", fingerprint: key.getFingerprint().toLowerCase(), emails, version: key.keyPacket.version,
    notBefore: key.getCreationTime().toISOString(), ...(expires instanceof Date ? { notAfter: expires.toISOString() } : {}),
    canEncrypt, material: key.armor(),
  };
}

/** Path validation with pkijs (RFC 5280: signatures, validity at `at`, CA constraints) to the anchors. */
async function verifyChain(chain: readonly Uint8Array[], anchors: readonly Uint8Array[], at: Date, crls: readonly Uint8Array[] = []): Promise<{ ok: boolean; reason?: string }> {
  if (anchors.length === 0) return { ok: false, reason: "no trust anchors are configured (rayvault mail trust add <ca.pem>)" };
  if (chain.length === 0) return { ok: false, reason: "no certificate to validate" };
  try {
    const engine = new pkijs.CertificateChainValidationEngine({
      trustedCerts: anchors.map((a) => pkijs.Certificate.fromBER(a)),
      // pkijs validates the LAST certificate given: the recipient's own goes last, intermediates before it.
      certs: [...chain.slice(1), chain[0]!].map((c) => pkijs.Certificate.fromBER(c)),
      crls: crls.map((c) => pkijs.CertificateRevocationList.fromBER(c)),
      checkDate: at,
    });
    const r = await engine.verify({ passedWhenNotRevValues: true });
    const leaf = Buffer.from(chain[0]!);
    const pathStartsAtLeaf = (r.certificatePath ?? []).some((c) => leaf.equals(Buffer.from(c.toSchema().toBER(false))));
    if (r.result && pathStartsAtLeaf) return { ok: true };
    if (r.result) return { ok: false, reason: "the validated path does not include the recipient's own certificate" };
    return { ok: false, reason: r.resultCode === 12 ? "the certificate has been revoked (its CA's CRL lists it)" : `the certificate does not chain to a trusted anchor (${r.resultMessage})` };
  } catch (e) {
    return { ok: false, reason: `the certificate chain could not be validated (${e instanceof Error ? e.message : "error"})` };
  }
}

export const libraryKeyReader: DeliveryKeyReader = {
  read: (kind, bytes) => (kind === "smime" ? readSmime(bytes) : readPgp(bytes)),
  verifyChain,
};
