/**
 * PGP/MIME that GnuPG opens: a message built by Rayvault (signed by the clinic's openpgp.js v4 key,
 * encrypted to a key GnuPG 2.2 made) is decrypted by `gpg --decrypt`, the signature is good, the
 * attachment comes back byte for byte, and the packets are SEIPD v1 without compression. A key whose
 * fingerprint is not the verified one is refused before anything is encrypted.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import * as openpgp from "openpgp";
import { pgpMessage } from "../../src/core/mail/pgp-message.ts";
import { haveTool, runTool, tempDir } from "../helpers/run-cli.ts";

async function* chunks(b: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

describe("PGP/MIME opened by GnuPG", { skip: haveTool("gpg") ? false : "gpg not installed" }, () => {
  const dir = tempDir("pgp");
  const home = join(dir, "gnupg");
  const env = { ...process.env, GNUPGHOME: home };
  const gpg = (args: string[], input?: string): ReturnType<typeof runTool> => runTool("gpg", ["--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase", "", ...args], { env, ...(input !== undefined ? { input } : {}) });
  let recipientArmored = "";
  let recipientFpr = "";
  let clinic: openpgp.PrivateKey;
  const payload = randomBytes(2 * 1024 * 1024 + 5);

  before(async () => {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    assert.equal(gpg(["--quick-gen-key", "Dr Okafor <dr.okafor@lakeside-ortho.test>", "rsa3072", "encrypt,sign", "1d"]).status, 0);
    recipientArmored = gpg(["--armor", "--export", "dr.okafor@lakeside-ortho.test"]).stdout;
    recipientFpr = (await openpgp.readKey({ armoredKey: recipientArmored })).getFingerprint();
    const made = await openpgp.generateKey({ type: "ecc", curve: "curve25519Legacy", userIDs: [{ name: "Springfield Imaging", email: "gateway@clinic.test" }], format: "object" });
    clinic = made.privateKey;
    writeFileSync(join(dir, "clinic.asc"), made.publicKey.armor());
    assert.equal(gpg(["--import", join(dir, "clinic.asc")]).status, 0);
  });

  const build = async (fingerprint: string): Promise<Buffer> => {
    const parts: Buffer[] = [];
    for await (const p of pgpMessage(
      { from: "gateway@clinic.test", to: "dr.okafor@lakeside-ortho.test", subject: "Secure message from Springfield Imaging", messageId: "<p1@clinic.test>", date: new Date("2026-11-23T10:00:00Z") },
      { text: "Study package attached.", attachment: { filename: "study.zip", contentType: "application/zip", bytes: chunks(payload, 65_536) } },
      { recipientKey: recipientArmored, expectedFingerprint: fingerprint, signingKey: clinic },
    )) parts.push(p);
    return Buffer.concat(parts);
  };

  it("gpg decrypts it, finds a good signature from the clinic, and the attachment is byte-identical", async () => {
    const mail = (await build(recipientFpr)).toString("latin1");
    assert.match(mail, /Content-Type: multipart\/encrypted; protocol="application\/pgp-encrypted"/);
    const armored = /-----BEGIN PGP MESSAGE-----[\s\S]+?-----END PGP MESSAGE-----/.exec(mail)![0];
    writeFileSync(join(dir, "m.asc"), armored);
    const packets = gpg(["--list-packets", join(dir, "m.asc")]);
    assert.match(packets.stdout, /:encrypted data packet:[\s\S]*mdc_method: 2/, "SEIPD v1 (integrity-protected, MDC)");
    assert.doesNotMatch(packets.stdout, /:compressed packet:/);
    const out = join(dir, "m.out");
    const dec = gpg(["--status-fd", "2", "--output", out, "--decrypt", join(dir, "m.asc")]);
    assert.equal(dec.status, 0, dec.stderr);
    assert.match(dec.stderr, /\[GNUPG:\] GOODSIG [0-9A-F]+ Springfield Imaging <gateway@clinic\.test>/);
    const entity = runTool("cat", [out]).stdout;
    const m = /filename="study\.zip"\r\n\r\n([A-Za-z0-9+/=\r\n]+?)\r\n--/.exec(entity);
    assert.ok(m);
    assert.ok(Buffer.from(m[1]!.replace(/\r\n/g, ""), "base64").equals(payload));
  });

  it("refuses a recipient key whose fingerprint is not the verified one", async () => {
    await assert.rejects(build("0".repeat(40)), /not the one the directory verified/);
  });
});
