/**
 * Contract for every BlobStore (filesystem now, S3-compatible later): round trips in constant memory,
 * no plaintext at rest, tampering and truncation refused, rotation without re-encryption, shredding,
 * and no partial object after a failed write.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { RayvaultError } from "../../src/core/errors.ts";
import type { BlobStore } from "../../src/ports/blob-store.ts";
import type { KeyStore } from "../../src/ports/key-store.ts";
import { openFsBlobStore } from "../../src/adapters/blob-store/fs-blob-store.ts";
import { openFileKeyStore } from "../../src/adapters/keys/file-key-store.ts";
import { nodeRandom } from "../../src/adapters/random/node-random.ts";
import { tempDir } from "../helpers/run-cli.ts";

interface Fixture {
  readonly store: BlobStore;
  readonly keys: KeyStore;
  /** Every file the store keeps, for at-rest checks. */
  readonly files: () => string[];
  readonly corrupt: (id: string, at: number) => void;
  readonly truncate: (id: string, bytes: number) => void;
}

const adapters: Record<string, () => Fixture> = {
  filesystem: () => {
    const home = tempDir("blobs");
    const keys = openFileKeyStore(join(home, "keys", "vault-keyring.json"), nodeRandom);
    const root = join(home, "blobs");
    const store = openFsBlobStore(root, keys, nodeRandom);
    const files = (): string[] => readdirSync(root, { recursive: true }).map(String).map((f) => join(root, f)).filter((f) => statSync(f).isFile());
    return {
      store, keys, files,
      truncate: (id, bytes) => {
        const path = join(root, id.slice(0, 2), `${id}.rv`);
        truncateSync(path, statSync(path).size - bytes);
      },
      corrupt: (id, at) => {
        const path = join(root, id.slice(0, 2), `${id}.rv`);
        const b = readFileSync(path);
        b[at]! ^= 0xff;
        writeFileSync(path, b);
      },
    };
  },
};

async function* chunks(data: Uint8Array, size = 65_537): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function readAll(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of it) parts.push(p);
  return Buffer.concat(parts);
}

const rejectsWith = (code: string) => (e: unknown): boolean => e instanceof RayvaultError && e.code === code;

