/**
 * Amounts and deadlines live only in dated data (src/core/policy/dated-rules.json, with source and
 * effective date), never as constants in code (../shared/rules/hipaa-rules.md §14, §17).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";

const SRC = new URL("../../src/", import.meta.url).pathname;

it("no penalty amount is written in TypeScript source", () => {
  const amounts = ["73011", "73,011", "2190294", "2,190,294", "71162", "2134831", "14602", "1461", "50000", "250000"];
  const files = readdirSync(SRC, { recursive: true }).map(String).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
  assert.ok(files.length > 50);
  for (const f of files) {
    const text = readFileSync(join(SRC, f), "utf8");
    for (const a of amounts) assert.equal(new RegExp(`\\$?\\b${a.replace(/,/g, ",")}\\b`).test(text), false, `${a} in ${f}`);
  }
});
