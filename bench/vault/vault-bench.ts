/**
 * @module bench/vault/vault-bench
 * `npm run bench -- vault`: the vault's hot paths beside their floors, in one run —
 *   store (encrypt + write + fsync) and read (read + decrypt) of 1 GiB of X-ray files against
 *   `cp` + `sync` of the same files and `openssl speed -evp aes-256-gcm` (one core);
 *   import of 200 CT slices and 20 X-rays (files/s), by the use-case in a running process and by the CLI,
 *   against the `cp` + `sync` floor;
 *   audit appends with 32 concurrent writers, durable, on PostgreSQL and on PGlite, against the
 *   measured fsync rate of the disk.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { closeSync, createReadStream, fsyncSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openFsBlobStore } from "../../src/adapters/blob-store/fs-blob-store.ts";
import { dbAuditLog } from "../../src/adapters/db/db-audit-log.ts";
import { openDatabase } from "../../src/adapters/db/open-database.ts";
import { openFileKeyStore } from "../../src/adapters/keys/file-key-store.ts";
import { nodeRandom } from "../../src/adapters/random/node-random.ts";
import { importFiles } from "../../src/app/import-files.ts";
import { vaultDeps } from "../../src/config/compose-vault.ts";
import { loadConfig } from "../../src/config/load-config.ts";
import { Role } from "../../src/core/access/decide-access.ts";
import { ensureInputSet, SET_SPECS } from "../deid/inputs.ts";
import { dropSchemas, PG_URL, postgresReachable } from "../../test/helpers/postgres.ts";

export const VAULT_USAGE = "npm run bench -- vault   (uses the deid benchmark's cached inputs; PostgreSQL on 127.0.0.1:5432 if reachable)";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const WORK = join(REPO, "bench", ".work", "vault");
const BIN = join(REPO, "bin", "rayvault.js");

const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

function opensslMBps(): number {
  const out = execFileSync("openssl", ["speed", "-evp", "aes-256-gcm", "-bytes", "1048576", "-seconds", "3"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const line = out.split("\n").find((l) => l.toLowerCase().startsWith("aes-256-gcm"));
  return Number.parseFloat(line?.trim().split(/\s+/).pop()?.replace("k", "") ?? "NaN") / 1000;
}

function cpSync(from: string, to: string): number {
  rmSync(to, { recursive: true, force: true });
  const t = process.hrtime.bigint();
  execFileSync("cp", ["-r", from, to]);
  execFileSync("sync");
  return seconds(t);
}

/** fsyncs per second of 4 KiB appends on this disk (the ceiling of one-commit-per-record durability). */
function fsyncRate(dir: string): number {
  const path = join(dir, "fsync-probe");
  const fd = openSync(path, "w");
  const block = Buffer.alloc(4096, 1);
  let n = 0;
  const t = process.hrtime.bigint();
  while (seconds(t) < 2) {
    writeSync(fd, block);
    fsyncSync(fd);
    n++;
  }
  const rate = n / seconds(t);
  closeSync(fd);
  rmSync(path);
  return rate;
}

async function auditAppendRate(url: string, options: { schemaName?: string; maxConnections?: number }, total: number): Promise<number> {
  const d = await openDatabase(url, options);
  try {
    const log = dbAuditLog(d.db);
    // Warm-up (JIT, connections), then the measured appends.
    await Promise.all(Array.from({ length: 32 }, (_, i) => log.append({ time: new Date().toISOString(), actor: `user:w${i}`, action: "study.view", objects: ["study:warm-up"], purpose: "treatment", outcome: "success" })));
    const t = process.hrtime.bigint();
    let next = 0;
    const writer = async (): Promise<void> => {
      while (next < total) {
        const i = next++;
        await log.append({ time: new Date().toISOString(), actor: `user:w${i % 32}`, action: "study.view", objects: [`study:${i}`], purpose: "treatment", outcome: "success" });
      }
    };
    await Promise.all(Array.from({ length: 32 }, writer));
    return total / seconds(t);
  } finally {
    await d.close();
  }
}

