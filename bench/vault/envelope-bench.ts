/**
 * @module bench/vault/envelope-bench
 * `npm run bench -- vault-envelope`: the vault format's encrypt and decrypt throughput on one core
 * (1 MiB segments over 256 MiB in memory), beside `openssl speed -evp aes-256-gcm` on 1 MiB blocks
 * in the same run; the median of three runs after a warm-up. `npm run bench -- vault` measures the rest.
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

  /** Seconds to encrypt `bytes` of plaintext arriving in 1 MiB reads (a store writes and forgets). */
  const encrypt = (bytes: number): number => {
    const enc = new VaultEncryptor({ masterKey: master, keyId: "bench", dataKey: randomBytes(32), noncePrefix: randomBytes(7) });
    const t = process.hrtime.bigint();
    for (let done = 0; done < bytes; done += chunk.length) enc.push(chunk);
    enc.finish();
    return Number(process.hrtime.bigint() - t) / 1e9;
  };
  // A complete 64 MiB object, decrypted as sealed segments arrive in 1 MiB reads.
  const small = new VaultEncryptor({ masterKey: master, keyId: "bench", dataKey: randomBytes(32), noncePrefix: randomBytes(7) });
  const objectParts: Uint8Array[] = [];
  for (let done = 0; done < 64 * 1024 * 1024; done += chunk.length) objectParts.push(...small.push(chunk));
  objectParts.push(...small.finish());
  const body = Buffer.concat(objectParts);
  const decrypt = (bytes: number): number => {
    const rounds = Math.max(1, Math.round(bytes / (64 * 1024 * 1024)));
    const t = process.hrtime.bigint();
    for (let r = 0; r < rounds; r++) {
      const dec = new VaultDecryptor(parseHeader(small.header.subarray(0, HEADER_LENGTH)), master);
      let plain = 0;
      for (let o = 0; o < body.length; o += chunk.length) for (const p of dec.push(body.subarray(o, o + chunk.length))) plain += p.length;
      plain += dec.finish().length;
      if (plain !== 64 * 1024 * 1024) throw new Error("decrypted length differs");
    }
    return (Number(process.hrtime.bigint() - t) / 1e9) * (bytes / (rounds * 64 * 1024 * 1024));
  };
  // Warm-up (JIT, first-touch page faults), then the median of three measured runs of each.
  encrypt(64 * 1024 * 1024);
  decrypt(64 * 1024 * 1024);
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[1]!;
  const encS = median([encrypt(total), encrypt(total), encrypt(total)]);
  const decS = median([decrypt(total), decrypt(total), decrypt(total)]);

  const mb = total / 1e6;
  const openssl = opensslGcmMBps();
  const rows = [
    ["rayvault encrypt (vault format)", mb / encS],
    ["rayvault decrypt (vault format)", mb / decS],
    ["openssl speed -evp aes-256-gcm", openssl],
  ] as const;
  process.stdout.write(`vault envelope, ${mib} MiB in memory, 1 MiB segments, 1 MiB reads, one core, median of 3 after a warm-up, Node ${process.versions.node}\n`);
  for (const [name, rate] of rows) process.stdout.write(`${name.padEnd(34)} ${rate.toFixed(0).padStart(6)} MB/s   ${(rate / openssl).toFixed(2)}× openssl\n`);
  return 0;
}
