/** Burned-in text risk: header flag, modality, SOP class and the CTP-derived deid recipes. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assessBurnedInRisk, builtInRecipes, parseRecipes, recipeMatches } from "./burned-in-risk.ts";

const header = (values: Record<string, string>) => (k: string): string | undefined => values[k];

describe("burned-in risk", () => {
  it("parses the vendored deid.dicom recipes", () => {
    const recipes = builtInRecipes();
    assert.ok(recipes.length >= 110);
    assert.ok(recipes.some((r) => r.regions.length > 0));
  });

  it("evaluates + and || left to right", () => {
    const [r] = parseRecipes("%filter graylist\nLABEL t\n  contains Modality CT\n  + contains ImageType LOCAL || contains SeriesDescription Localizer\n  coordinates 0,0,80,85\n");
    assert.ok(r);
    assert.equal(recipeMatches(r, header({ Modality: "CT", ImageType: "ORIGINAL\\LOCALIZER" })), true);
    assert.equal(recipeMatches(r, header({ Modality: "MR", ImageType: "ORIGINAL" })), false);
    assert.deepEqual(r.regions, [[0, 0, 80, 85]]);
  });

  it("never trusts a header that says NO when the rules say otherwise", () => {
    const risk = assessBurnedInRisk(header({ BurnedInAnnotation: "NO", Modality: "US" }));
    assert.equal(risk.likelihood, "high");
    assert.ok(risk.reasons.some((r) => /not trusted/.test(r)));
  });

  it("rates projection X-rays medium, screen captures high, plain CT low", () => {
    assert.equal(assessBurnedInRisk(header({ Modality: "DX" })).likelihood, "medium");
    assert.equal(assessBurnedInRisk(header({ Modality: "OT", SOPClassUID: "1.2.840.10008.5.1.4.1.1.7" })).likelihood, "high");
    assert.equal(assessBurnedInRisk(header({ Modality: "CT", Manufacturer: "ACME", ImageType: "ORIGINAL\\PRIMARY\\AXIAL" })).likelihood, "low");
    assert.equal(assessBurnedInRisk(header({ Modality: "CT", Manufacturer: "ACME" })).likelihood, "medium"); // blacklist: ImageType missing
    assert.equal(assessBurnedInRisk(header({ Modality: "CT", BurnedInAnnotation: "YES" })).likelihood, "high");
  });

  it("uses recipe regions for known devices", () => {
    const risk = assessBurnedInRisk(header({ Modality: "CT", ManufacturerModelName: "LightSpeed VCT", ImageType: "ORIGINAL\\SCREEN SAVE", Manufacturer: "GE" }));
    assert.equal(risk.likelihood, "high");
    assert.ok(risk.regions.length > 0);
  });
});
