/**
 * How the receiver files what it acknowledged (the real vault: embedded database, blob store, spool).
 * Filing lingers so a group carries many instances; an association's end drains before its routing
 * runs, and that drain hurries only its own instances: another association sending meanwhile is still
 * filed in groups, not one transaction per instance. An instance is journalled before it is examined: one
 * the examination refuses is answered 0xC000 and its record is never filed, not even by a later recovery.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { addNode } from "../../src/app/manage-dicom.ts";
import { dicomReceiver, recoverReceived, StoreStatus, type ReceiverSession } from "../../src/app/receive-dicom.ts";
import { openFsReceiveSpool } from "../../src/adapters/spool/fs-receive-spool.ts";
import { vaultDeps, type VaultDeps } from "../../src/config/compose-vault.ts";
import { loadConfig } from "../../src/config/load-config.ts";
import { ctSliceFile } from "../fixtures/synthetic-dicom.ts";
import { arrive } from "../helpers/dicom-bytes.ts";
import { tempDir } from "../helpers/run-cli.ts";

const CT = "1.2.840.10008.5.1.4.1.1.2";

describe("filing received instances", () => {
  let deps: VaultDeps;
  /** The sizes of the groups the index was asked to record, in order (the real index records them). */
  const groups: number[] = [];
  /** While set, recording waits for it (a database slow to commit). */
  let gate: Promise<void> | undefined;
  /** For each routing run: how many instances the index held when it ran. */
  const routed: number[] = [];

  const store = async (session: ReceiverSession, series: number, slice: number): Promise<void> => {
    const r = await session.store(arrive(session, CT, `1.2.826.0.1.3680043.9.7433.5.${series}.${slice + 1}`, ctSliceFile(series, slice)));
    assert.equal(r.status, StoreStatus.Success);
  };

  let home = "";

  before(async () => {
    home = join(tempDir("filing"), "home");
    deps = await vaultDeps(loadConfig({ RAYVAULT_HOME: home }));
    await addNode({ actor: "operator:test", name: "CT room 4", aeTitle: "CT04", tls: false, privateNetwork: false, inbound: true }, deps);
    await addNode({ actor: "operator:test", name: "PACS", aeTitle: "PACS1", tls: false, privateNetwork: false, inbound: true }, deps);
    const recordImports = deps.index.recordImports.bind(deps.index);
    deps = {
      ...deps,
      index: {
        ...deps.index,
        recordImports: async (items) => {
          groups.push(items.length);
          await gate;
          return recordImports(items);
        },
      },
    };
  });
  after(async () => {
    await deps.close();
  });

  it("files another association's stream in groups while an ended one is drained for routing", async () => {
    const receiver = dicomReceiver(deps, {
      aeTitle: "RAYVAULT",
      route: async () => {
        routed.push((await deps.index.counts()).instances);
      },
    });
    const first = await receiver.associate("CT04", "RAYVAULT");
    const second = await receiver.associate("PACS1", "RAYVAULT");
    assert.ok("session" in first && "session" in second);
    await store(first.session, 81, 0);
    // The first association ends: its routing drains, which files its instance at once. That filing is
    // held in the database while the second association sends three instances.
    let release = (): void => undefined;
    gate = new Promise<void>((r) => (release = r));
    first.session.end(true);
    for (let slice = 0; slice < 3; slice++) await store(second.session, 82, slice);
    gate = undefined;
    release();
    // The stream goes on.
    for (let slice = 3; slice < 10; slice++) await store(second.session, 82, slice);
    await receiver.drain();

    assert.equal((await deps.index.counts()).instances, 11, "every acknowledged instance is indexed");
    assert.equal(groups.reduce((a, n) => a + n, 0), 11, "each filed once");
    assert.equal(groups[0], 1, "the ended association's instance, hurried");
    // Then filing lingers again, so the next group takes what arrives meanwhile. (Hurrying on until
    // the queue ran empty took the three waiting at once and went on in groups of 2–4 here, for as
    // long as the stream kept the queue from running empty; one instance per group in the benchmark.)
    assert.ok(groups[1]! > 3, `the next group lingered: ${groups.join(", ")}`);
    assert.equal(routed.length, 1, "the ended association's routing ran");
    assert.ok(routed[0]! >= 1, "after its instance was indexed");
  });

  it("drains what was acknowledged before the call, with filing lingering again after it", async () => {
    groups.length = 0;
    const receiver = dicomReceiver(deps, { aeTitle: "RAYVAULT" });
    const a = await receiver.associate("CT04", "RAYVAULT");
    assert.ok("session" in a);
    const before = (await deps.index.counts()).instances;
    await store(a.session, 83, 0);
    await receiver.drain();
    assert.equal((await deps.index.counts()).instances, before + 1, "filed when drain resolves");
    for (let slice = 1; slice < 6; slice++) await store(a.session, 83, slice);
    await receiver.drain();
    assert.equal((await deps.index.counts()).instances, before + 6);
    assert.equal(groups[0], 1, "the drained instance was filed without waiting for more");
  });

  it("answers 0xC000 to an instance the examination refuses, and never files its record, not even on recovery", async () => {
    const receiver = dicomReceiver(deps, { aeTitle: "RAYVAULT" });
    const a = await receiver.associate("CT04", "RAYVAULT");
    assert.ok("session" in a);
    const before = await deps.index.counts();
    // A data set with no SOP, study or series UID: journalled as it arrived, then refused by the examination.
    const odd = a.session.begin({ sopClassUid: CT, sopInstanceUid: "1.2.826.0.1.3680043.9.7433.5.85.1", transferSyntaxUid: "1.2.840.10008.1.2.1" });
    odd.add(new Uint8Array([0x08, 0x00, 0x60, 0x00, 0x43, 0x53, 0x02, 0x00, 0x43, 0x54]));
    const refused = await a.session.store(odd);
    assert.equal(refused.status, StoreStatus.CannotUnderstand);
    assert.match(refused.comment ?? "", /^RV_UNSUPPORTED_INPUT/);
    await store(a.session, 85, 1);
    await receiver.drain();
    const received = await deps.index.counts();
    assert.equal(received.instances, before.instances + 1, "the good instance only");
    // A process starting over this spool (as after a crash) reads both records: the refused instance is
    // examined again and refused again, the other is found filed. Nothing is indexed.
    const spool = openFsReceiveSpool(join(home, "spool"), deps.vaultKeys);
    assert.equal(await recoverReceived({ ...deps, spool }), 0);
    await spool.close();
    assert.deepEqual(await deps.index.counts(), received);
  });
});
