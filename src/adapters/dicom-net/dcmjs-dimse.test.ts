/**
 * Our command-set encoder (core/dicom/command-set) against the DIMSE library's own: C-STORE and C-ECHO
 * responses with every status we send, odd- and even-length UIDs and an error comment encode to the same
 * bytes; a command with an element we do not encode is left to the library. dcmtk reads what we send in
 * the listener's tests (test/dicom).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodableCommand, encodeCommandSet } from "../../core/dicom/command-set.ts";
import { dimse, encodeOwnCommand } from "./dcmjs-dimse.ts";

function storeResponse(sopInstanceUid: string, messageId: number): InstanceType<typeof dimse.responses.CStoreResponse> {
  const ds = new dimse.Dataset({ SOPClassUID: "1.2.840.10008.5.1.4.1.1.2", SOPInstanceUID: sopInstanceUid }, "1.2.840.10008.1.2.1");
  const request = new dimse.requests.CStoreRequest(ds);
  request.setMessageId(messageId);
  return dimse.responses.CStoreResponse.fromRequest(request);
}

/** Runs `fn` counting the calls that reach the library's own command encoder. */
function libraryEncodes(fn: () => void): number {
  const proto = dimse.Dataset.prototype;
  const descriptor = Object.getOwnPropertyDescriptor(proto, "getDenaturalizedCommandDataset")!;
  const original = descriptor.value as (this: typeof proto, ...args: unknown[]) => Buffer;
  let calls = 0;
  Object.defineProperty(proto, "getDenaturalizedCommandDataset", {
    ...descriptor,
    value: function (this: typeof proto, ...args: unknown[]) {
      calls++;
      return original.apply(this, args);
    },
  });
  try {
    fn();
  } finally {
    Object.defineProperty(proto, "getDenaturalizedCommandDataset", descriptor);
  }
  return calls;
}

describe("own DIMSE command encoding", () => {
  it("encodes C-STORE responses byte for byte as the library does", () => {
    for (const uid of ["1.2.3.4", "1.2.3.45", "1.2.826.0.1.3680043.8.498.12345678901234567890123456789012345678"]) {
      for (const [status, comment] of [[0x0000, undefined], [0x0124, "not authorised"], [0xa700, "RV_DATABASE_UNAVAILABLE: the vault is behind"], [0xc000, "odd"]] as const) {
        const ours = encodeOwnCommand(storeResponse(uid, 7));
        const theirs = storeResponse(uid, 7);
        for (const r of [ours, theirs]) {
          r.setStatus(status);
          if (comment) r.setErrorComment(comment);
        }
        let a: Uint8Array = new Uint8Array();
        // Ours, not the library behind it: a success response (no Error Comment) once fell back unseen.
        assert.equal(libraryEncodes(() => (a = ours.getCommandDataset().getDenaturalizedCommandDataset())), 0, `uid ${uid}, status ${status.toString(16)}: encoded by the library`);
        const b = theirs.getCommandDataset().getDenaturalizedCommandDataset();
        assert.ok(Buffer.from(a).equals(Buffer.from(b)), `uid ${uid}, status ${status.toString(16)}`);
      }
    }
  });

  it("encodes a C-ECHO response as the library does", () => {
    const request = new dimse.requests.CEchoRequest();
    request.setMessageId(65535);
    const ours = encodeOwnCommand(dimse.responses.CEchoResponse.fromRequest(request));
    const theirs = dimse.responses.CEchoResponse.fromRequest(request);
    ours.setStatus(0);
    theirs.setStatus(0);
    let a: Uint8Array = new Uint8Array();
    assert.equal(libraryEncodes(() => (a = ours.getCommandDataset().getDenaturalizedCommandDataset())), 0, "encoded by the library");
    assert.ok(Buffer.from(a).equals(Buffer.from(theirs.getCommandDataset().getDenaturalizedCommandDataset())));
  });

  it("leaves a command with an element it does not know to the library", () => {
    assert.equal(encodableCommand({ Status: 0, NumberOfRemainingSuboperations: 3 }), false);
    const r = encodeOwnCommand(storeResponse("1.2.3", 1));
    // The typings take strings only; the library stores whatever it is given.
    const command = r.getCommandDataset() as unknown as { setElement(tag: string, value: number): void };
    command.setElement("NumberOfRemainingSuboperations", 3);
    let bytes = Buffer.alloc(0);
    assert.equal(libraryEncodes(() => (bytes = Buffer.from(r.getCommandDataset().getDenaturalizedCommandDataset()))), 1);
    assert.ok(bytes.includes(Buffer.from([0x00, 0x00, 0x20, 0x10])), "(0000,1020) written by the library");
  });

  it("puts Command Group Length first, with the length of what follows", () => {
    const bytes = Buffer.from(encodeCommandSet({ Status: 0, CommandField: 0x8001, AffectedSOPInstanceUID: "1.2.3" }));
    assert.equal(bytes.readUInt32LE(0), 0x00000000, "(0000,0000)");
    assert.equal(bytes.readUInt32LE(4), 4);
    assert.equal(bytes.readUInt32LE(8), bytes.length - 12);
    // In tag order: (0000,0100), (0000,0900), (0000,1000), the UID padded with a NUL to even length.
    assert.deepEqual([bytes.readUInt16LE(14), bytes.readUInt16LE(24), bytes.readUInt16LE(34)], [0x0100, 0x0900, 0x1000]);
    assert.equal(bytes.subarray(40).toString("latin1"), "1.2.3\u0000");
  });
});
