/**
 * @module core/mail/pgp-message
 * A PGP/MIME message (RFC 3156 §6.2, signed and encrypted in one OpenPGP message) carrying one
 * attachment, streamed through openpgp.js: the same content entity as S/MIME (multipart/mixed, base64,
 * CRLF) is signed by the clinic's key and encrypted to the recipient's, in packets GnuPG 2.2 reads — v4
 * keys only, SEIPD v1 (no AEAD), no compression (DICOM barely compresses and it is slow). The
 * recipient's key must have the fingerprint the directory verified.
 */
import { randomBytes } from "node:crypto";
import * as openpgp from "openpgp";
import { contentEntity, messageHeaders, type MailEnvelope, type SecureContent } from "./smime-message.ts";

export interface PgpOptions {
  /** The recipient's public key (armored) and the fingerprint the directory verified for it. */
  readonly recipientKey: string;
  readonly expectedFingerprint: string;
  /** The clinic's signing key (armored, unlocked). */
  readonly signingKey: openpgp.PrivateKey;
}

/** Reads and checks the recipient key: the verified fingerprint, v4, able to encrypt. */
export async function recipientPgpKey(armored: string, expectedFingerprint: string): Promise<openpgp.PublicKey> {
  const key = await openpgp.readKey({ armoredKey: armored });
  if (key.getFingerprint().toLowerCase() !== expectedFingerprint.toLowerCase()) throw new Error("the recipient's OpenPGP key is not the one the directory verified");
  if (key.keyPacket.version !== 4) throw new Error(`OpenPGP v${key.keyPacket.version} key: GnuPG 2.2 reads v4 only`);
  await key.getEncryptionKey(); // throws when it cannot encrypt
  return key.toPublic();
}

export async function* pgpMessage(envelope: MailEnvelope, content: SecureContent, options: PgpOptions): AsyncGenerator<Buffer> {
  const key = await recipientPgpKey(options.recipientKey, options.expectedFingerprint);
  const boundary = `rv-${randomBytes(12).toString("hex")}`;
  yield Buffer.from(messageHeaders(envelope, [`Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="${boundary}"`]) + [
    "This is an OpenPGP/MIME encrypted message (RFC 3156).", `--${boundary}`, "Content-Type: application/pgp-encrypted", "Content-Description: PGP/MIME version identification", "",
    "Version: 1", "", `--${boundary}`, 'Content-Type: application/octet-stream; name="encrypted.asc"', "Content-Description: OpenPGP encrypted message",
    'Content-Disposition: inline; filename="encrypted.asc"', "", "",
  ].join("\r\n"), "latin1");
  const entity = ReadableStream.from(contentEntity(content, `rv-${randomBytes(12).toString("hex")}`)) as ReadableStream<Uint8Array>;
  const message = await openpgp.createMessage({ binary: entity, format: "binary" });
  // A streamed message encrypts to a stream of armored text (the typings cover only whole strings).
  const encrypt = openpgp.encrypt as unknown as (o: object) => Promise<AsyncIterable<string>>;
  const armored = await encrypt({
    message, encryptionKeys: key, signingKeys: options.signingKey, format: "armored",
    config: { preferredCompressionAlgorithm: openpgp.enums.compression.uncompressed, aeadProtect: false, v6Keys: false },
  });
  for await (const part of armored) yield Buffer.from(part.replace(/\r?\n/g, "\r\n"), "latin1");
  yield Buffer.from(`\r\n--${boundary}--\r\n`, "latin1");
}
