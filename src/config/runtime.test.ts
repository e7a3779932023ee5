/**
 * The server's V8 settings (config/runtime), measured in child processes: the same churn of memory
 * outside the JavaScript heap with and without them, counting full collections.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";

const churn = join(import.meta.dirname, "..", "..", "test", "fixtures", "external-churn.ts");
const majorCollections = (mode: "plain" | "tuned"): number => {
  const r = spawnSync(process.execPath, [churn, mode], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout.trim());
};

describe("the server's V8 settings", () => {
  it("memory churn outside the heap (received images) sets off far fewer full collections", () => {
    const plain = majorCollections("plain");
    const tuned = majorCollections("tuned");
    assert.ok(plain >= 3, `without the settings, 600 MB of churn sets off full collections (${plain})`);
    assert.ok(tuned <= plain / 3, `with them, a third as many at most: ${tuned} against ${plain}`);
  });
});
