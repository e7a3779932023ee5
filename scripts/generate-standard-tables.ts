/**
 * @module scripts/generate-standard-tables
 * Generates the checked-in DICOM tables from the machine-readable standard (innolitics/dicom-standard,
 * DICOM 2024b, MIT): the PS3.6 data dictionary and PS3.15 Table E.1-1 (Basic Profile and its options).
 * `npm run gen:tables` rewrites them; test/standard/generated-tables.test.ts fails when they drift.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const STANDARD_DIR = new URL("../../shared/data/reference/innolitics-dicom-standard/", import.meta.url);
const DICTIONARY_OUT = new URL("../src/core/dicom/dictionary.generated.json", import.meta.url);
const PROFILE_OUT = new URL("../src/core/deid/profile-table.generated.json", import.meta.url);
export const RECIPES_DIR = new URL("../../shared/data/reference/deid-recipes/", import.meta.url);
const RECIPES_OUT = new URL("../src/core/phi/burned-in-recipes.generated.json", import.meta.url);

export function renderRecipes(text: string): string {
  return `${JSON.stringify(
    {
      _generated: "by scripts/generate-standard-tables.ts from pydicom/deid deid/data/deid.dicom (MIT; CTP-derived rules by Vanessa Sochat, Susan Weber and the CTP authors). Do not edit.",
      recipes: text,
    },
    null,
    1,
  )}\n`;
}

interface AttributeRow {
  id: string;
  keyword: string;
  valueRepresentation: string;
  retired: string;
}

interface ProfileRow {
  id: string;
  tag: string;
  name: string;
  basicProfile: string;
  [option: string]: string;
}

const OPTION_COLUMNS = [
  "rtnSafePrivOpt",
  "rtnUIDsOpt",
  "rtnDevIdOpt",
  "rtnInstIdOpt",
  "rtnPatCharsOpt",
  "rtnLongFullDatesOpt",
  "rtnLongModifDatesOpt",
  "cleanDescOpt",
  "cleanStructContOpt",
  "cleanGraphOpt",
] as const;

function firstVr(vr: string): string {
  const m = /^[A-Z]{2}/.exec(vr);
  return m ? m[0] : "UN";
}

export function renderDictionary(rows: AttributeRow[]): string {
  const lines = rows
    .filter((r) => r.keyword !== "")
    .map((r) => {
      const ambiguous = r.valueRepresentation.includes(" or ") ? "?" : "";
      return `${r.id.toLowerCase()} ${firstVr(r.valueRepresentation)}${ambiguous} ${r.keyword}${r.retired === "Y" ? " R" : ""}`;
    })
    .sort();
  return `${JSON.stringify(
    {
      _generated:
        "by scripts/generate-standard-tables.ts from innolitics/dicom-standard attributes.json (PS3.6, DICOM 2024b). Do not edit. One entry a line: tag (x = any hex digit), VR (? = the standard allows several; the first is given), keyword, R when retired.",
      entries: lines,
    },
    null,
    0,
  ).replace(/","/g, '",\n"')}\n`;
}

export function renderProfileTable(rows: ProfileRow[]): string {
  const out = rows.map((r) => {
    const tag = r.id.toLowerCase();
    const options: Record<string, string> = {};
    for (const col of OPTION_COLUMNS) {
      const v = r[col];
      if (v !== undefined) options[col] = v;
    }
    const pattern = r.tag.startsWith("(GGGG") ? "private" : tag;
    return JSON.stringify([pattern, r.name, r.basicProfile, options]);
  });
  const header = JSON.stringify(
    `by scripts/generate-standard-tables.ts from innolitics/dicom-standard confidentiality_profile_attributes.json: PS3.15 Table E.1-1 (DICOM 2024b), ${rows.length} rows. Do not edit. Columns: tag pattern (x = any hex digit; "private" = the odd-group row), name, Basic Profile action, option columns.`,
  );
  return `{"_generated": ${header},\n"rows": [\n${out.join(",\n")}\n]}
`;
}

export function generate(standardDir: URL = STANDARD_DIR, recipesDir: URL = RECIPES_DIR): { dictionary: string; profile: string; recipes: string } {
  const attributes = JSON.parse(readFileSync(new URL("attributes.json", standardDir), "utf8")) as AttributeRow[];
  const profile = JSON.parse(
    readFileSync(new URL("confidentiality_profile_attributes.json", standardDir), "utf8"),
  ) as ProfileRow[];
  const recipes = readFileSync(new URL("deid.dicom", recipesDir), "utf8");
  return { dictionary: renderDictionary(attributes), profile: renderProfileTable(profile), recipes: renderRecipes(recipes) };
}

export const OUTPUTS = { dictionary: DICTIONARY_OUT, profile: PROFILE_OUT, recipes: RECIPES_OUT };

if (import.meta.main) {
  const { dictionary, profile, recipes } = generate();
  writeFileSync(DICTIONARY_OUT, dictionary);
  writeFileSync(PROFILE_OUT, profile);
  writeFileSync(RECIPES_OUT, recipes);
  process.stdout.write(`wrote ${join("src/core/dicom", "dictionary.generated.json")}, src/core/deid/profile-table.generated.json, src/core/phi/burned-in-recipes.generated.json\n`);
}
