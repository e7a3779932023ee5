/** The checked-in tables are exactly what the generator makes from ../shared/data/reference (Fastify's integrity test). */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { generate, OUTPUTS, STANDARD_DIR } from "../../scripts/generate-standard-tables.ts";

const present = existsSync(fileURLToPath(STANDARD_DIR));

describe("generated standard tables", { skip: present ? false : "../shared/data/reference is absent: skipped" }, () => {
  it("match a fresh generation from the standard", () => {
    const fresh = generate();
    assert.equal(readFileSync(OUTPUTS.dictionary, "utf8"), fresh.dictionary, "run npm run gen:tables");
    assert.equal(readFileSync(OUTPUTS.profile, "utf8"), fresh.profile, "run npm run gen:tables");
    assert.equal(readFileSync(OUTPUTS.recipes, "utf8"), fresh.recipes, "run npm run gen:tables");
  });
});
