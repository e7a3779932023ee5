/**
 * Recovery of the receive spool against the real vault (embedded database, blob store, spool). A record
 * holds the sealed object as received and who sent it: the object is opened through authentication and
 * examined again, filed in the blob store, and indexed once however often it is replayed; one
 * the examination refuses (refused on arrival) is settled and never filed; a record whose object does not
 * match its hash or its id stops recovery (fail closed). Records of the earlier formats are still
 * recovered: the index row in the record (the object as its sealed part, or inside the encrypted
 * record); the object stored apart (one whose object was never stored was never acknowledged and is
 * dropped; one whose object does not match it stops recovery).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { examineInstance, instanceBlobId } from "../../src/app/import-files.ts";
import { shredObject } from "../../src/app/manage-keys.ts";
import { encodeReceiveRecord, recoverReceived } from "../../src/app/receive-dicom.ts";
import { vaultDeps, type VaultDeps } from "../../src/config/compose-vault.ts";
import { loadConfig } from "../../src/config/load-config.ts";
import { memorySource } from "../../src/ports/byte-source.ts";
import { openFsReceiveSpool } from "../../src/adapters/spool/fs-receive-spool.ts";
import { ctSliceFile } from "../fixtures/synthetic-dicom.ts";
import { tempDir } from "../helpers/run-cli.ts";

describe("receive spool recovery", () => {
  let deps: VaultDeps;
  let home = "";
  /** Records written by an earlier process: another spool over the same folder, closed (as if it died). */
  type Journalled = ReturnType<typeof encodeReceiveRecord>;
  const earlier = async (records: Array<Uint8Array | Journalled>): Promise<void> => {
    const spool = openFsReceiveSpool(join(home, "spool"), deps.vaultKeys);
    for (const r of records) await (r instanceof Uint8Array ? spool.append(r) : spool.append(r.record, r.sealed));
    await spool.close();
  };
  const actor = { id: "dicom:node-test", roles: ["integration" as const], mfa: false };
  const record = (file: Uint8Array, over: Record<string, unknown> = {}): Uint8Array => {
    const x = examineInstance(memorySource(file), { actor, purpose: "treatment" }, deps);
    const audit = { time: new Date().toISOString(), actor: actor.id, action: "study.import", objects: [`blob:${x.blobId}`], purpose: "treatment", outcome: "success" as const };
    return Buffer.from(JSON.stringify({ v: 1, blobId: x.blobId, contentHash: x.contentHash, rec: x.rec, audit, ...over }));
  };
  /**
   * A record as the listener writes it (before it examines the instance): header (object, source, audit
   * event), and the sealed object as the spool record's sealed part.
   */
  const journalled = (file: Uint8Array, sealedFile = file, blobId?: string): Journalled => {
    const contentHash = createHash("sha256").update(file).digest("hex");
    const id = blobId ?? instanceBlobId(deps.fields, contentHash);
    const audit = { time: new Date().toISOString(), actor: actor.id, action: "study.import", objects: [`blob:${id}`], purpose: "treatment", outcome: "success" as const };
    const sealed = deps.blobs.seal(sealedFile, contentHash);
    return encodeReceiveRecord({ blob: { id, keyId: sealed.keyId, size: sealed.size, sha256: contentHash }, source: { actor: actor.id, purpose: "treatment" }, audit }, sealed);
  };
  /** A record of version 2: the index row read from the instance before the record was written. */
  const journalledV2 = (file: Uint8Array): Journalled => {
    const x = examineInstance(memorySource(file), { actor, purpose: "treatment" }, deps);
    const audit = { time: new Date().toISOString(), actor: actor.id, action: "study.import", objects: [`blob:${x.blobId}`], purpose: "treatment", outcome: "success" as const };
    const sealed = deps.blobs.seal(file, x.contentHash);
    const json = Buffer.from(JSON.stringify({ v: 2, blob: { id: x.blobId, keyId: sealed.keyId, size: sealed.size, sha256: x.contentHash }, rec: x.rec, audit }));
    const len = Buffer.alloc(4);
    len.writeUInt32BE(json.length);
    return { record: [len, json], sealed: sealed.pieces };
  };
  async function* once(b: Uint8Array): AsyncGenerator<Uint8Array> {
    yield b;
  }

  before(async () => {
    home = join(tempDir("recovery"), "home");
    deps = await vaultDeps(loadConfig({ RAYVAULT_HOME: home }));
  });
  after(async () => {
    await deps.close();
  });

  it("examines the instance a record holds, files it, reads it back, and indexes it once, replayed twice", async () => {
    const file = ctSliceFile(93, 0);
    const rec = journalled(file);
    await earlier([rec, rec]);
    const before = await deps.index.counts();
    assert.equal(await recoverReceived(deps), 2);
    const after = await deps.index.counts();
    assert.equal(after.instances, before.instances + 1, "one instance, however often replayed");
    const x = examineInstance(memorySource(file), { actor, purpose: "treatment" }, deps);
    const blob = await deps.blobs.verify(x.blobId);
    assert.equal(blob.sha256, x.contentHash, "the stored object decrypts to the received bytes");
    assert.equal(await recoverReceived(deps), 0, "nothing left to replay");
  });

  it("does not store again the object of an instance already filed, so a shredded one stays shredded", async () => {
    const file = ctSliceFile(97, 0);
    const rec = journalled(file);
    await earlier([rec]);
    assert.equal(await recoverReceived(deps), 1);
    const x = examineInstance(memorySource(file), { actor, purpose: "treatment" }, deps);
    await shredObject("operator:test", x.blobId, deps);
    // The same record again, as when the process stopped after filing it and before settling it.
    await earlier([rec]);
    assert.equal(await recoverReceived(deps), 0, "already filed: nothing recorded again");
    await assert.rejects(deps.blobs.verify(x.blobId), "still shredded");
  });

  it("settles, and never files, a record whose instance the examination refuses (it was refused on arrival)", async () => {
    const notDicom = new Uint8Array(Buffer.from("not a DICOM data set, refused with 0xC000 when it arrived"));
    const j = journalled(notDicom);
    const before = await deps.index.counts();
    const segments = (): string[] => readdirSync(join(home, "spool")).filter((n) => n.endsWith(".rvs"));
    const had = new Set(segments());
    await earlier([j]);
    const written = segments().filter((n) => !had.has(n));
    assert.equal(written.length, 1);
    assert.equal(await recoverReceived(deps), 0, "nothing filed");
    assert.deepEqual(await deps.index.counts(), before);
    const id = instanceBlobId(deps.fields, createHash("sha256").update(notDicom).digest("hex"));
    await assert.rejects(deps.blobs.verify(id), /no such object/, "its object was not stored");
    // Settled: its segment, holding nothing else, is deleted (in the thread pool).
    for (let i = 0; i < 100 && segments().includes(written[0]!); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(!segments().includes(written[0]!), "the record was settled and its segment deleted");
  });

  it("(version 2) files the index row a record carries with its sealed object, once", async () => {
    const file = ctSliceFile(99, 0);
    const j = journalledV2(file);
    const before = await deps.index.counts();
    await earlier([j, j]);
    assert.equal(await recoverReceived(deps), 2);
    assert.equal((await deps.index.counts()).instances, before.instances + 1);
    const x = examineInstance(memorySource(file), { actor, purpose: "treatment" }, deps);
    assert.equal((await deps.blobs.verify(x.blobId)).sha256, x.contentHash);
    assert.equal(await recoverReceived(deps), 0);
  });

  it("(earlier format) files an object carried inside the encrypted record, once", async () => {
    const file = ctSliceFile(98, 0);
    const j = journalledV2(file);
    const before = await deps.index.counts();
    await earlier([Buffer.concat([...j.record, ...j.sealed])]);
    assert.equal(await recoverReceived(deps), 1);
    assert.equal((await deps.index.counts()).instances, before.instances + 1);
    const x = examineInstance(memorySource(file), { actor, purpose: "treatment" }, deps);
    assert.equal((await deps.blobs.verify(x.blobId)).sha256, x.contentHash);
  });

  it("(earlier format) drops a record whose object was never stored, and indexes a stored one once, replayed twice", async () => {
    const stored = ctSliceFile(91, 1);
    const x = examineInstance(memorySource(stored), { actor, purpose: "treatment" }, deps);
    await deps.blobs.put(x.blobId, once(stored));
    await earlier([record(ctSliceFile(91, 0)), record(stored), record(stored)]);
    const before = await deps.index.counts();
    assert.equal(await recoverReceived(deps), 2, "the two records of the stored object");
    const after = await deps.index.counts();
    assert.deepEqual(after, { patients: before.patients + 1, studies: before.studies + 1, series: before.series + 1, instances: before.instances + 1 });
    assert.equal(await recoverReceived(deps), 0, "nothing left to replay");
  });

  it("(earlier format) stops when an object does not match its record", async () => {
    const file = ctSliceFile(92, 0);
    const x = examineInstance(memorySource(file), { actor, purpose: "treatment" }, deps);
    await deps.blobs.put(x.blobId, once(ctSliceFile(92, 1)));
    await earlier([record(file)]);
    await assert.rejects(recoverReceived(deps), /does not match its spool record/);
  });
  // Last: a spool that stopped recovery is not read again by the same process.
  it("stops when the object a record holds does not match its hash", async () => {
    await earlier([journalled(ctSliceFile(94, 0), ctSliceFile(94, 1))]);
    await assert.rejects(recoverReceived(deps), /does not match its spool record/);
  });
  it("stops at a record whose object id is not the one its content gives", async () => {
    await earlier([journalled(ctSliceFile(96, 0), undefined, "dcm-0123456789abcdef0123456789abcdef")]);
    await assert.rejects(recoverReceived(deps), /does not match its spool record/);
  });
  it("stops at a record whose sealed object fails authentication", async () => {
    const j = journalled(ctSliceFile(96, 1));
    const pieces = j.sealed.map((p) => Buffer.from(p));
    // A bit of the ciphertext (the largest piece), after the spool authenticated it as it was written.
    const body = pieces.reduce((a, p) => (p.length > a.length ? p : a));
    body[body.length >> 1]! ^= 0x01;
    await earlier([{ record: j.record, sealed: pieces }]);
    await assert.rejects(recoverReceived(deps), /failed authentication/);
  });
  it("stops at a record that carries an object both after its header and as its sealed part", async () => {
    const j = journalled(ctSliceFile(95, 0));
    await earlier([{ record: [...j.record, ...j.sealed], sealed: j.sealed }]);
    await assert.rejects(recoverReceived(deps), /carries two objects/);
  });
});
