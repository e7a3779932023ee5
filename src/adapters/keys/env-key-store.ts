/**
 * @module adapters/keys/env-key-store
 * A KeyStore holding one master key given in the environment (RAYVAULT_MASTER_KEY, 32 bytes base64),
 * for deployments whose secret manager injects keys into the process: nothing is written to disk.
 * Rotation happens outside (a new variable and a re-wrap run with both keys), so rotate() refuses.
 */
import { createHash } from "node:crypto";
import { ErrorCode, RayvaultError } from "../../core/errors.ts";
import type { KeyStore, MasterKey } from "../../ports/key-store.ts";

export function envKeyStore(base64Key: string): KeyStore {
  const key = Buffer.from(base64Key.trim(), "base64");
  if (key.length !== 32) throw new RayvaultError(ErrorCode.KeyMissing, "RAYVAULT_MASTER_KEY must be 32 bytes, base64");
  const master: MasterKey = { id: `env-${createHash("sha256").update(key).digest("hex").slice(0, 12)}`, key: new Uint8Array(key) };
  return {
    current: () => master,
    get: (id) => {
      if (id !== master.id) throw new RayvaultError(ErrorCode.KeyMissing, `master key ${id.slice(0, 32)} is not the one in RAYVAULT_MASTER_KEY`);
      return master;
    },
    rotate: () => {
      throw new RayvaultError(ErrorCode.UsageInvalid, "a key from the environment is rotated by the secret manager, not by Rayvault");
    },
    retire: () => {
      throw new RayvaultError(ErrorCode.UsageInvalid, "a key from the environment cannot be retired here");
    },
  };
}
