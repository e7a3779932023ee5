/**
 * @module bench/mail/build-message
 * Child process of the mail benchmark: builds one message from a file with Rayvault's streamed builders
 * and writes it to a file, so its time and peak RSS are measured like the peer tools'.
 * argv: smime|pgp <payload> <out> <recipient cert PEM | armored key> <signer cert PEM> <signer key PEM>
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { createReadStream, createWriteStream, readFileSync } from "node:fs";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import * as openpgp from "openpgp";
import { pgpMessage } from "../../src/core/mail/pgp-message.ts";
import { smimeMessage, type MailEnvelope } from "../../src/core/mail/smime-message.ts";

const [kind, payload, out, recipient, signerCert, signerKey] = process.argv.slice(2) as [string, string, string, string, string, string];
const envelope: MailEnvelope = { from: "gateway@clinic.test", to: "reader@hospital.test", subject: "Secure message", messageId: "<bench@clinic.test>", date: new Date() };
const content = { text: "Study attached.", attachment: { filename: "study.zip", contentType: "application/zip", bytes: createReadStream(payload, { highWaterMark: 65536 }) as AsyncIterable<Uint8Array> } };
let message: AsyncIterable<Uint8Array>;
if (kind === "smime") {
  message = smimeMessage(envelope, content, {
    recipients: [{ certificate: new X509Certificate(readFileSync(recipient)).raw, keyTransport: "rsa-oaep-sha256" }], cipher: "aes-256-cbc",
    signer: { certificate: new X509Certificate(readFileSync(signerCert)).raw, chain: [], privateKey: createPrivateKey(readFileSync(signerKey)) },
  });
} else {
  const armored = readFileSync(recipient, "utf8");
  const key = await openpgp.readKey({ armoredKey: armored });
  const signingKey = await openpgp.readPrivateKey({ armoredKey: readFileSync(signerKey, "utf8") });
  message = pgpMessage(envelope, content, { recipientKey: armored, expectedFingerprint: key.getFingerprint(), signingKey });
}
await pipeline(Readable.from(message), createWriteStream(out));
