/**
 * The vault format: round trips at every segment boundary, and every attack on a stored object
 * (truncation, reordering, splicing, bit flips, wrong key) is refused; rotation and shredding work on the
 * key block alone. Python's `cryptography` decrypts what we write, from the format description.
 */
import assert from "node:assert/strict";
import { createHash, createSecretKey, randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { RayvaultError } from "../errors.ts";
import { REPO, tempDir } from "../../../test/helpers/run-cli.ts";
import {
  encryptedLength, FIXED_HEADER_LENGTH, HEADER_LENGTH, parseHeader, rewrapKeyBlock, shreddedKeyBlock, TAG_LENGTH, VaultDecryptor, VaultEncryptor,
} from "./vault-envelope.ts";

const SEG = 4096;
const master = new Uint8Array(randomBytes(32));

function encrypt(plain: Uint8Array, key = master, chunk = 1000): Uint8Array {
  const enc = new VaultEncryptor({ masterKey: key, keyId: "master-2026-11", dataKey: randomBytes(32), noncePrefix: randomBytes(7), segmentSize: SEG });
  const parts: Uint8Array[] = [enc.header];
  for (let i = 0; i < plain.length; i += chunk) parts.push(...enc.push(plain.subarray(i, i + chunk)));
  parts.push(...enc.finish());
  return Buffer.concat(parts);
}

function decrypt(blob: Uint8Array, key = master, chunk = 777): Uint8Array {
  const dec = new VaultDecryptor(parseHeader(blob.subarray(0, HEADER_LENGTH)), key);
  const parts: Uint8Array[] = [];
  const body = blob.subarray(HEADER_LENGTH);
  for (let i = 0; i < body.length; i += chunk) parts.push(...dec.push(body.subarray(i, i + chunk)));
  parts.push(dec.finish());
  return Buffer.concat(parts);
}

const refused = (f: () => unknown): void => assert.throws(f, RayvaultError);

describe("vault envelope", () => {
  it("round-trips every size around the segment boundaries, whatever the chunking", () => {
    for (const n of [0, 1, SEG - 1, SEG, SEG + 1, 2 * SEG, 3 * SEG + 17]) {
      const plain = randomBytes(n);
      for (const chunk of [1, 13, SEG, 10 * SEG]) {
        const blob = encrypt(plain, master, chunk);
        assert.equal(blob.length, encryptedLength(n, SEG), `length for ${n}`);
        assert.ok(Buffer.from(decrypt(blob, master, chunk + 5)).equals(plain), `n=${n} chunk=${chunk}`);
      }
    }
  });

  it("wraps the data key alike under the master key's bytes and under its key object, and refuses a key object of another size", () => {
    const init = { keyId: "master-2026-11", dataKey: randomBytes(32), noncePrefix: randomBytes(7), segmentSize: SEG };
    const fromBytes = new VaultEncryptor({ ...init, masterKey: master });
    const fromObject = new VaultEncryptor({ ...init, masterKey: createSecretKey(master) });
    assert.ok(Buffer.from(fromObject.header).equals(fromBytes.header), "RFC 3394 is deterministic: the same key block");
    const blob = Buffer.concat([fromObject.header, ...fromObject.sealAll(randomBytes(SEG + 5))]);
    assert.equal(decrypt(blob).length, SEG + 5, "opens with the master key's bytes");
    refused(() => new VaultEncryptor({ ...init, masterKey: createSecretKey(randomBytes(16)) }));
  });

  it("seals a plaintext held in memory (sealAll), whole or in fragments, exactly as pushed in pieces, without copying it", () => {
    for (const n of [0, 1, SEG - 1, SEG, SEG + 1, 2 * SEG, 3 * SEG + 17]) {
      const plain = randomBytes(n);
      const init = { masterKey: master, keyId: "master-2026-11", dataKey: randomBytes(32), noncePrefix: randomBytes(7), segmentSize: SEG };
      const streamed = new VaultEncryptor(init);
      const pieces: Uint8Array[] = [streamed.header];
      for (let i = 0; i < n; i += 999) pieces.push(...streamed.push(plain.subarray(i, i + 999)));
      pieces.push(...streamed.finish());
      const whole = new VaultEncryptor(init);
      const sealed = Buffer.concat([whole.header, ...whole.sealAll(plain)]);
      assert.ok(sealed.equals(Buffer.concat(pieces)), `n=${n}`);
      assert.ok(Buffer.from(decrypt(sealed)).equals(plain), `n=${n} decrypts`);
      assert.throws(() => whole.sealAll(plain), RayvaultError, "an encryptor seals once");
      // The same plaintext in the fragments it arrived in (empty ones, ones across segment boundaries).
      const fragments = [new Uint8Array(0), plain.subarray(0, 5), plain.subarray(5, SEG + 3), new Uint8Array(0), plain.subarray(SEG + 3)];
      const fromFragments = new VaultEncryptor(init);
      assert.ok(Buffer.concat([fromFragments.header, ...fromFragments.sealAll(fragments)]).equals(sealed), `n=${n} in fragments`);
    }
  });

  it("detects truncation at a segment boundary and inside a segment", () => {
    const blob = encrypt(randomBytes(3 * SEG + 100));
    const seal = SEG + TAG_LENGTH;
    refused(() => decrypt(blob.subarray(0, HEADER_LENGTH + 2 * seal)));
    refused(() => decrypt(blob.subarray(0, blob.length - 1)));
    refused(() => decrypt(blob.subarray(0, HEADER_LENGTH)));
  });

  it("detects reordered segments and segments spliced from another object", () => {
    const seal = SEG + TAG_LENGTH;
    const blob = Buffer.from(encrypt(randomBytes(3 * SEG)));
    const swapped = Buffer.concat([blob.subarray(0, HEADER_LENGTH), blob.subarray(HEADER_LENGTH + seal, HEADER_LENGTH + 2 * seal), blob.subarray(HEADER_LENGTH, HEADER_LENGTH + seal), blob.subarray(HEADER_LENGTH + 2 * seal)]);
    refused(() => decrypt(swapped));
    const other = Buffer.from(encrypt(randomBytes(3 * SEG)));
    const spliced = Buffer.concat([blob.subarray(0, HEADER_LENGTH + seal), other.subarray(HEADER_LENGTH + seal)]);
    refused(() => decrypt(spliced));
    const extended = Buffer.concat([blob, blob.subarray(HEADER_LENGTH, HEADER_LENGTH + seal)]);
    refused(() => decrypt(extended));
  });

  it("detects a flipped bit anywhere authenticated", () => {
    const blob = Buffer.from(encrypt(randomBytes(SEG + 10)));
    for (const at of [5, 10, 15, HEADER_LENGTH, HEADER_LENGTH + SEG, blob.length - 1]) {
      const copy = Buffer.from(blob);
      copy[at]! ^= 0x01;
      refused(() => decrypt(copy));
    }
  });

  it("refuses the wrong master key", () => {
    refused(() => decrypt(encrypt(randomBytes(10)), new Uint8Array(randomBytes(32))));
  });

  it("rotates the master key by rewriting the key block only, and shreds by destroying it", () => {
    const plain = randomBytes(2 * SEG + 5);
    const blob = Buffer.from(encrypt(plain));
    const next = new Uint8Array(randomBytes(32));
    const rotated = Buffer.from(blob);
    rotated.set(rewrapKeyBlock(parseHeader(blob), master, next, "master-2027-01"), FIXED_HEADER_LENGTH);
    assert.ok(rotated.subarray(HEADER_LENGTH).equals(blob.subarray(HEADER_LENGTH)), "segments untouched");
    assert.equal(parseHeader(rotated).keyId, "master-2027-01");
    assert.ok(Buffer.from(decrypt(rotated, next)).equals(plain));
    refused(() => decrypt(rotated, master));
    const shredded = Buffer.from(blob);
    shredded.set(shreddedKeyBlock("master-2026-11"), FIXED_HEADER_LENGTH);
    refused(() => decrypt(shredded, master));
  });

  it("is opened by an independent implementation (Python cryptography: AES key unwrap + AES-GCM)", { skip: spawnSync("/usr/bin/python3", ["-c", "import cryptography"]).status === 0 ? false : "python3-cryptography not installed" }, () => {
    const plain = randomBytes(3 * SEG + 123);
    const path = join(tempDir("vault"), "blob.rv");
    writeFileSync(path, encrypt(plain));
    const r = spawnSync("/usr/bin/python3", [join(REPO, "test/helpers/vault-decrypt.py"), Buffer.from(master).toString("hex"), path], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), createHash("sha256").update(plain).digest("hex"));
  });
});
