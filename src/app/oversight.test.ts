import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { maskValue } from "./browse-studies.ts";
import { accountingCsv } from "./oversight.ts";

describe("accounting CSV", () => {
  it("quotes separators and neutralises spreadsheet formulas", () => {
    const csv = accountingCsv([
      { date: "2026-11-25", recipient: "Dr. Reader, Partner Hospital", description: "imaging study", purpose: "treatment", citation: "164.506(c)(2)", accountable: false },
      { date: "2026-11-26", recipient: "=HYPERLINK(\"x\")", description: "say \"hi\"", purpose: "public-health", citation: "164.512(b)", accountable: true },
    ]);
    const lines = csv.split("\r\n");
    assert.equal(lines[0], "Date,Recipient,Description,Purpose,Rule,Accountable");
    assert.equal(lines[1], '2026-11-25,"Dr. Reader, Partner Hospital",imaging study,treatment,164.506(c)(2),no (exempt)');
    assert.equal(lines[2], '2026-11-26,"\'=HYPERLINK(""x"")","say ""hi""",public-health,164.512(b),yes');
    assert.equal(lines[3], "");
  });
});

describe("masked values in the PHI report", () => {
  it("shows the first character and the length, never the value", () => {
    assert.equal(maskValue("KAUFMAN^SCOTT"), "K•••••••••••• (13 characters)");
    assert.equal(maskValue("AB"), "••");
    assert.equal(maskValue("  "), "(empty)");
    assert.equal(maskValue("X".repeat(40)).includes("X".repeat(2)), false);
  });
});
