/**
 * @module adapters/pseudonyms/file-pseudonym-store
 * The pseudonym map in `$RAYVAULT_HOME`: a 32-byte key file (0600) and an AES-256-GCM encrypted JSON
 * map, rewritten atomically and guarded by a lock file so concurrent runs cannot lose entries.
 * Patient keys are stored encrypted only; the lookup index is an HMAC of them.
 */
import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hkdfSync } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ErrorCode, RayvaultError } from "../../core/errors.ts";
import type { PatientPseudonym } from "../../core/deid/deidentify-dicom.ts";
import type { PseudonymStore } from "../../ports/pseudonym-store.ts";
import type { RandomSource } from "../../ports/random.ts";

interface Entry {
  readonly pseudonym: string;
  readonly dateShiftDays: number;
  /** The patient key, kept so an authorised person can re-identify (164.514(c)); encrypted at rest. */
  readonly patientKey: string;
}

interface MapFile {
  readonly version: 1;
  readonly entries: Record<string, Entry>;
}

const BASE32 = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

function derive(master: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdfSync("sha256", master, new Uint8Array(0), info, 32));
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Loads or creates the key and the map under `home`. */
export function openFilePseudonymStore(home: string, random: RandomSource): PseudonymStore {
  const keyDir = join(home, "keys");
  const mapDir = join(home, "deid");
  mkdirSync(keyDir, { recursive: true, mode: 0o700 });
  mkdirSync(mapDir, { recursive: true, mode: 0o700 });
  const keyPath = join(keyDir, "deid.key");
  if (!existsSync(keyPath)) {
    try {
      writeFileSync(keyPath, Buffer.from(random.bytes(32)).toString("base64") + "\n", { mode: 0o600, flag: "wx" });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
  }
  const master = Buffer.from(readFileSync(keyPath, "utf8").trim(), "base64");
  if (master.length !== 32) throw new RayvaultError(ErrorCode.KeyMissing, "de-identification key file is not a 32-byte key");
  const mapKey = derive(master, "rayvault pseudonym map v1");
  const indexKey = createSecretKey(derive(master, "rayvault pseudonym index v1"));
  const uidKey = derive(master, "rayvault uid remap v1");

  const lockPath = join(mapDir, "pseudonyms.lock");
  let lockFd: number | undefined;
  for (let attempt = 0; lockFd === undefined; attempt++) {
    try {
      lockFd = openSync(lockPath, "wx", 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      if (attempt > 600) {
        throw new RayvaultError(ErrorCode.StateLocked, `pseudonym map is locked by another run (${lockPath}); remove the lock if no run is active`);
      }
      sleepMs(50);
    }
  }

  const mapPath = join(mapDir, "pseudonyms.enc");
  let map: MapFile = { version: 1, entries: {} };
  try {
    if (existsSync(mapPath)) {
      const blob = readFileSync(mapPath);
      const nonce = blob.subarray(0, 12);
      const tag = blob.subarray(blob.length - 16);
      const decipher = createDecipheriv("aes-256-gcm", mapKey, nonce);
      decipher.setAuthTag(tag);
      const plain = Buffer.concat([decipher.update(blob.subarray(12, blob.length - 16)), decipher.final()]);
      map = JSON.parse(plain.toString("utf8")) as MapFile;
    }
  } catch (cause) {
    closeSync(lockFd);
    rmSync(lockPath, { force: true });
    throw new RayvaultError(ErrorCode.StateCorrupt, "pseudonym map does not decrypt with this key (wrong key or tampered file)", { cause });
  }
  let dirty = false;

  return {
    pseudonymFor(patientKey) {
      const index = createHmac("sha256", indexKey).update(patientKey).digest("hex");
      const found = map.entries[index];
      if (found) return { pseudonym: found.pseudonym, dateShiftDays: found.dateShiftDays };
      const r = random.bytes(12);
      const pseudonym = "RV" + Array.from(r.subarray(0, 10), (b) => BASE32[b % 32]).join("");
      const shift = -(1 + ((r[10]! << 8) | r[11]!) % 1095);
      const entry: Entry = { pseudonym, dateShiftDays: shift, patientKey };
      map = { version: 1, entries: { ...map.entries, [index]: entry } };
      dirty = true;
      return { pseudonym, dateShiftDays: shift } satisfies PatientPseudonym;
    },
    uidKey: () => uidKey,
    close() {
      try {
        if (dirty) {
          const nonce = Buffer.from(random.bytes(12));
          const cipher = createCipheriv("aes-256-gcm", mapKey, nonce);
          const body = Buffer.concat([cipher.update(JSON.stringify(map), "utf8"), cipher.final()]);
          const tmp = `${mapPath}.tmp`;
          writeFileSync(tmp, Buffer.concat([nonce, body, cipher.getAuthTag()]), { mode: 0o600 });
          renameSync(tmp, mapPath);
          dirty = false;
        }
      } finally {
        if (lockFd !== undefined) closeSync(lockFd);
        lockFd = undefined;
        rmSync(lockPath, { force: true });
      }
    },
  };
}
