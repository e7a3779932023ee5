/**
 * @module core/deid/uid-remap
 * Replaces UIDs consistently: the same input UID under the same key always gives the same
 * 2.25 UID (PS3.5 §B.2), so a study stays one study and references inside sequences still resolve.
 * Keyed HMAC-SHA-256, so a UID cannot be recomputed without the key. Pure.
 */
import { createHmac, createSecretKey } from "node:crypto";

export type UidMapper = (uid: string) => string;

export function createUidMapper(keyBytes: Uint8Array): UidMapper {
  const key = createSecretKey(keyBytes);
  const cache = new Map<string, string>();
  return (uid) => {
    const clean = uid.replace(/[\0 ]+$/, "").trim();
    if (clean === "") return clean;
    let mapped = cache.get(clean);
    if (mapped === undefined) {
      const digest = createHmac("sha256", key).update("uid\0").update(clean).digest();
      // A UUID (RFC 9562 version 8, "custom": the 122 other bits are the keyed hash) as one integer,
      // as PS3.5 §B.2 requires under 2.25; at most 39 digits, so the UID stays within 64 characters.
      const uuid = Buffer.from(digest.subarray(0, 16));
      uuid[6] = (uuid[6]! & 0x0f) | 0x80;
      uuid[8] = (uuid[8]! & 0x3f) | 0x80;
      mapped = `2.25.${BigInt(`0x${uuid.toString("hex")}`).toString(10)}`;
      cache.set(clean, mapped);
    }
    return mapped;
  };
}