for (const [name, make] of Object.entries(adapters)) {
  describe(`BlobStore contract: ${name}`, () => {
    it("stores and returns an object, with its size and hash", async () => {
      const { store } = make();
      const data = randomBytes(3 * 1024 * 1024 + 123);
      const info = await store.put("study-0001.instance-1", chunks(data));
      assert.equal(info.size, data.length);
      assert.equal(info.sha256, createHash("sha256").update(data).digest("hex"));
      assert.ok((await readAll(store.get("study-0001.instance-1"))).equals(data));
      assert.deepEqual(await store.verify("study-0001.instance-1"), info);
      const ids: string[] = [];
      for await (const id of store.list()) ids.push(id);
      assert.deepEqual(ids, ["study-0001.instance-1"]);
    });

    it("lists by prefix and removes objects outright (spool markers), absent ones without error", async () => {
      const { store } = make();
      for (const id of ["rcv-0001-aaaa", "rcv-0002-bbbb", "dcm-0001-cccc"]) await store.put(id, chunks(randomBytes(100)));
      const listed = async (prefix?: string): Promise<string[]> => {
        const ids: string[] = [];
        for await (const id of store.list(prefix)) ids.push(id);
        return ids;
      };
      assert.deepEqual(await listed("rcv-"), ["rcv-0001-aaaa", "rcv-0002-bbbb"]);
      await store.remove(["rcv-0001-aaaa", "rcv-0009-never"]);
      assert.deepEqual(await listed("rcv-"), ["rcv-0002-bbbb"]);
      assert.deepEqual(await listed(), ["dcm-0001-cccc", "rcv-0002-bbbb"]);
      await assert.rejects(store.remove(["../escape-attempt"]), rejectsWith("RV_USAGE_INVALID"));
    });

    it("writes a batch with deferred sync, then makes it durable with one sync", async () => {
      const { store } = make();
      const data = Array.from({ length: 5 }, (_, i) => randomBytes(200_000 + i));
      const ids = data.map((_, i) => `batch-object-${i}`);
      for (const [i, d] of data.entries()) await store.put(ids[i]!, chunks(d), { deferSync: true });
      await store.sync(ids);
      for (const [i, d] of data.entries()) assert.deepEqual(await readAll(store.get(ids[i]!)), d);
      await assert.rejects(store.sync(["../escape-attempt"]), rejectsWith("RV_USAGE_INVALID"));
    });

    it("seals an object in memory and stores the sealed object later, as put would have stored it", async () => {
      const { store, files } = make();
      const data = Buffer.concat([Buffer.from("KAUFMAN^SCOTT "), randomBytes(700_000)]);
      const hash = createHash("sha256").update(data).digest("hex");
      const sealed = store.seal(data, hash);
      const bytes = Buffer.concat(sealed.pieces);
      assert.equal(bytes.includes(Buffer.from("KAUFMAN")), false, "sealed means encrypted");
      assert.equal(files().length, 0, "sealing writes nothing");
      const info = await store.putSealed("sealed-object-1", { ...sealed, pieces: [bytes] }, { deferSync: true });
      await store.sync(["sealed-object-1"]);
      assert.deepEqual(info, { id: "sealed-object-1", keyId: sealed.keyId, size: data.length, sha256: hash });
      assert.ok((await readAll(store.get("sealed-object-1"))).equals(data));
      assert.deepEqual(await store.verify("sealed-object-1"), info);
      // Stored again (a journal replayed): the same object.
      await store.putSealed("sealed-object-1", sealed);
      assert.deepEqual(await store.verify("sealed-object-1"), info);
      for (const f of files()) assert.equal(readFileSync(f).includes(Buffer.from("KAUFMAN")), false, f);
      // A sealed object whose bytes were damaged in between is refused on reading.
      const damaged = Buffer.from(bytes);
      damaged[damaged.length - 100]! ^= 1;
      await store.putSealed("sealed-object-2", { ...sealed, pieces: [damaged] });
      await assert.rejects(store.verify("sealed-object-2"), rejectsWith("RV_VAULT_CORRUPT"));
    });

    it("opens a sealed object held in memory through authentication, storing nothing", async () => {
      const { store, files } = make();
      // Two segments' worth and a bit, so more than the last segment is opened.
      const data = randomBytes(2 * 1024 * 1024 + 333);
      const sealed = store.seal(data, createHash("sha256").update(data).digest("hex"));
      const bytes = Buffer.concat(sealed.pieces);
      assert.ok(Buffer.from(store.unseal(bytes)).equals(data));
      assert.equal(files().length, 0, "unsealing writes nothing");
      const damaged = Buffer.from(bytes);
      damaged[damaged.length >> 1]! ^= 1;
      assert.throws(() => store.unseal(damaged), rejectsWith("RV_VAULT_CORRUPT"));
      assert.throws(() => store.unseal(bytes.subarray(0, bytes.length - 1)), rejectsWith("RV_VAULT_CORRUPT"), "truncated");
      assert.throws(() => store.unseal(bytes.subarray(0, 40)), rejectsWith("RV_VAULT_CORRUPT"), "shorter than its header");
    });

    it("keeps no plaintext at rest", async () => {
      const { store, files } = make();
      const marker = "KAUFMAN^SCOTT 19580317 MRN6774825273";
      await store.put("object-plaintext", chunks(Buffer.from(marker.repeat(1000))));
      for (const f of files()) assert.equal(readFileSync(f).includes(Buffer.from("KAUFMAN")), false, f);
    });

    it("refuses a tampered or truncated object", async () => {
      const { store, corrupt, truncate } = make();
      await store.put("object-tamper01", chunks(randomBytes(2 * 1024 * 1024)));
      corrupt("object-tamper01", 200_000);
      await assert.rejects(store.verify("object-tamper01"), rejectsWith("RV_VAULT_CORRUPT"));
      await store.put("object-trunc001", chunks(randomBytes(2 * 1024 * 1024 + 10)));
      truncate("object-trunc001", 26);
      await assert.rejects(store.verify("object-trunc001"), rejectsWith("RV_VAULT_CORRUPT"));
      await assert.rejects(store.verify("object-missing"), rejectsWith("RV_NOT_FOUND"));
    });

    it("rotates the master key without re-encrypting, then retires the old key", async () => {
      const { store, keys } = make();
      const data = randomBytes(1024 * 1024 + 5);
      const before = await store.put("object-rotate01", chunks(data));
      const next = keys.rotate();
      const after = await store.rewrap("object-rotate01");
      assert.equal(after.keyId, next.id);
      assert.equal(after.sha256, before.sha256);
      keys.retire(before.keyId);
      assert.ok((await readAll(store.get("object-rotate01"))).equals(data));
    });

    it("shreds an object for good", async () => {
      const { store } = make();
      await store.put("object-shred001", chunks(randomBytes(1000)));
      await store.shred("object-shred001");
      await assert.rejects(store.verify("object-shred001"), rejectsWith("RV_KEY_MISSING"));
    });

    it("leaves nothing behind when a write fails midway", async () => {
      const { store, files } = make();
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield randomBytes(100_000);
        throw new Error("source went away");
      }
      await assert.rejects(store.put("object-partial1", failing()));
      await assert.rejects(store.verify("object-partial1"), rejectsWith("RV_NOT_FOUND"));
      assert.deepEqual(files().filter((f) => f.includes("object-partial1")), []);
    });
  });
}

describe("file keyring", () => {
  it("is created private and refused when others can read it", () => {
    const path = join(tempDir("keyring"), "keys", "ring.json");
    openFileKeyStore(path, nodeRandom);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    chmodSync(path, 0o644);
    assert.throws(() => openFileKeyStore(path, nodeRandom), rejectsWith("RV_KEY_MISSING"));
  });
});
