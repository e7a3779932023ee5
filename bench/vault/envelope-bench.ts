/**
 * @module bench/vault/envelope-bench
 * `npm run bench -- vault-envelope`: the vault format's encrypt and decrypt throughput on one core
 * (1 MiB segments over 256 MiB in memory), beside `openssl speed -evp aes-256-gcm` on 1 MiB blocks
 * in the same run. The whole vault benchmark (store, import, audit) arrives with issue #3.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { HEADER_LENGTH, parseHeader, VaultDecryptor, VaultEncryptor } from "../../src/core/crypto/vault-envelope.ts";

export const VAULT_ENVELOPE_USAGE = "npm run bench -- vault-envelope [--mib N]   (default 256 MiB of plaintext)";

function opensslGcmMBps(): number {
  // -seconds 3, single process; the last column is the 1 MiB block rate in kB/s (1000 bytes).
  const out = execFileSync("openssl", ["speed", "-evp", "aes-256-gcm", "-bytes", "1048576", "-seconds", "3"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const line = out.split("\n").find((l) => l.toLowerCase().startsWith("aes-256-gcm"));
  const kBps = Number.parseFloat(line?.trim().split(/\s+/).pop()?.replace("k", "") ?? "NaN");
  return kBps / 1000;
}

export function vaultEnvelopeBench(args: readonly string[]): number {
  const i = args.indexOf("--mib");
  const mib = i >= 0 ? Number(args[i + 1]) : 256;
  if (!Number.isFinite(mib) || mib < 1) {
    process.stderr.write(`${VAULT_ENVELOPE_USAGE}\n`);
    return 1;
  }
  const master = randomBytes(32);
  const chunk = randomBytes(1024 * 1024);
  const total = mib * 1024 * 1024;

  // Encrypt the whole plaintext, keeping only the first 64 MiB of ciphertext (a store writes and forgets).
  const enc = new VaultEncryptor({ masterKey: master, keyId: "bench", dataKey: randomBytes(32), noncePrefix: randomBytes(7) });
  const sample: Uint8Array[] = [];
  let sampleBytes = 0;
  const keep = (parts: Uint8Array[]): void => {
    for (const p of parts) {
      if (sampleBytes >= 64 * 1024 * 1024) break;
      sample.push(p);
      sampleBytes += p.length;
    }
  };
  let t = process.hrtime.bigint();
  for (let done = 0; done < total; done += chunk.length) keep(enc.push(chunk));
  enc.finish();
  const encS = Number(process.hrtime.bigint() - t) / 1e9;

  // Decrypt a complete object of the sample size, a few times (sealed segments arrive in 1 MiB reads).
  const small = new VaultEncryptor({ masterKey: master, keyId: "bench", dataKey: randomBytes(32), noncePrefix: randomBytes(7) });
  const objectParts: Uint8Array[] = [];
  for (let done = 0; done < 64 * 1024 * 1024; done += chunk.length) objectParts.push(...small.push(chunk));
  objectParts.push(...small.finish());
  const body = Buffer.concat(objectParts);
  const rounds = Math.max(1, Math.round(mib / 64));
  t = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) {
    const dec = new VaultDecryptor(parseHeader(small.header.subarray(0, HEADER_LENGTH)), master);
    let plain = 0;
    for (let o = 0; o < body.length; o += chunk.length) for (const p of dec.push(body.subarray(o, o + chunk.length))) plain += p.length;
    plain += dec.finish().length;
    if (plain !== 64 * 1024 * 1024) throw new Error("decrypted length differs");
  }
  const decS = (Number(process.hrtime.bigint() - t) / 1e9) * (mib / (rounds * 64));

  const mb = total / 1e6;
  const openssl = opensslGcmMBps();
  const rows = [
    ["rayvault encrypt (vault format)", mb / encS],
    ["rayvault decrypt (vault format)", mb / decS],
    ["openssl speed -evp aes-256-gcm", openssl],
  ] as const;
  process.stdout.write(`vault envelope, ${mib} MiB in memory, 1 MiB segments, one core, Node ${process.versions.node}\n`);
  for (const [name, rate] of rows) process.stdout.write(`${name.padEnd(34)} ${rate.toFixed(0).padStart(6)} MB/s   ${(rate / openssl).toFixed(2)}× openssl\n`);
  return 0;
}
