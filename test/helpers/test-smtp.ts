/**
 * @module test/helpers/test-smtp
 * A real SMTP server for tests (smtp-server, STARTTLS with the test PKI's server certificate, on a free
 * loopback port) that keeps every message it accepts, with its envelope recipients.
 */
import { readFileSync } from "node:fs";
import { SMTPServer } from "smtp-server";
import type { TestPki } from "./test-pki.ts";

export interface ReceivedMail {
  readonly to: string;
  readonly text: string;
}

export interface TestSmtp {
  readonly port: number;
  readonly inbox: ReceivedMail[];
  close(): void;
}

export async function startTestSmtp(pki: TestPki): Promise<TestSmtp> {
  const tls = pki.server();
  const inbox: ReceivedMail[] = [];
  const smtp = new SMTPServer({
    secure: false, key: readFileSync(tls.keyPath), cert: readFileSync(tls.certPath), authOptional: true,
    onData(stream, session, cb) {
      let text = "";
      stream.on("data", (d: Buffer) => (text += d.toString("utf8")));
      stream.on("end", () => {
        inbox.push({ to: session.envelope.rcptTo.map((r) => r.address).join(","), text });
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", r));
  return { port: (smtp.server.address() as { port: number }).port, inbox, close: () => smtp.close() };
}
