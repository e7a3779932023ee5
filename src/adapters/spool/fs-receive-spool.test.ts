/**
 * The receive spool on a real filesystem: what was appended and not settled comes back after the
 * process is gone (a new spool over the same folder), in order; a fully settled segment does not; a frame torn by
 * a crash is ignored (it was never acknowledged); a damaged frame followed by others stops recovery; the
 * records are encrypted at rest. Segments are appended to and hand over to the next at their size; the
 * zero-filled segments an earlier release preallocated are still read.
 */
import assert from "node:assert/strict";
import { createCipheriv, hkdfSync, randomBytes } from "node:crypto";
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { openFileKeyStore } from "../keys/file-key-store.ts";
import { nodeRandom } from "../random/node-random.ts";
import { openFsReceiveSpool } from "./fs-receive-spool.ts";

/** A record part of `n` MiB filled with `c`. */
const mib = (c: string, n: number): Buffer => Buffer.alloc(n * 1024 * 1024, c);

function setup(): { dir: string; keys: ReturnType<typeof openFileKeyStore> } {
  const root = mkdtempSync(join(tmpdir(), "rv-spool-"));
  return { dir: join(root, "spool"), keys: openFileKeyStore(join(root, "keys.json"), nodeRandom) };
}

async function pending(dir: string, keys: ReturnType<typeof openFileKeyStore>): Promise<string[]> {
  const s = openFsReceiveSpool(dir, keys);
  const out: string[] = [];
  try {
    for await (const p of s.pending()) out.push(Buffer.from(p.record).toString());
  } finally {
    await s.close();
  }
  return out;
}