/** Seconds the import use-case takes in a running process (vault opened beforehand, as in the server). */
async function importInProcess(dir: string, home: string, expected: number): Promise<number> {
  const deps = await vaultDeps(loadConfig({ RAYVAULT_HOME: home }));
  try {
    const actor = { id: "bench:import", roles: [Role.Integration], mfa: false };
    const t = process.hrtime.bigint();
    const report = await importFiles({ paths: [dir], purpose: "treatment", actor }, deps);
    const s = seconds(t);
    const imported = report.files.filter((f) => f.status === "imported").length;
    if (imported !== expected) throw new Error(`the use-case imported ${imported} of ${expected} files`);
    return s;
  } finally {
    await deps.close();
  }
}

export async function vaultBench(_args: readonly string[]): Promise<number> {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const inputsRoot = join(REPO, "bench", ".work", "deid", "inputs");
  const xray = ensureInputSet(SET_SPECS.find((s) => s.id === "xray")!, inputsRoot, false);
  const ct = ensureInputSet(SET_SPECS.find((s) => s.id === "ct")!, inputsRoot, false);
  const lines: string[] = [];
  const say = (s: string): void => {
    lines.push(s);
    process.stdout.write(`${s}\n`);
  };
  say(`vault benchmark, Node ${process.versions.node}, ${new Date().toISOString()}`);

  // 1. Store and read 1 GiB: the X-ray set five times over.
  const keys = openFileKeyStore(join(WORK, "keys", "vault-keyring.json"), nodeRandom);
  const store = openFsBlobStore(join(WORK, "blobs"), keys, nodeRandom);
  const files = readdirSync(xray.dir).map((f) => join(xray.dir, f));
  const rounds = Math.ceil((1024 * 1024 * 1024) / xray.totalBytes);
  let bytes = 0;
  let t = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) {
    for (const [i, f] of files.entries()) {
      const info = await store.put(`bench-${r}-${i}-object`, createReadStream(f, { highWaterMark: 1024 * 1024 }));
      bytes += info.size;
    }
  }
  const putS = seconds(t);
  t = process.hrtime.bigint();
  let read = 0;
  for (let r = 0; r < rounds; r++) for (let i = 0; i < files.length; i++) for await (const p of store.get(`bench-${r}-${i}-object`)) read += p.length;
  const getS = seconds(t);
  if (read !== bytes) throw new Error("read back a different amount");
  const cpDirs = Array.from({ length: rounds }, (_, r) => join(WORK, `cp-${r}`));
  t = process.hrtime.bigint();
  for (const d of cpDirs) execFileSync("cp", ["-r", xray.dir, d]);
  execFileSync("sync");
  const cpS = seconds(t);
  const openssl = opensslMBps();
  const mb = bytes / 1e6;
  say(`\nstore/read ${(bytes / 1024 ** 3).toFixed(2)} GiB (${rounds} × ${files.length} X-ray files, ~${(xray.totalBytes / files.length / 1e6).toFixed(1)} MB each)`);
  say(`  store (encrypt + write + fsync each)  ${(mb / putS).toFixed(0).padStart(6)} MB/s   ${(mb / putS / (mb / cpS)).toFixed(2)}× cp+sync   ${(mb / putS / openssl).toFixed(2)}× openssl`);
  say(`  read (read + authenticate + decrypt)  ${(mb / getS).toFixed(0).padStart(6)} MB/s   ${(mb / getS / openssl).toFixed(2)}× openssl`);
  say(`  cp -r + sync                          ${(mb / cpS).toFixed(0).padStart(6)} MB/s`);
  say(`  openssl speed -evp aes-256-gcm        ${openssl.toFixed(0).padStart(6)} MB/s   (one core, 1 MiB blocks)`);
  for (const d of cpDirs) rmSync(d, { recursive: true, force: true });
  rmSync(join(WORK, "blobs"), { recursive: true, force: true });

  // 2. Import: 200 CT slices + 20 X-rays, into a vault that already exists (its first start, which creates
  // the embedded database, is timed apart). Once through the CLI (process start-up, database open and the
  // audit checkpoint included), once through the use-case in a running process (what the server and the
  // DICOM receiver call), each into a fresh vault.
  const importDir = join(WORK, "import-in");
  mkdirSync(importDir);
  execFileSync("cp", ["-r", ct.dir, join(importDir, "ct")]);
  execFileSync("cp", ["-r", xray.dir, join(importDir, "xray")]);
  const nFiles = ct.files.length + xray.files.length;
  const emptyDir = join(WORK, "import-empty");
  mkdirSync(emptyDir);
  const cliHome = join(WORK, "home-cli");
  t = process.hrtime.bigint();
  const init = spawnSync(process.execPath, [BIN, "import", emptyDir, "--purpose", "treatment"], { env: { ...process.env, RAYVAULT_HOME: cliHome }, encoding: "utf8" });
  const initS = seconds(t);
  if (init.status !== 0) throw new Error(`vault creation failed: ${init.stderr}`);
  t = process.hrtime.bigint();
  const imp = spawnSync(process.execPath, [BIN, "import", importDir, "--purpose", "treatment", "--json"], { env: { ...process.env, RAYVAULT_HOME: cliHome }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const importS = seconds(t);
  if (imp.status !== 0) throw new Error(`import failed: ${imp.stderr}`);
  const inProcessS = await importInProcess(importDir, join(WORK, "home-use-case"), nFiles);
  const floorS = cpSync(importDir, join(WORK, "import-cp"));
  const rate = (s: number): string => `${(nFiles / s).toFixed(1).padStart(7)} files/s   ${(nFiles / s / (nFiles / floorS)).toFixed(2)}× cp+sync`;
  say(`\nimport of ${nFiles} files (${ct.files.length} CT slices + ${xray.files.length} X-rays): scan, hash, encrypt, flush, index, audit; embedded database`);
  say(`  use-case in a running process   ${rate(inProcessS)}`);
  say(`  rayvault import (CLI, whole run) ${rate(importS)}   (start-up and checkpoint included)`);
  say(`  cp -r + sync                     ${(nFiles / floorS).toFixed(1).padStart(7)} files/s`);
  say(`  first start of a new vault (creates the embedded database)  ${initS.toFixed(2)} s`);

  // 3. Audit appends, 32 concurrent writers, each record its own durable transaction.
  const fsyncs = fsyncRate(WORK);
  say(`\naudit appends, 20,000 after a warm-up, 32 concurrent writers, durable: each append returns after its commit's fsync (group commit: appends that arrive during a commit share the next)`);
  say(`  disk fsync rate (4 KiB append + fsync)  ${fsyncs.toFixed(0).padStart(7)} /s`);
  if (await postgresReachable()) {
    const schemaName = `rv_bench_${process.pid}`;
    const rate = await auditAppendRate(PG_URL, { schemaName, maxConnections: 32 }, 20_000);
    say(`  PostgreSQL                              ${rate.toFixed(0).padStart(7)} records/s   ${(rate / fsyncs).toFixed(2)}× fsync rate`);
    await dropSchemas([schemaName]);
  } else {
    say("  PostgreSQL                              not reachable on 127.0.0.1:5432: skipped");
  }
  const lite = await auditAppendRate(`embedded:${join(WORK, "pglite")}`, {}, 20_000);
  say(`  PGlite (embedded)                       ${lite.toFixed(0).padStart(7)} records/s   ${(lite / fsyncs).toFixed(2)}× fsync rate`);
  rmSync(WORK, { recursive: true, force: true });
  return 0;
}
