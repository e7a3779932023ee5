/** The pseudonym map: random and stable per patient, encrypted at rest, refuses a wrong key. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { RayvaultError } from "../../core/errors.ts";
import { nodeRandom } from "../random/node-random.ts";
import { tempDir } from "../../../test/helpers/run-cli.ts";
import { openFilePseudonymStore } from "./file-pseudonym-store.ts";

describe("file pseudonym store", () => {
  it("gives a random pseudonym once and the same one after reopening", () => {
    const home = tempDir("pseudo");
    const a = openFilePseudonymStore(home, nodeRandom);
    const p1 = a.pseudonymFor("id:\u0000MRN00471234");
    const p2 = a.pseudonymFor("id:\u0000MRN00471235");
    a.close();
    assert.match(p1.pseudonym, /^RV[A-Z2-9]{10}$/);
    assert.notEqual(p1.pseudonym, p2.pseudonym);
    assert.ok(p1.dateShiftDays < 0 && p1.dateShiftDays >= -1095);
    assert.ok(!p1.pseudonym.includes("471234"), "not derived from the MRN");
    const b = openFilePseudonymStore(home, nodeRandom);
    assert.deepEqual(b.pseudonymFor("id:\u0000MRN00471234"), p1);
    b.close();
  });

  it("keeps nothing in clear on disk, and the key file is private", () => {
    const home = tempDir("pseudo-disk");
    const s = openFilePseudonymStore(home, nodeRandom);
    s.pseudonymFor("id:\u0000MRN-SECRET-99");
    s.close();
    for (const dir of ["deid", "keys"]) {
      for (const f of readdirSync(join(home, dir))) {
        assert.equal(readFileSync(join(home, dir, f)).includes("MRN-SECRET-99"), false, f);
      }
    }
    assert.equal(readFileSync(join(home, "keys", "deid.key")).length > 40, true);
  });

  it("refuses a map that does not decrypt with its key", () => {
    const home = tempDir("pseudo-tamper");
    const s = openFilePseudonymStore(home, nodeRandom);
    s.pseudonymFor("id:\u0000X");
    s.close();
    const path = join(home, "deid", "pseudonyms.enc");
    const bytes = readFileSync(path);
    bytes[bytes.length - 20]! ^= 1;
    writeFileSync(path, bytes);
    assert.throws(() => openFilePseudonymStore(home, nodeRandom), (e: unknown) => e instanceof RayvaultError && e.code === "RV_STATE_CORRUPT");
  });
});
