/**
 * The pooled CSPRNG: every request gets the length it asked for, as its own copy, and no bytes are
 * handed out twice — across pool refills, with sizes that do not divide the pool, and past the pooled
 * maximum.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nodeRandom } from "./node-random.ts";

describe("node random", () => {
  it("never hands out the same bytes twice, across refills and uneven sizes", () => {
    const seen = new Set<string>();
    // 12-byte nonces do not divide 4096: refills leave a remainder, which must not be served again.
    for (let i = 0; i < 5000; i++) {
      const n = nodeRandom.bytes(12);
      assert.equal(n.length, 12);
      const hex = Buffer.from(n).toString("hex");
      assert.ok(!seen.has(hex), `nonce ${i} repeated`);
      seen.add(hex);
    }
    for (const size of [1, 7, 16, 255, 256, 257, 4096, 70_000]) {
      const a = nodeRandom.bytes(size);
      const b = nodeRandom.bytes(size);
      assert.equal(a.length, size);
      if (size >= 7) assert.notDeepEqual(a, b, `two draws of ${size} bytes`);
    }
  });

  it("returns copies: changing one result changes nothing handed out later", () => {
    const a = nodeRandom.bytes(32);
    const kept = Buffer.from(a);
    a.fill(0);
    const b = nodeRandom.bytes(32);
    assert.equal(Buffer.from(b).equals(Buffer.alloc(32)), false);
    assert.equal(a.buffer === b.buffer, false, "not views of one pool");
    assert.equal(kept.equals(Buffer.alloc(32)), false);
  });
});
