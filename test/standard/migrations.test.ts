/** Migrations are schema-agnostic (no "public". qualifier), so RAYVAULT_DATABASE_SCHEMA works. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { MIGRATIONS_DIR } from "../../scripts/unqualify-migrations.ts";

describe("SQL migrations", () => {
  it("name no schema", () => {
    for (const name of readdirSync(MIGRATIONS_DIR).filter((n) => n.endsWith(".sql"))) {
      assert.equal(readFileSync(new URL(name, MIGRATIONS_DIR), "utf8").includes('"public".'), false, `${name}: run npm run db:generate`);
    }
  });
});
