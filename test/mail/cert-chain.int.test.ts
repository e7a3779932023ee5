/**
 * Path validation of recipients' certificates: the recipient's own certificate must be the one validated
 * — a self-signed certificate bundled with a trusted CA certificate is refused — and a certificate from
 * the trusted CA passes, and not outside its validity dates (certificates made with openssl).
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { libraryKeyReader } from "../../src/adapters/keys/delivery-key-reader.ts";
import { runTool, tempDir } from "../helpers/run-cli.ts";
import { makeTestPki } from "../helpers/test-pki.ts";

it("validates the recipient's own certificate, not whatever is last in the bundle", async () => {
  const pki = makeTestPki();
  const good = pki.issue("reader@hospital.test", "encrypt");
  const dir = tempDir("self");
  const r = runTool("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "k.pem"), "-out", join(dir, "c.pem"), "-days", "5", "-subj", "/CN=forged", "-addext", "subjectAltName=email:reader@hospital.test"]);
  assert.equal(r.status, 0, r.stderr);
  const forged = new X509Certificate(readFileSync(join(dir, "c.pem"))).raw;
  const now = new Date();
  assert.deepEqual(await libraryKeyReader.verifyChain([good.certDer], [pki.caDer], now), { ok: true });
  assert.equal((await libraryKeyReader.verifyChain([forged, pki.caDer], [pki.caDer], now)).ok, false, "a self-signed certificate with the CA appended");
  assert.equal((await libraryKeyReader.verifyChain([forged], [pki.caDer], now)).ok, false);
});

it("refuses a certificate outside its validity period: expired, or not yet valid", async () => {
  const pki = makeTestPki();
  const shortLived = pki.issue("brief@hospital.test", "encrypt", 2);
  const day = 86_400_000;
  assert.deepEqual(await libraryKeyReader.verifyChain([shortLived.certDer], [pki.caDer], new Date(Date.now() + day)), { ok: true });
  const expired = await libraryKeyReader.verifyChain([shortLived.certDer], [pki.caDer], new Date(Date.now() + 3 * day));
  assert.equal(expired.ok, false, "two days later, the two-day certificate has expired");
  assert.match(expired.reason ?? "", /expired|validity|not valid/i);
  assert.equal((await libraryKeyReader.verifyChain([shortLived.certDer], [pki.caDer], new Date(Date.now() - 2 * day))).ok, false, "before it was issued");
});