describe("fs receive spool", () => {
  it("returns everything appended and not settled, in order, to the next process; encrypted at rest", async () => {
    const { dir, keys } = setup();
    const spool = openFsReceiveSpool(dir, keys);
    const refs = await Promise.all(["alpha PATIENT^SECRET", "beta", "gamma", "delta"].map((r) => spool.append(Buffer.from(r))));
    await spool.settle([refs[1]!]);
    // Closed with records unsettled: as when the process dies, they stay.
    await spool.close();
    for (const f of readdirSync(dir)) assert.equal(readFileSync(join(dir, f)).includes("PATIENT^SECRET"), false, "no plaintext on disk");
    // A settled record in a segment still in use may come back too: replay is idempotent (recording is).
    const back = await pending(dir, keys);
    const unsettled = ["alpha PATIENT^SECRET", "gamma", "delta"];
    assert.deepEqual(back.filter((r) => unsettled.includes(r)), unsettled);
    assert.ok(back.every((r) => [...unsettled, "beta"].includes(r)));
  });

  it("stores a record given as parts as one record", async () => {
    const { dir, keys } = setup();
    const spool = openFsReceiveSpool(dir, keys);
    await spool.append([Buffer.from("head|"), Buffer.alloc(0), Buffer.from("body "), Buffer.from("x".repeat(300_000))]);
    await spool.append(Buffer.from("next"));
    await spool.close();
    assert.deepEqual(await pending(dir, keys), [`head|body ${"x".repeat(300_000)}`, "next"]);
  });

  it("keeps a sealed part as it is, authenticated with its record: altered, the record does not come back", async () => {
    const { dir, keys } = setup();
    const spool = openFsReceiveSpool(dir, keys);
    const sealedPart = Buffer.from("already-encrypted-envelope ".repeat(1000));
    const ref = await spool.append([Buffer.from("header PATIENT^SECRET")], [sealedPart.subarray(0, 10), sealedPart.subarray(10)]);
    await spool.append(Buffer.from("after"));
    await spool.close();
    const s = openFsReceiveSpool(dir, keys);
    const back: Array<{ record: string; sealed: Buffer }> = [];
    for await (const p of s.pending()) back.push({ record: Buffer.from(p.record).toString(), sealed: Buffer.from(p.sealed) });
    await s.close();
    assert.deepEqual(back.map((b) => b.record), ["header PATIENT^SECRET", "after"]);
    assert.ok(back[0]!.sealed.equals(sealedPart), "the sealed part as appended");
    assert.equal(back[1]!.sealed.length, 0);
    const seg = join(dir, ref.split(":")[0]!);
    const bytes = readFileSync(seg);
    assert.equal(bytes.includes("PATIENT^SECRET"), false, "the record is encrypted");
    assert.ok(bytes.includes(sealedPart), "the sealed part is not encrypted twice");
    const altered = Buffer.from(bytes);
    altered[bytes.indexOf(sealedPart) + 5000]! ^= 0x01;
    writeFileSync(seg, altered);
    await assert.rejects(pending(dir, keys), /RV_VAULT_CORRUPT|does not authenticate/);
  });

  it("reads a segment of the first format (one ciphertext per frame) left by an earlier release", async () => {
    const { dir, keys } = setup();
    const master = keys.current();
    const salt = randomBytes(16);
    const key = Buffer.from(hkdfSync("sha256", master.key, salt, "rayvault/receive-spool/v1", 32));
    const id = Buffer.from(master.id);
    const idLen = Buffer.alloc(2);
    idLen.writeUInt16BE(id.length);
    const frame = (text: string): Buffer => {
      const nonce = randomBytes(12);
      const c = createCipheriv("aes-256-gcm", key, nonce);
      const body = Buffer.concat([c.update(text), c.final(), c.getAuthTag()]);
      const len = Buffer.alloc(4);
      len.writeUInt32BE(12 + body.length);
      return Buffer.concat([len, nonce, body]);
    };
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "seg-old-1.rvs"), Buffer.concat([Buffer.from("RVSPOOL1"), idLen, id, salt, frame("old one"), frame("old two"), Buffer.alloc(64)]));
    assert.deepEqual(await pending(dir, keys), ["old one", "old two"]);
  });

  it("forgets a segment once everything in it is settled", async () => {
    const { dir, keys } = setup();
    const spool = openFsReceiveSpool(dir, keys);
    const refs = [await spool.append(Buffer.from("one")), await spool.append(Buffer.from("two"))];
    await spool.settle(refs);
    await spool.close();
    assert.deepEqual(await pending(dir, keys), []);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith(".rvs")), []);
  });

  it("deletes a filled segment once everything in it is settled, by the time it is closed", async () => {
    const { dir, keys } = setup();
    const spool = openFsReceiveSpool(dir, keys);
    const refs = [await spool.append(Buffer.from("h"), [mib("a", 10)]), await spool.append(Buffer.from("h"), [mib("b", 10)])];
    assert.notEqual(refs[0]!.split(":")[0], refs[1]!.split(":")[0], "two segments");
    await spool.settle(refs);
    await spool.close();
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith(".rvs")), []);
  });

  it("does not read again a recovered segment it is deleting", async () => {
    const { dir, keys } = setup();
    const first = openFsReceiveSpool(dir, keys);
    await first.append(Buffer.from("one"), [mib("a", 4)]);
    await first.append(Buffer.from("two"));
    await first.close();
    const next = openFsReceiveSpool(dir, keys);
    const refs: string[] = [];
    for await (const p of next.pending()) refs.push(p.ref);
    assert.equal(refs.length, 2);
    // Settled: the segment is deleted in the thread pool. Asked again at once, before that is done,
    // the spool has nothing left to replay.
    await next.settle(refs);
    const again: string[] = [];
    for await (const p of next.pending()) again.push(Buffer.from(p.record).toString());
    assert.deepEqual(again, []);
    await next.close();
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith(".rvs")), []);
  });

  it("ignores a frame torn by a crash at the tail, and refuses a damaged frame that others follow", async () => {
    const { dir, keys } = setup();
    const spool = openFsReceiveSpool(dir, keys);
    await spool.append(Buffer.from("first"));
    const second = await spool.append(Buffer.from("second"));
    const third = await spool.append(Buffer.from("third"));
    await spool.close();
    const seg = join(dir, second.split(":")[0]!);
    const bytes = readFileSync(seg);
    // Tear the last frame: its body half written.
    const tornAt = Number(third.split(":")[1]) + 20;
    const torn = Buffer.from(bytes);
    torn.fill(0, tornAt, tornAt + 8);
    writeFileSync(seg, torn);
    assert.deepEqual(await pending(dir, keys), ["first", "second"]);
    // Damage the middle frame instead: recovery stops rather than skipping it.
    const damaged = Buffer.from(bytes);
    damaged[Number(second.split(":")[1]) + 20]! ^= 0xff;
    writeFileSync(seg, damaged);
    await assert.rejects(pending(dir, keys), /RV_VAULT_CORRUPT|does not authenticate/);
  });

  it("appends to a segment only while it is under 16 MiB; a larger record has a segment of its own", async () => {
    const { dir, keys } = setup();
    const spool = openFsReceiveSpool(dir, keys);
    const refs: string[] = [];
    for (const r of [mib("a", 6), mib("b", 6), mib("c", 6), mib("d", 20), Buffer.from("e")]) refs.push(await spool.append(Buffer.from("h"), [r]));
    await spool.close();
    const segOf = (ref: string): string => ref.split(":")[0]!;
    // a and b fill the first; c would pass 16 MiB; d alone; e after it.
    assert.equal(segOf(refs[0]!), segOf(refs[1]!));
    assert.notEqual(segOf(refs[1]!), segOf(refs[2]!));
    assert.notEqual(segOf(refs[2]!), segOf(refs[3]!));
    assert.notEqual(segOf(refs[3]!), segOf(refs[4]!));
    const onDisk = readdirSync(dir).reduce((a, f) => a + statSync(join(dir, f)).size, 0);
    assert.ok(onDisk < 38 * 1024 * 1024 + 4096, `the segments hold what was appended and no more (no preallocation): ${onDisk} bytes`);
    const s2 = openFsReceiveSpool(dir, keys);
    const sizes: number[] = [];
    for await (const p of s2.pending()) sizes.push(p.sealed.length);
    await s2.close();
    assert.deepEqual(sizes, [6, 6, 6, 20].map((n) => n * 1024 * 1024).concat(1));
  });

  it("ignores a frame cut short at the end of the file, and reads a segment left zero-filled by an earlier release", async () => {
    const { dir, keys } = setup();
    const spool = openFsReceiveSpool(dir, keys);
    await spool.append(Buffer.from("kept"));
    const cut = await spool.append(Buffer.from("cut short"), [Buffer.alloc(4096, 7)]);
    await spool.close();
    const seg = join(dir, cut.split(":")[0]!);
    // The crash came while the last frame was being appended: the file ends inside it.
    truncateSync(seg, Number(cut.split(":")[1]) + 100);
    assert.deepEqual(await pending(dir, keys), ["kept"]);
    // An earlier release preallocated segments with zeros after the last frame.
    truncateSync(seg, Number(cut.split(":")[1]));
    appendFileSync(seg, Buffer.alloc(1024 * 1024));
    assert.deepEqual(await pending(dir, keys), ["kept"]);
  });
});
