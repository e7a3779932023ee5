/**
 * The receiver against the real vault (embedded database, blob store, spool). An instance a modality
 * sends again is acknowledged, indexed once, and its stored object left as it is — in particular a
 * shredded object (retention, right to delete) is not brought back by a resend. When filing fails (the
 * database), what is held in memory is bounded: past the bound a C-STORE is refused with 0xA700.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { examineInstance } from "../../src/app/import-files.ts";
import { addNode } from "../../src/app/manage-dicom.ts";
import { shredObject } from "../../src/app/manage-keys.ts";
import { dicomReceiver, StoreStatus, type ReceiverSession } from "../../src/app/receive-dicom.ts";
import { vaultDeps, type VaultDeps } from "../../src/config/compose-vault.ts";
import { loadConfig } from "../../src/config/load-config.ts";
import { buildFileMeta, partTenHeader } from "../../src/core/dicom/write-dicom.ts";
import { ErrorCode, errorCodeOf } from "../../src/core/errors.ts";
import { memorySource } from "../../src/ports/byte-source.ts";
import { ctSliceFile } from "../fixtures/synthetic-dicom.ts";
import { arrive, datasetOf } from "../helpers/dicom-bytes.ts";
import { tempDir } from "../helpers/run-cli.ts";

describe("an instance received again", () => {
  let deps: VaultDeps;
  let home = "";
  let session: ReceiverSession;
  let receiver: ReturnType<typeof dicomReceiver>;
  const SOP_CLASS = "1.2.840.10008.5.1.4.1.1.2";

  /** What the listener hands over for a slice: its data set, as sent, in PDU-sized fragments. */
  const incoming = (file: Uint8Array, sop: string, to = session) => arrive(to, SOP_CLASS, sop, file);
  /** The blob id the receiver gives that instance (our file meta in front of its data set). */
  const blobIdOf = (file: Uint8Array, sop: string): string => {
    const bytes = Buffer.concat([partTenHeader(buildFileMeta(SOP_CLASS, sop, "1.2.840.10008.1.2.1", "CT09")), datasetOf(file)]);
    return examineInstance(memorySource(bytes), { actor: { id: "t", roles: ["integration"], mfa: false }, purpose: "treatment" }, deps).blobId;
  };
  const objectFile = (id: string): string => join(home, "blobs", id.slice(0, 2), `${id}.rv`);

  before(async () => {
    home = join(tempDir("again"), "home");
    deps = await vaultDeps(loadConfig({ RAYVAULT_HOME: home }));
    await addNode({ actor: "operator:test", name: "CT room 9", aeTitle: "CT09", tls: false, privateNetwork: false, inbound: true }, deps);
    receiver = dicomReceiver(deps, { aeTitle: "RAYVAULT" });
    const answer = await receiver.associate("CT09", "RAYVAULT");
    assert.ok("session" in answer);
    session = answer.session;
  });
  after(async () => {
    await deps.close();
  });

  it("indexes a resent instance once and leaves its stored object untouched", async () => {
    const file = ctSliceFile(95, 0);
    const sop = "1.2.826.0.1.3680043.10.1234.95.0";
    assert.equal((await session.store(incoming(file, sop))).status, StoreStatus.Success);
    await receiver.drain();
    const id = blobIdOf(file, sop);
    const stored = readFileSync(objectFile(id));
    const before = await deps.index.counts();
    assert.equal((await session.store(incoming(file, sop))).status, StoreStatus.Success, "acknowledged again");
    await receiver.drain();
    assert.deepEqual(await deps.index.counts(), before, "indexed once");
    assert.ok(readFileSync(objectFile(id)).equals(stored), "the stored object is the first one, byte for byte");
  });

  it("does not bring back a shredded object when the instance is sent again", async () => {
    const file = ctSliceFile(95, 1);
    const sop = "1.2.826.0.1.3680043.10.1234.95.1";
    assert.equal((await session.store(incoming(file, sop))).status, StoreStatus.Success);
    await receiver.drain();
    const id = blobIdOf(file, sop);
    await shredObject("operator:test", id, deps);
    await assert.rejects(deps.blobs.verify(id), /shredded|RV_|key/i);
    assert.equal((await session.store(incoming(file, sop))).status, StoreStatus.Success);
    await receiver.drain();
    await assert.rejects(deps.blobs.verify(id), /shredded|RV_|key/i, "still shredded");
  });

  it("stores only what its own association announced, and takes no fragment after the store", async () => {
    const other = await receiver.associate("CT09", "RAYVAULT");
    assert.ok("session" in other);
    const usage = (e: unknown): boolean => errorCodeOf(e) === ErrorCode.UsageInvalid;
    await assert.rejects(session.store(incoming(ctSliceFile(97, 0), "1.2.826.0.1.3680043.10.1234.97.0", other.session)), usage);
    const mine = incoming(ctSliceFile(97, 1), "1.2.826.0.1.3680043.10.1234.97.1");
    assert.equal((await session.store(mine)).status, StoreStatus.Success);
    assert.throws(() => mine.add(new Uint8Array(16)), usage);
  });

  it("refuses with 0xA700 once filing has failed and the held objects pass the bound", async () => {
    // The index failing as a database that went away does (fault injected into the real one).
    const failing = { ...deps, index: { ...deps.index, recordImports: () => Promise.reject(new Error("database unavailable")) } };
    const r = dicomReceiver(failing, { aeTitle: "RAYVAULT", queueBytes: 1 });
    const a = await r.associate("CT09", "RAYVAULT");
    assert.ok("session" in a);
    const first = await a.session.store(incoming(ctSliceFile(96, 0), "1.2.826.0.1.3680043.10.1234.96.0", a.session));
    assert.equal(first.status, StoreStatus.Success, "journalled: durable, filed later");
    await r.drain();
    const second = await a.session.store(incoming(ctSliceFile(96, 1), "1.2.826.0.1.3680043.10.1234.96.1", a.session));
    assert.equal(second.status, StoreStatus.OutOfResources);
    assert.match(second.comment ?? "", /RV_DATABASE_UNAVAILABLE/);
  });
});
