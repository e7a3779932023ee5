/**
 * @module adapters/random/node-random
 * The system CSPRNG behind the RandomSource port. Small requests (nonces, ids) are served from a pool
 * filled 4 KiB at a time, as Node does for randomUUID: each call to the CSPRNG cost ~10–20 µs here, and
 * an examined instance asks for a dozen 12-byte nonces. Every pooled byte is handed out once, as a copy,
 * and zeroed in the pool when it is.
 */
import { randomBytes, randomFillSync } from "node:crypto";
import type { RandomSource } from "../../ports/random.ts";

const POOL_SIZE = 4096;
/** Requests up to this size come from the pool; larger ones go to the CSPRNG directly. */
const POOLED_MAX = 256;

const pool = Buffer.allocUnsafe(POOL_SIZE);
let used = POOL_SIZE;

export const nodeRandom: RandomSource = {
  bytes(n) {
    if (n > POOLED_MAX) return new Uint8Array(randomBytes(n));
    if (used + n > POOL_SIZE) {
      randomFillSync(pool);
      used = 0;
    }
    const out = new Uint8Array(pool.subarray(used, used + n));
    // Served bytes may be key material: not left behind in the pool.
    pool.fill(0, used, used + n);
    used += n;
    return out;
  },
};
