/**
 * piecesSource reads like memorySource over the same bytes joined, whatever the split (empty pieces,
 * one-byte pieces, reads inside a piece and across several), and hands its pieces over in order; a read
 * outside its bytes is an error.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { memorySource, piecesSource } from "./byte-source.ts";

describe("piecesSource", () => {
  it("reads every range as the joined bytes do", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), fc.array(fc.nat(300), { maxLength: 12 }), fc.array(fc.tuple(fc.nat(300), fc.nat(300)), { maxLength: 20 }), (bytes, cuts, reads) => {
        const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const pieces = [0, ...at, bytes.length].slice(1).map((end, i, ends) => bytes.subarray(i === 0 ? 0 : ends[i - 1]!, end));
        pieces.splice(1, 0, new Uint8Array(0));
        const ours = piecesSource(pieces);
        const joined = memorySource(bytes);
        assert.equal(ours.size, bytes.length);
        assert.deepEqual(Buffer.concat(ours.pieces ?? []), Buffer.from(bytes));
        for (const [o, l] of reads) {
          if (bytes.length === 0) continue;
          const offset = o % bytes.length;
          const length = l % (bytes.length - offset + 1);
          assert.deepEqual(Buffer.from(ours.read(offset, length)), Buffer.from(joined.read(offset, length)), `read(${offset}, ${length})`);
        }
      }),
    );
  });

  it("refuses a read outside its bytes instead of returning fewer", () => {
    const s = piecesSource([Buffer.from("abc"), Buffer.from("de")]);
    assert.throws(() => s.read(3, 3), RangeError);
    assert.throws(() => s.read(-1, 1), RangeError);
    assert.throws(() => piecesSource([]).read(0, 1), RangeError);
    assert.equal(Buffer.from(s.read(2, 3)).toString(), "cde");
  });
});
