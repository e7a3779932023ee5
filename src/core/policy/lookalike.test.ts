/**
 * Look-alike addresses from real misdirection patterns: provider typos (gmial.com), transposed letters,
 * one-letter slips in a partner's domain, Cyrillic homoglyphs and punycode (IDN) domains; and the
 * addresses that must not be flagged (the directory's own, unrelated domains).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findLookalike, parseAddress } from "./lookalike.ts";
import { isValidNpi } from "./npi.ts";

const DIRECTORY = ["reading@stmarys-radiology.org", "dr.okafor@lakeside-ortho.com", "claims@bluecrossil.com", "patient.one@gmail.com"];

const CASES: ReadonlyArray<[address: string, similarTo: string, reason: string]> = [
  ["jane.doe@gmial.com", "gmail.com", "transposition"],
  ["jane.doe@hotmial.com", "hotmail.com", "provider-typo"],
  ["jane.doe@yahooo.com", "yahoo.com", "provider-typo"],
  ["jane.doe@outlok.com", "outlook.com", "provider-typo"],
  ["reading@stmarys-radiolgoy.org", "stmarys-radiology.org", "transposition"],
  ["reading@stmary-radiology.org", "stmarys-radiology.org", "edit-distance"],
  ["dr.okafor@lakeside-orhto.com", "lakeside-ortho.com", "transposition"],
  ["dr.okafor@lakesideortho.com", "lakeside-ortho.com", "edit-distance"],
  ["claims@bluecross1l.com", "bluecrossil.com", "edit-distance"],
  // Cyrillic о (U+043E) and а (U+0430) in place of Latin o and a.
  ["reading@stm\u0430rys-radi\u043elogy.org", "stmarys-radiology.org", "homoglyph"],
  // The same, written as the punycode a mail client shows.
  ["dr.okafor@xn--lakeside-rtho-q7k.com", "lakeside-ortho.com", "idn"],
  ["dr.okfor@lakeside-ortho.com", "dr.okafor@lakeside-ortho.com", "edit-distance"],
  ["dr.okaofr@lakeside-ortho.com", "dr.okafor@lakeside-ortho.com", "transposition"],
];

describe("findLookalike", () => {
  for (const [address, similarTo, reason] of CASES) {
    it(`flags ${address} as ${reason} of ${similarTo}`, () => {
      const f = findLookalike(address, DIRECTORY);
      assert.ok(f, `${address} not flagged`);
      assert.equal(f.similarTo, similarTo);
      assert.ok(f.reasons.includes(reason as never), f.reasons.join(","));
    });
  }

  it("flags a provider typo even when no directory entry uses that provider", () => {
    assert.deepEqual(findLookalike("jane.doe@gmial.com", ["reading@stmarys-radiology.org"]), { similarTo: "gmail.com", reasons: ["provider-typo"] });
    assert.deepEqual(findLookalike("jane.doe@iclod.com", []), { similarTo: "icloud.com", reasons: ["provider-typo"] });
  });

  it("does not flag the directory's own addresses, new addresses at known domains, or unrelated domains", () => {
    for (const a of [...DIRECTORY, "READING@StMarys-Radiology.org", "second.reader@stmarys-radiology.org", "x@mayo.edu", "intake@kaiserpermanente.org", "someone@gmail.com"]) {
      assert.equal(findLookalike(a, DIRECTORY), undefined, a);
    }
  });

  it("parses and refuses malformed addresses", () => {
    assert.equal(parseAddress("no-at-sign"), undefined);
    assert.equal(parseAddress("a@b"), undefined);
    assert.deepEqual(parseAddress("Dr.X@Example.ORG"), { local: "dr.x", domain: "example.org", asciiDomain: "example.org" });
  });
});

describe("isValidNpi", () => {
  it("accepts NPIs whose Luhn check digit over 80840 matches (CMS example 1234567893) and refuses others", () => {
    assert.equal(isValidNpi("1234567893"), true);
    for (const bad of ["1234567890", "123456789", "12345678931", "3234567893", "abcdefghij", ""]) assert.equal(isValidNpi(bad), false, bad);
  });
});
