/** PS3.15 action resolution: table rows, options, and the fail-closed rules for what the table omits. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RayvaultError } from "../errors.ts";
import { parseProfileOptions, PROFILE_TABLE, ProfileOption, resolveAction, type ProfileOption as Option } from "./profile.ts";

const act = (tag: number, vr: string, options: Option[] = [], extra: { privateCreator?: string; text?: string } = {}): string =>
  resolveAction({ tag, vr, options: new Set(options), ...extra }).action;

describe("resolveAction", () => {
  it("covers every row of Table E.1-1 with a concrete action", () => {
    assert.equal(PROFILE_TABLE.length, 621);
    for (const [id, , basic] of PROFILE_TABLE) {
      if (id === "private" || id.includes("x")) continue;
      const a = act(Number.parseInt(id, 16), "LO");
      assert.ok(["X", "Z", "D", "K", "C", "U"].includes(a), `${id} ${basic} -> ${a}`);
    }
  });

  it("applies the basic profile", () => {
    assert.equal(act(0x00100010, "PN"), "Z"); // Patient's Name
    assert.equal(act(0x00100020, "LO"), "D"); // Patient ID Z/D
    assert.equal(act(0x00080018, "UI"), "U"); // SOP Instance UID
    assert.equal(act(0x00081030, "LO"), "X"); // Study Description
    assert.equal(act(0x00081110, "SQ"), "X"); // Referenced Study Sequence X/Z: a sequence is dropped, not emptied
    assert.equal(act(0x00400555, "SQ"), "Z"); // Acquisition Context Sequence is Type 2 where it occurs
    assert.equal(act(0x60023000, "OW"), "X"); // Overlay Data in group 6002
  });

  it("applies options", () => {
    assert.equal(act(0x00080020, "DA", [ProfileOption.RetainLongitudinalFullDates]), "K");
    assert.equal(act(0x00080020, "DA", [ProfileOption.RetainLongitudinalModifiedDates]), "shift");
    assert.equal(act(0x00080018, "UI", [ProfileOption.RetainUids]), "K");
    assert.equal(act(0x00081030, "LO", [ProfileOption.CleanDescriptors]), "C");
    assert.equal(act(0x00101010, "AS", [ProfileOption.RetainPatientCharacteristics]), "K");
    assert.equal(act(0x00080080, "LO", [ProfileOption.RetainInstitutionIdentity]), "K");
  });

  it("fails closed on what the table does not list", () => {
    assert.equal(act(0x00291001, "LO"), "X"); // private
    assert.equal(act(0x00231234, "LO"), "X"); // even group, unknown to PS3.6
    assert.equal(act(0x00700081, "LO"), "D"); // free text not in the table
    assert.equal(act(0x60000022, "LO"), "D"); // overlay description
    assert.equal(act(0x00080070, "LO"), "K"); // reviewed structural text (Manufacturer)
    assert.equal(act(0x00080016, "UI", [], { text: "1.2.840.10008.5.1.4.1.1.1" }), "K"); // standard UID
    assert.equal(act(0x00081150, "UI", [], { text: "1.2.840.10008.5.1.4.1.1.2" }), "K"); // standard class UID kept
    assert.equal(act(0x00081150, "UI", [], { text: "1.2.3.4" }), "U"); // a private class UID is replaced
    assert.equal(act(0x00200052, "UI", [], { text: "1.3.6.1.4.1.5962.1" }), "U"); // Frame of Reference UID
  });

  it("keeps only safe private attributes under Retain Safe Private", () => {
    assert.equal(act(0x0019100c, "IS", [ProfileOption.RetainSafePrivate], { privateCreator: "SIEMENS MR HEADER" }), "K");
    assert.equal(act(0x0019100d, "CS", [ProfileOption.RetainSafePrivate], { privateCreator: "SIEMENS MR HEADER" }), "K");
    assert.equal(act(0x00191010, "LO", [ProfileOption.RetainSafePrivate], { privateCreator: "SIEMENS MR HEADER" }), "X");
    assert.equal(act(0x0019100c, "IS", [ProfileOption.RetainSafePrivate], { privateCreator: "ACME" }), "X");
  });

  it("refuses unknown and contradictory options", () => {
    assert.throws(() => parseProfileOptions(["retain-everything"]), RayvaultError);
    assert.throws(() => parseProfileOptions(["retain-longitudinal-full-dates", "retain-longitudinal-modified-dates"]), RayvaultError);
    assert.equal(parseProfileOptions(["clean-descriptors", "retain-uids"]).size, 2);
  });
});
