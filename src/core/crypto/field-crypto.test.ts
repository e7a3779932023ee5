/** PHI column encryption and blind indexes; Python's cryptography opens our tokens from the description alone. */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { RayvaultError } from "../errors.ts";
import { REPO } from "../../../test/helpers/run-cli.ts";
import { blindIndex, decryptField, deriveFieldKeys, encryptField } from "./field-crypto.ts";

const master = new Uint8Array(randomBytes(32));
const keys = deriveFieldKeys(master);

describe("field encryption", () => {
  it("round-trips, with a fresh nonce each time", () => {
    const a = encryptField(keys, "patients.name", "KAUFMAN^SCOTT", randomBytes(12));
    const b = encryptField(keys, "patients.name", "KAUFMAN^SCOTT", randomBytes(12));
    assert.notEqual(a, b);
    assert.equal(a.includes("KAUFMAN"), false);
    assert.equal(decryptField(keys, "patients.name", a), "KAUFMAN^SCOTT");
    assert.equal(decryptField(keys, "patients.name", encryptField(keys, "patients.name", "Ñúñez 李", randomBytes(12))), "Ñúñez 李");
  });

  it("refuses a value moved to another column, altered, truncated, or under another key", () => {
    const t = encryptField(keys, "patients.mrn", "6774825273", randomBytes(12));
    assert.throws(() => decryptField(keys, "patients.name", t), RayvaultError);
    const raw = Buffer.from(t.slice(5), "base64url");
    raw[14]! ^= 1;
    assert.throws(() => decryptField(keys, "patients.mrn", `rvf1.${raw.toString("base64url")}`), RayvaultError);
    assert.throws(() => decryptField(keys, "patients.mrn", t.slice(0, 20)), RayvaultError);
    assert.throws(() => decryptField(deriveFieldKeys(new Uint8Array(randomBytes(32))), "patients.mrn", t), RayvaultError);
    assert.throws(() => decryptField(keys, "patients.mrn", "6774825273"), RayvaultError);
  });

  it("is opened by an independent implementation (Python cryptography: HKDF + AES-GCM)", { skip: spawnSync("/usr/bin/python3", ["-c", "import cryptography"]).status === 0 ? false : "python3-cryptography not installed" }, () => {
    const t = encryptField(keys, "patients.birth_date", "19580317", randomBytes(12));
    const r = spawnSync("/usr/bin/python3", [join(REPO, "test/helpers/field-decrypt.py"), Buffer.from(master).toString("hex"), "patients.birth_date", t], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), "19580317");
  });
});

describe("blind index", () => {
  it("matches equal values however they are written, and nothing else", () => {
    const i = (v: string): string => blindIndex(keys, "patients.name", v);
    assert.equal(i("Kaufman^Scott"), i("KAUFMAN  SCOTT "));
    assert.equal(i("Kaufman, Scott"), i("KAUFMAN^SCOTT"));
    assert.notEqual(i("Kaufman^Scot"), i("Kaufman^Scott"));
    assert.match(i("x"), /^[0-9a-f]{32}$/);
  });

  it("differs by column and by key, so it cannot be matched across them", () => {
    assert.notEqual(blindIndex(keys, "patients.name", "6774825273"), blindIndex(keys, "patients.mrn", "6774825273"));
    assert.notEqual(blindIndex(keys, "patients.mrn", "6774825273"), blindIndex(deriveFieldKeys(new Uint8Array(randomBytes(32))), "patients.mrn", "6774825273"));
  });
});
