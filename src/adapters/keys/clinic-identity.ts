/**
 * @module adapters/keys/clinic-identity
 * The clinic's mail identity in `$RAYVAULT_HOME/keys`: `clinic-smime.pem` + `clinic-smime.key` (installed
 * by `rayvault mail identity`; the key must sign what the certificate verifies, and the certificate must
 * allow signing), and `clinic-pgp.asc` (an OpenPGP v4 Curve25519 key made on first use). Files are 0600.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as openpgp from "openpgp";
import * as pkijs from "pkijs";
import { ErrorCode, RayvaultError } from "../../core/errors.ts";
import type { ClinicIdentity } from "../../ports/clinic-identity.ts";

export function fileClinicIdentity(keyDir: string, address: string): ClinicIdentity {
  const certPath = join(keyDir, "clinic-smime.pem");
  const keyPath = join(keyDir, "clinic-smime.key");
  const pgpPath = join(keyDir, "clinic-pgp.asc");
  const anchorsPath = join(keyDir, "smime-trust-anchors.pem");
  const crlDir = join(keyDir, "smime-crls");
  const pemsOf = (text: string): string[] => text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return {
    smimeSigner() {
      if (!existsSync(certPath) || !existsSync(keyPath)) return undefined;
      const cert = new X509Certificate(readFileSync(certPath));
      return { certificate: cert.raw, chain: [], privateKey: createPrivateKey(readFileSync(keyPath)) };
    },
    async pgpPrivateKey() {
      if (existsSync(pgpPath)) return readFileSync(pgpPath, "utf8");
      const made = await openpgp.generateKey({ type: "ecc", curve: "curve25519Legacy", userIDs: [{ name: "Rayvault", email: address }], format: "armored" });
      mkdirSync(keyDir, { recursive: true, mode: 0o700 });
      writeFileSync(pgpPath, made.privateKey, { mode: 0o600, flag: "wx" });
      return made.privateKey;
    },
    trustAnchors() {
      return existsSync(anchorsPath) ? pemsOf(readFileSync(anchorsPath, "utf8")).map((p) => new X509Certificate(p).raw) : [];
    },
    addTrustAnchors(pem) {
      const certs = pemsOf(pem).map((p) => new X509Certificate(p));
      if (certs.length === 0) throw new RayvaultError(ErrorCode.UsageInvalid, "no PEM certificate found");
      for (const c of certs) if (!c.ca) throw new RayvaultError(ErrorCode.UsageInvalid, "a trust anchor must be a CA certificate (basicConstraints CA:TRUE)");
      const existing = existsSync(anchorsPath) ? readFileSync(anchorsPath, "utf8") : "";
      mkdirSync(keyDir, { recursive: true, mode: 0o700 });
      writeFileSync(anchorsPath, `${existing}${certs.map((c) => c.toString()).join("\n")}\n`, { mode: 0o600 });
      return certs.map((c) => c.fingerprint256.replace(/:/g, "").toLowerCase());
    },
    crls() {
      return existsSync(crlDir) ? readdirSync(crlDir).filter((f) => f.endsWith(".crl")).sort().map((f) => new Uint8Array(readFileSync(join(crlDir, f)))) : [];
    },
    addCrl(bytes) {
      const text = Buffer.from(bytes).toString("latin1");
      const m = /-----BEGIN X509 CRL-----([\s\S]+?)-----END X509 CRL-----/.exec(text);
      const der = m ? Buffer.from(m[1]!.replace(/\s/g, ""), "base64") : Buffer.from(bytes);
      let issuer: string;
      try {
        const crl = pkijs.CertificateRevocationList.fromBER(der);
        issuer = crl.issuer.typesAndValues.map((t) => `${t.type}=${t.value.valueBlock.value}`).join(",");
      } catch (cause) {
        throw new RayvaultError(ErrorCode.UsageInvalid, "not a certificate revocation list (PEM or DER)", { cause });
      }
      mkdirSync(crlDir, { recursive: true, mode: 0o700 });
      // One CRL per issuer: a newer one replaces the older.
      writeFileSync(join(crlDir, `${createHash("sha256").update(issuer).digest("hex").slice(0, 16)}.crl`), der, { mode: 0o600 });
      return issuer;
    },
    installSmime(certPem, keyPem) {
      let cert: X509Certificate;
      try {
        cert = new X509Certificate(certPem);
        const key = createPrivateKey(keyPem);
        const probe = Buffer.from("rayvault key check");
        if (!verify("sha256", probe, createPublicKey(cert.publicKey.export({ format: "pem", type: "spki" })), sign("sha256", probe, key))) throw new Error("mismatch");
      } catch (cause) {
        throw new RayvaultError(ErrorCode.KeyMissing, "the certificate and key do not belong together (or are not PEM)", { cause });
      }
      // The signature is written as sha256WithRSAEncryption (core/mail/cms): an EC key would make mail that fails to verify.
      if (cert.publicKey.asymmetricKeyType !== "rsa") throw new RayvaultError(ErrorCode.UsageInvalid, "the clinic's signing certificate must have an RSA key");
      if (cert.keyUsage !== undefined && cert.keyUsage.length > 0 && !cert.keyUsage.includes("1.3.6.1.5.5.7.3.4")) throw new RayvaultError(ErrorCode.UsageInvalid, "the certificate's extended key usage does not include e-mail protection");
      if (!(cert.subjectAltName ?? "").toLowerCase().includes(`email:${address}`)) throw new RayvaultError(ErrorCode.UsageInvalid, `the certificate is not for ${address} (RAYVAULT_MAIL_FROM)`);
      mkdirSync(keyDir, { recursive: true, mode: 0o700 });
      writeFileSync(certPath, certPem, { mode: 0o600 });
      writeFileSync(keyPath, keyPem, { mode: 0o600 });
    },
  };
}
