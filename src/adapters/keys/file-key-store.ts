/**
 * @module adapters/keys/file-key-store
 * The default KeyStore: a keyring JSON file (mode 0600) under `$RAYVAULT_HOME/keys/`, created on first
 * use with one random 256-bit key. A keyring readable by group or others is refused (fail closed).
 * Writes are atomic (temporary file + rename).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { ErrorCode, RayvaultError } from "../../core/errors.ts";
import type { KeyStore, MasterKey } from "../../ports/key-store.ts";
import type { RandomSource } from "../../ports/random.ts";

interface Keyring {
  readonly version: 1;
  readonly current: string;
  readonly keys: Readonly<Record<string, string>>;
}

export function openFileKeyStore(path: string, random: RandomSource, now: () => Date = () => new Date()): KeyStore {
  const newId = (): string => `mk-${now().toISOString().slice(0, 10).replace(/-/g, "")}-${Buffer.from(random.bytes(4)).toString("hex")}`;
  const save = (ring: Keyring): void => {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const tmp = `${path}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(ring, null, 1)}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
  };
  if (!existsSync(path)) {
    const id = newId();
    save({ version: 1, current: id, keys: { [id]: Buffer.from(random.bytes(32)).toString("base64") } });
  }
  if ((statSync(path).mode & 0o077) !== 0) {
    throw new RayvaultError(ErrorCode.KeyMissing, `keyring ${path} is readable by others; chmod 600 it`);
  }
  let ring: Keyring;
  try {
    ring = JSON.parse(readFileSync(path, "utf8")) as Keyring;
  } catch (cause) {
    throw new RayvaultError(ErrorCode.KeyMissing, `keyring ${path} is not readable`, { cause });
  }
  const get = (id: string): MasterKey => {
    const b64 = ring.keys[id];
    const key = b64 === undefined ? undefined : Buffer.from(b64, "base64");
    if (!key || key.length !== 32) throw new RayvaultError(ErrorCode.KeyMissing, `master key ${id.slice(0, 32)} is not in the keyring`);
    return { id, key: new Uint8Array(key) };
  };
  return {
    current: () => get(ring.current),
    get,
    rotate() {
      const id = newId();
      ring = { version: 1, current: id, keys: { ...ring.keys, [id]: Buffer.from(random.bytes(32)).toString("base64") } };
      save(ring);
      return get(id);
    },
    retire(id) {
      if (id === ring.current) throw new RayvaultError(ErrorCode.UsageInvalid, "the current master key cannot be retired");
      const { [id]: _gone, ...rest } = ring.keys;
      ring = { ...ring, keys: rest };
      save(ring);
    },
  };
}
