/**
 * @module adapters/mail/smtp-transport
 * The MailTransport over SMTP with nodemailer: STARTTLS required (`requireTLS`; a relay without it is
 * refused, nothing is sent in clear), the relay's certificate verified (against RAYVAULT_SMTP_CA when
 * the relay uses a private CA), the message passed `raw` so S/MIME and PGP/MIME bytes stay exact, and
 * DKIM-signed when a key is configured.
 */
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import nodemailer from "nodemailer";
import { createPrivateKey } from "node:crypto";
import { DeliveryRefusedError, ErrorCode, RayvaultError } from "../../core/errors.ts";
import type { MailTransport } from "../../ports/mail-transport.ts";

export interface DkimOptions {
  readonly domain: string;
  readonly selector: string;
  readonly keyPath: string;
}

export function smtpTransport(url: string, caPath?: string, dkim?: DkimOptions): MailTransport {
  const u = new URL(url);
  // Read now: a configured key that cannot be read stops the start, rather than sending unsigned mail.
  let dkimKey: string | undefined;
  if (dkim) {
    try {
      dkimKey = readFileSync(dkim.keyPath, "utf8");
      createPrivateKey(dkimKey);
    } catch (cause) {
      throw new RayvaultError(ErrorCode.KeyMissing, "the DKIM private key (RAYVAULT_DKIM_KEY) cannot be read as a PEM private key", { cause });
    }
  }
  const secure = u.protocol === "smtps:";
  const transporter = nodemailer.createTransport({
    host: u.hostname,
    port: Number(u.port || (secure ? 465 : 587)),
    secure,
    requireTLS: true,
    ...(u.username ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } } : {}),
    tls: { rejectUnauthorized: true, minVersion: "TLSv1.2", ...(caPath ? { ca: readFileSync(caPath) } : {}) },
    connectionTimeout: 15_000,
    // DKIM (RFC 6376, rsa-sha256, relaxed/relaxed) over the exact bytes sent, S/MIME and PGP/MIME included.
    ...(dkim && dkimKey ? { dkim: { domainName: dkim.domain, keySelector: dkim.selector, privateKey: dkimKey } } : {}),
  });
  return {
    async send(envelope, raw) {
      try {
        const info = await transporter.sendMail({
          envelope: { from: envelope.from, to: [envelope.to] }, raw: Readable.from(raw),
          // Relays that support DSN (RFC 3461) report failure and delay with our id and the headers only.
          ...(envelope.envelopeId ? { dsn: { id: envelope.envelopeId, return: "headers" as const, notify: ["failure", "delay"] as ["failure", "delay"], recipient: envelope.to } } : {}),
        });
        return { response: info.response };
      } catch (cause) {
        // Permanent only when the relay itself answered 5xx to the envelope or the message; a TLS or
        // connection failure on our side is retried.
        const c = cause as { code?: string; responseCode?: number };
        const code = c.responseCode ? `${c.code ?? "error"} ${c.responseCode}` : (c.code ?? "error");
        throw new DeliveryRefusedError(`the mail relay did not accept the message (${code})`, (c.code === "EENVELOPE" || c.code === "EMESSAGE") && c.responseCode !== undefined && c.responseCode >= 500 && c.responseCode < 600, cause);
      }
    },
  };
}
