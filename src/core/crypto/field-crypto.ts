/**
 * @module core/crypto/field-crypto
 * Application-level encryption of PHI columns (names, birth dates, MRNs, addresses, free text), so the
 * database files hold no plaintext PHI, and keyed blind indexes for exact-match search. Each value is
 * AES-256-GCM with a random 96-bit nonce and the column's name as associated data (a value copied into
 * another column does not decrypt). Indexes are HMAC-SHA-256 over a normalised value, under a key of
 * their own. Keys are derived from the master key with HKDF. Pure: no I/O.
 */
import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hkdfSync, type KeyObject } from "node:crypto";
import { ErrorCode, RayvaultError } from "../errors.ts";

const PREFIX = "rvf1.";

export interface FieldKeys {
  readonly encryption: KeyObject;
  readonly index: KeyObject;
}

/** Separate keys for encryption and for blind indexes, derived from one 32-byte master key. */
export function deriveFieldKeys(master: Uint8Array): FieldKeys {
  const derive = (info: string): Buffer => Buffer.from(hkdfSync("sha256", master, new Uint8Array(0), info, 32));
  return { encryption: createSecretKey(derive("rayvault field encryption v1")), index: createSecretKey(derive("rayvault blind index v1")) };
}

/** Encrypts one value for one column ("patients.name"). The 12-byte nonce must be random. */
export function encryptField(keys: FieldKeys, column: string, value: string, nonce: Uint8Array): string {
  if (nonce.length !== 12) throw new RayvaultError(ErrorCode.UsageInvalid, "field nonce must be 12 random bytes");
  const c = createCipheriv("aes-256-gcm", keys.encryption, nonce);
  c.setAAD(Buffer.from(column, "utf8"));
  const body = Buffer.concat([c.update(value, "utf8"), c.final()]);
  return PREFIX + Buffer.concat([nonce, body, c.getAuthTag()]).toString("base64url");
}

export function decryptField(keys: FieldKeys, column: string, token: string): string {
  if (!token.startsWith(PREFIX)) throw new RayvaultError(ErrorCode.VaultCorrupt, `value in ${column} is not an encrypted field`);
  const raw = Buffer.from(token.slice(PREFIX.length), "base64url");
  if (raw.length < 28) throw new RayvaultError(ErrorCode.VaultCorrupt, `encrypted value in ${column} is truncated`);
  try {
    const d = createDecipheriv("aes-256-gcm", keys.encryption, raw.subarray(0, 12));
    d.setAAD(Buffer.from(column, "utf8"));
    d.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]).toString("utf8");
  } catch (cause) {
    throw new RayvaultError(ErrorCode.VaultCorrupt, `encrypted value in ${column} failed authentication (altered, moved from another column, or wrong key)`, { cause });
  }
}

/**
 * The form a value is searched by: Unicode NFKC, case-folded, DICOM name separators and punctuation as
 * spaces, whitespace collapsed. "Doe^John " and "DOE, JOHN" index alike; "Jon" does not.
 */
export function normaliseForIndex(value: string): string {
  return value.normalize("NFKC").toUpperCase().replace(/[\^,;=]/g, " ").replace(/\s+/g, " ").trim();
}

/** Keyed blind index of a value for one column: equal normalised values give equal indexes. */
export function blindIndex(keys: FieldKeys, column: string, value: string): string {
  return createHmac("sha256", keys.index).update(column).update("\u0000").update(normaliseForIndex(value)).digest("hex").slice(0, 32);
}
