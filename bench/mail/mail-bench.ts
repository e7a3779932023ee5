/**
 * @module bench/mail/mail-bench
 * `npm run bench -- smime` and `npm run bench -- pgp`: a 100 MB study (random bytes: incompressible, like
 * pixel data) built into an encrypted message by Rayvault (signed then encrypted, base64/armored, as mail
 * needs) beside the peer on the same bytes in the same run — `openssl cms -encrypt -stream -aes256
 * -outform SMIME` (and `openssl cms -sign | openssl cms -encrypt`, the same work as ours), or
 * `gpg -z 0 --encrypt` (and `gpg -z 0 --sign --encrypt --armor`). Time and peak RSS of each process.
 */
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as openpgp from "openpgp";
import { describeRssMethod, rssMethod, runMeasured, type Measured } from "../lib/measure.ts";

export const MAIL_USAGE = "npm run bench -- smime|pgp [--mb N]   (default 100 MB)";
const REPO = fileURLToPath(new URL("../../", import.meta.url));
const WORK = join(REPO, "bench", ".work", "mail");

function sh(cmd: string): Measured {
  const m = runMeasured({ cmd: "sh", args: ["-c", cmd] });
  if (m.status !== 0) throw new Error(`${cmd.split(" ")[0]} failed: ${m.stderr.slice(0, 300)}`);
  return m;
}

function payloadOf(mb: number): string {
  mkdirSync(WORK, { recursive: true });
  const path = join(WORK, `payload-${mb}.bin`);
  if (!existsSync(path)) {
    const fd = openSync(path, "w");
    for (let i = 0; i < mb; i++) writeSync(fd, randomBytes(1_000_000));
    closeSync(fd);
  }
  return path;
}

const fmt = (label: string, m: Measured, base?: Measured): string =>
  `  ${label.padEnd(52)} ${m.wallS.toFixed(2).padStart(6)} s   peak RSS ${m.peakRssBytes === undefined ? "  n/a" : `${(m.peakRssBytes / 1048576).toFixed(0).padStart(5)} MiB`}${base ? `   ${(m.wallS / base.wallS).toFixed(2)}× time` : ""}`;

export async function mailBench(kind: "smime" | "pgp", args: readonly string[]): Promise<number> {
  const i = args.indexOf("--mb");
  const mb = i >= 0 ? Number(args[i + 1]) : 100;
  if (!Number.isInteger(mb) || mb < 1) {
    process.stderr.write(`${MAIL_USAGE}\n`);
    return 1;
  }
  const payload = payloadOf(mb);
  const keys = join(WORK, "keys");
  rmSync(keys, { recursive: true, force: true });
  mkdirSync(keys, { recursive: true, mode: 0o700 });
  const child = `${JSON.stringify(process.execPath)} ${JSON.stringify(join(REPO, "bench", "mail", "build-message.ts"))}`;
  const out = (n: string): string => join(WORK, n);
  process.stdout.write(`${kind} benchmark: ${mb} MB payload, Node ${process.versions.node}; peak RSS by ${describeRssMethod(rssMethod())}\n`);
  const idle = sh(`${JSON.stringify(process.execPath)} -e 0`);
  if (kind === "smime") {
    const k = (n: string): string => join(keys, n);
    sh(`openssl req -x509 -newkey rsa:3072 -nodes -keyout ${k("r.key")} -out ${k("r.pem")} -days 2 -subj /CN=reader -addext subjectAltName=email:reader@hospital.test 2>/dev/null`);
    sh(`openssl req -x509 -newkey rsa:3072 -nodes -keyout ${k("s.key")} -out ${k("s.pem")} -days 2 -subj /CN=gateway -addext subjectAltName=email:gateway@clinic.test 2>/dev/null`);
    const ours = sh(`${child} smime ${payload} ${out("rv.eml")} ${k("r.pem")} ${k("s.pem")} ${k("s.key")}`);
    const enc = sh(`openssl cms -encrypt -binary -stream -aes256 -in ${payload} -out ${out("ossl.eml")} -outform SMIME ${k("r.pem")}`);
    const signEnc = sh(`openssl cms -sign -binary -stream -md sha256 -signer ${k("s.pem")} -inkey ${k("s.key")} -in ${payload} | openssl cms -encrypt -binary -stream -aes256 -outform SMIME -out ${out("ossl2.eml")} ${k("r.pem")}`);
    process.stdout.write([
      fmt("openssl cms -encrypt -stream -aes256 (SMIME out)", enc),
      fmt("openssl cms -sign | openssl cms -encrypt (same work)", signEnc),
      fmt("rayvault S/MIME: sign then encrypt, streamed", ours, enc),
      `  rayvault vs sign|encrypt pipeline: ${(ours.wallS / signEnc.wallS).toFixed(2)}× time; RSS growth over an idle node ${(((ours.peakRssBytes ?? 0) - (idle.peakRssBytes ?? 0)) / 1048576).toFixed(0)} MiB (target ≤ 64)`,
      "",
    ].join("\n"));
  } else {
    const home = join(keys, "gnupg");
    mkdirSync(home, { mode: 0o700 });
    const g = `GNUPGHOME=${home} gpg --batch --yes --pinentry-mode loopback --passphrase ''`;
    sh(`${g} --quick-gen-key 'Reader <reader@hospital.test>' rsa3072 encrypt,sign 1d 2>/dev/null`);
    sh(`${g} --armor --export reader@hospital.test > ${join(keys, "r.asc")}`);
    const clinic = await openpgp.generateKey({ type: "ecc", curve: "curve25519Legacy", userIDs: [{ email: "gateway@clinic.test" }], format: "armored" });
    writeFileSync(join(keys, "s.asc"), clinic.privateKey);
    const ours = sh(`${child} pgp ${payload} ${out("rv.eml")} ${join(keys, "r.asc")} - ${join(keys, "s.asc")}`);
    const enc = sh(`${g} -z 0 --trust-model always --recipient reader@hospital.test --output ${out("gpg.bin")} --encrypt ${payload}`);
    const signEnc = sh(`${g} -z 0 --trust-model always --recipient reader@hospital.test --local-user reader@hospital.test --armor --output ${out("gpg.asc")} --sign --encrypt ${payload}`);
    process.stdout.write([
      fmt("gpg -z 0 --encrypt", enc),
      fmt("gpg -z 0 --sign --encrypt --armor (same work)", signEnc),
      fmt("rayvault PGP/MIME: sign + encrypt, armored, streamed", ours, enc),
      `  rayvault vs gpg --sign --encrypt --armor: ${(ours.wallS / signEnc.wallS).toFixed(2)}× time; RSS growth over an idle node ${(((ours.peakRssBytes ?? 0) - (idle.peakRssBytes ?? 0)) / 1048576).toFixed(0)} MiB (target ≤ 64)`,
      "",
    ].join("\n"));
  }
  for (const f of ["rv.eml", "ossl.eml", "ossl2.eml", "gpg.bin", "gpg.asc"]) rmSync(out(f), { force: true });
  return 0;
}
