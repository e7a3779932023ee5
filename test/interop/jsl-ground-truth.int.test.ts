/**
 * The JohnSnowLabs/TCIA pseudo-PHI X-rays: every header value their ground truth prints into the pixels
 * (name, patient id, birth date, study date, institution, age, sex) is found by `rayvault scan`.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { HAVE_SHARED_DATA, NO_SHARED_DATA_REASON, runCli, SHARED_DATA } from "../helpers/run-cli.ts";

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/** Ground-truth text → the header form: dates to YYYYMMDD, names without ^, upper case. */
function normalise(key: string, value: string): string {
  const v = value.trim();
  let m = /^(\d{4}) ([A-Za-z]{3}) (\d{1,2})$/.exec(v);
  if (m) return `${m[1]}${String(MONTHS.indexOf(m[2]!.toLowerCase()) + 1).padStart(2, "0")}${m[3]!.padStart(2, "0")}`;
  m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(v);
  if (m) return `${m[3]}${m[1]}${m[2]}`;
  if (key === "Age") return v.padStart(3, "0");
  return v.toUpperCase().replace(/\^/g, " ");
}

describe("scan finds the JSL ground-truth PHI in the headers", { skip: HAVE_SHARED_DATA ? false : NO_SHARED_DATA_REASON }, () => {
  const dir = join(SHARED_DATA, "dev/burned_in/jsl");
  const cases = HAVE_SHARED_DATA ? readdirSync(dir).filter((f) => f.endsWith(".json")) : [];
  const scan = HAVE_SHARED_DATA ? runCli(["scan", "--json", "--show-values", ...cases.map((c) => join(dir, c.replace(/\.json$/, ".dcm")))]) : undefined;
  const report = scan ? (JSON.parse(scan.stdout) as { files: Array<{ path: string; findings: Array<{ field: string; value: string }> }> }) : { files: [] };

  it("scans every file", () => {
    assert.equal(scan?.status, 0, scan?.stderr);
    assert.equal(report.files.length, cases.length);
  });

  it("finds every printed value among the header findings", () => {
    let checked = 0;
    for (const c of cases) {
      const gt = JSON.parse(readFileSync(join(dir, c), "utf8")) as { annotation: Array<{ key: { text: string }; value: { text: string } }> };
      const file = report.files.find((f) => f.path.endsWith(c.replace(/\.json$/, ".dcm")));
      assert.ok(file, c);
      const values = file.findings.map((f) => f.value.toUpperCase().replace(/\^/g, " ").trim());
      for (const a of gt.annotation) {
        if (a.value.text.trim() === "") continue;
        const want = normalise(a.key.text, a.value.text);
        assert.ok(values.some((v) => v === want || v.includes(want)), `${c}: ${a.key.text} not found`);
        checked++;
      }
    }
    assert.ok(checked >= 100, `only ${checked} values checked`);
  });
});
