/**
 * @module adapters/keys/file-audit-key
 * The audit signing key: an Ed25519 key pair in `$RAYVAULT_HOME/keys/` (private PEM mode 0600, public PEM
 * beside it for auditors), created on first use. Its id is derived from the public key.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ed25519Signer, type CheckpointSigner } from "../../core/audit/audit-chain.ts";
import { ErrorCode, RayvaultError } from "../../core/errors.ts";

export function openFileAuditKey(keyDir: string): CheckpointSigner {
  const privatePath = join(keyDir, "audit-ed25519.pem");
  const publicPath = join(keyDir, "audit-ed25519.pub.pem");
  if (!existsSync(privatePath)) {
    mkdirSync(keyDir, { recursive: true, mode: 0o700 });
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    writeFileSync(privatePath, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600, flag: "wx" });
    writeFileSync(publicPath, publicKey.export({ type: "spki", format: "pem" }), { mode: 0o644 });
  }
  if ((statSync(privatePath).mode & 0o077) !== 0) throw new RayvaultError(ErrorCode.KeyMissing, `audit key ${privatePath} is readable by others; chmod 600 it`);
  const privateKey = createPrivateKey(readFileSync(privatePath));
  const publicKey = createPublicKey(privateKey);
  const keyId = `audit-${createHash("sha256").update(publicKey.export({ type: "spki", format: "der" })).digest("hex").slice(0, 16)}`;
  return ed25519Signer(keyId, privateKey, publicKey);
}
