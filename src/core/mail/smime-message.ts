/**
 * @module core/mail/smime-message
 * An S/MIME message (RFC 8551) carrying one attachment, streamed: the content entity
 * (multipart/mixed: a short text and the attachment in base64, CRLF line endings, 7-bit) is signed as
 * `multipart/signed` with a detached CMS signature (sign first), then the whole signed entity is
 * encrypted into `application/pkcs7-mime` (EnvelopedData AES-256-CBC, or AuthEnvelopedData AES-256-GCM).
 * The outer headers carry only what the caller gives (a neutral subject: headers travel in clear).
 * Memory stays flat whatever the attachment size: it is hashed and encrypted as it flows.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { Base64Lines, base64Lines } from "./base64-lines.ts";
import { CmsEnvelopeWriter, detachedSignature, type CmsRecipient, type CmsSigner, type ContentCipher } from "./cms.ts";

export interface MailAttachment {
  readonly filename: string;
  readonly contentType: string;
  readonly bytes: AsyncIterable<Uint8Array>;
}

export interface MailEnvelope {
  readonly from: string;
  readonly to: string;
  /** Travels in clear: never PHI. */
  readonly subject: string;
  readonly messageId: string;
  readonly date: Date;
  /**
   * Where the recipient's system sends its disposition notification (RFC 8098), with the Direct
   * Project's request for "dispatched" on final delivery; absent, none is asked.
   */
  readonly receiptTo?: string;
}

export interface SecureContent {
  /** The text shown with the attachment (inside the encryption). */
  readonly text: string;
  readonly attachment: MailAttachment;
}

/** A header value: printable ASCII on one line (no header injection, no raw 8-bit). */
export function headerValue(v: string): string {
  if (!/^[\x20-\x7e]*$/.test(v)) throw new Error("a header value must be printable ASCII on one line");
  return v;
}

const crlf = (s: string): string => s.replace(/\r?\n/g, "\r\n");

/** A new, globally unique Message-ID in the sender's domain (kept with the delivery, so a resend repeats it). */
export function newMessageId(senderAddress: string): string {
  return `<${randomUUID()}@${senderAddress.split("@")[1] ?? "rayvault.local"}>`;
}

/** The outer RFC 5322 header block of any message Rayvault sends. */
export function messageHeaders(e: MailEnvelope, contentHeaders: readonly string[]): string {
  return [
    `From: ${headerValue(e.from)}`, `To: ${headerValue(e.to)}`, `Subject: ${headerValue(e.subject)}`, `Date: ${e.date.toUTCString().replace("GMT", "+0000")}`,
    `Message-ID: ${headerValue(e.messageId)}`,
    ...(e.receiptTo ? [`Disposition-Notification-To: <${headerValue(e.receiptTo)}>`, "Disposition-Notification-Options: X-DIRECT-FINAL-DESTINATION-DELIVERY=optional,true"] : []),
    "MIME-Version: 1.0", ...contentHeaders, "", "",
  ].join("\r\n");
}

/** multipart/mixed: the text, then the attachment in base64. */
export async function* contentEntity(content: SecureContent, boundary: string): AsyncGenerator<Buffer> {
  const a = content.attachment;
  yield Buffer.from(crlf([
    `Content-Type: multipart/mixed; boundary="${boundary}"`, "", `--${boundary}`,
    "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64", "", base64Lines(Buffer.from(content.text, "utf8")).trimEnd(),
    `--${boundary}`, `Content-Type: ${headerValue(a.contentType)}; name="${headerValue(a.filename)}"`, "Content-Transfer-Encoding: base64",
    `Content-Disposition: attachment; filename="${headerValue(a.filename)}"`, "", "",
  ].join("\n")), "latin1");
  const b64 = new Base64Lines();
  for await (const chunk of a.bytes) {
    const out = b64.push(chunk);
    if (out.length > 0) yield out;
  }
  yield Buffer.concat([b64.finish(), Buffer.from(`--${boundary}--\r\n`, "latin1")]);
}

/** `multipart/signed` around an entity (RFC 8551 §3.5.3): the entity exactly as hashed, then the signature. */
export async function* signedEntity(entity: AsyncIterable<Buffer>, signer: CmsSigner, signingTime: Date, boundary: string): AsyncGenerator<Buffer> {
  yield Buffer.from(`Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="${boundary}"\r\n\r\n--${boundary}\r\n`, "latin1");
  const hash = createHash("sha256");
  let last = Buffer.alloc(0);
  // The CRLF before the next boundary belongs to the boundary, not to the signed entity: hold back
  // the last two bytes until the entity has ended.
  for await (const chunk of entity) {
    const all = Buffer.concat([last, chunk]);
    const body = all.subarray(0, Math.max(0, all.length - 2));
    last = Buffer.from(all.subarray(body.length));
    hash.update(body);
    if (body.length > 0) yield Buffer.from(body);
  }
  if (last.toString("latin1") !== "\r\n") throw new Error("a MIME entity ends with CRLF");
  const signature = detachedSignature(hash.digest(), signer, signingTime);
  yield Buffer.from(crlf([
    "", `--${boundary}`, 'Content-Type: application/pkcs7-signature; name="smime.p7s"', "Content-Transfer-Encoding: base64",
    'Content-Disposition: attachment; filename="smime.p7s"', "", base64Lines(signature).trimEnd(), `--${boundary}--`, "",
  ].join("\n")), "latin1");
}

/** An unencrypted message (only for a patient who asked for it): the headers, then the content entity. */
export async function* plainMessage(envelope: MailEnvelope, content: SecureContent): AsyncGenerator<Buffer> {
  // The entity starts with its own Content-Type line, which continues the message's header block.
  yield Buffer.from(messageHeaders(envelope, []).slice(0, -2), "latin1");
  yield* contentEntity(content, `rv-${randomBytes(12).toString("hex")}`);
}

export interface SmimeOptions {
  readonly recipients: readonly CmsRecipient[];
  readonly cipher: ContentCipher;
  readonly signer: CmsSigner;
}

/** The whole S/MIME message, signed then encrypted, as a stream of bytes ready for SMTP. */
export async function* smimeMessage(envelope: MailEnvelope, content: SecureContent, options: SmimeOptions): AsyncGenerator<Buffer> {
  const cms = new CmsEnvelopeWriter(options.recipients, options.cipher);
  const smimeType = options.cipher === "aes-256-gcm" ? "authEnveloped-data" : "enveloped-data";
  yield Buffer.from(messageHeaders(envelope, [
    `Content-Type: application/pkcs7-mime; smime-type=${smimeType}; name="smime.p7m"`, "Content-Transfer-Encoding: base64", 'Content-Disposition: attachment; filename="smime.p7m"',
  ]), "latin1");
  const b64 = new Base64Lines();
  const emit = (cmsBytes: Buffer): Buffer => b64.push(cmsBytes);
  let out = emit(cms.header);
  if (out.length > 0) yield out;
  const boundary = (): string => `rv-${randomBytes(12).toString("hex")}`;
  for await (const chunk of signedEntity(contentEntity(content, boundary()), options.signer, envelope.date, boundary())) {
    out = emit(cms.push(chunk));
    if (out.length > 0) yield out;
  }
  yield Buffer.concat([emit(cms.finish()), b64.finish()]);
}
