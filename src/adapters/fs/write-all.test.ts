/**
 * writeAll and writeAllAsync on a real file: pieces (some empty, more than IOV_MAX of them) land in order,
 * whole, at the position given or at the file's offset, and the file holds exactly them.
 */
import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { writeAll, writeAllAsync } from "./write-all.ts";

const pieces = (): Uint8Array[] => Array.from({ length: 1500 }, (_, i) => (i % 7 === 0 ? new Uint8Array(0) : Buffer.alloc(1 + (i % 300), i % 251)));

describe("write-all", () => {
  for (const [name, write] of [["writeAll", async (fd: number, p: Uint8Array[], at?: number) => writeAll(fd, p, at)], ["writeAllAsync", writeAllAsync]] as const) {
    it(`${name} writes every piece in order, at the file's offset and at a position`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "rv-write-all-"));
      const p = pieces();
      const expected = Buffer.concat(p);
      const fd = openSync(join(dir, "a"), "w");
      await write(fd, p);
      await write(fd, [Buffer.from("tail")]);
      await write(fd, [Buffer.from("HEAD")], 0);
      closeSync(fd);
      const got = readFileSync(join(dir, "a"));
      assert.equal(got.length, expected.length + 4);
      assert.ok(got.subarray(4, expected.length).equals(expected.subarray(4)));
      assert.equal(got.subarray(0, 4).toString(), "HEAD");
      assert.equal(got.subarray(expected.length).toString(), "tail");
    });
  }
});
