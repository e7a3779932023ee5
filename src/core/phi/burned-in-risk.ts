/**
 * @module core/phi/burned-in-risk
 * How likely an image is to carry text burned into its pixels: the BurnedInAnnotation header, the
 * modality and SOP class, and the CTP-derived device rules of pydicom/deid (deid.dicom). A header that
 * says "NO" never lowers the risk below what the rules and modality say. Pure.
 */
import RECIPES_JSON from "./burned-in-recipes.generated.json" with { type: "json" };

export const BurnedInLikelihood = { High: "high", Medium: "medium", Low: "low" } as const;
export type BurnedInLikelihood = (typeof BurnedInLikelihood)[keyof typeof BurnedInLikelihood];

/** A pixel region [x0, y0, x1, y1] a recipe says to blank. */
export type Region = readonly [number, number, number, number];

export interface BurnedInRisk {
  readonly likelihood: BurnedInLikelihood;
  readonly reasons: string[];
  readonly regions: Region[];
}

type Condition = {
  readonly op: "contains" | "notcontains" | "equals" | "notequals" | "missing" | "present" | "empty";
  readonly field: string;
  readonly value: string;
  /** `contains` patterns, compiled once when the recipe is parsed. */
  readonly re?: RegExp;
};
type Joined = { readonly join: "and" | "or" | "first"; readonly cond: Condition };

export interface Recipe {
  readonly filter: string;
  readonly label: string;
  readonly conditions: Joined[];
  readonly regions: Region[];
}

const FIELD_TYPOS: Readonly<Record<string, string>> = { Manfacturer: "Manufacturer", Manufacture: "Manufacturer" };

function parseCondition(text: string): Condition | undefined {
  const m = /^(contains|notcontains|equals|notequals|missing|present|empty)\s+(\S+)\s*(.*)$/.exec(text.trim());
  if (!m) return undefined;
  const value = (m[3] ?? "").trim();
  let re: RegExp;
  try {
    re = new RegExp(value, "i");
  } catch {
    re = new RegExp(value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "i");
  }
  return { op: m[1] as Condition["op"], field: FIELD_TYPOS[m[2]!] ?? m[2]!, value, re };
}

/** Parses the deid recipe format: %filter sections, LABEL blocks, conditions joined by + and ||. */
export function parseRecipes(text: string): Recipe[] {
  const recipes: Recipe[] = [];
  let filter = "";
  let current: { filter: string; label: string; conditions: Joined[]; regions: Region[] } | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\s+#.*$/, "").trim();
    if (line === "" || line.startsWith("#") || line.startsWith("FORMAT")) continue;
    if (line.startsWith("%filter")) {
      filter = line.slice("%filter".length).trim();
      continue;
    }
    if (line.startsWith("LABEL")) {
      current = { filter, label: line.slice(5).trim(), conditions: [], regions: [] };
      recipes.push(current);
      continue;
    }
    if (!current) continue;
    const coords = /^(ctpcoordinates|coordinates|keepcoordinates)\s+(.+)$/.exec(line);
    if (coords) {
      if (coords[1] === "keepcoordinates") continue;
      const n = coords[2]!.split(",").map((v) => Number.parseInt(v.trim(), 10));
      if (n.length === 4 && n.every(Number.isFinite)) {
        const [a, b, c, d] = n as [number, number, number, number];
        // ctpcoordinates are x,y,width,height; coordinates are x0,y0,x1,y1.
        current.regions.push(coords[1] === "ctpcoordinates" ? [a, b, a + c, b + d] : [a, b, c, d]);
      }
      continue;
    }
    let join: Joined["join"] = current.conditions.length === 0 ? "first" : "and";
    let rest = line;
    if (rest.startsWith("+")) {
      join = "and";
      rest = rest.slice(1);
    } else if (rest.startsWith("||")) {
      join = "or";
      rest = rest.slice(2);
    }
    const parts = rest.split("||");
    parts.forEach((part, i) => {
      const cond = parseCondition(part);
      if (cond) current?.conditions.push({ join: i === 0 ? join : "or", cond });
    });
  }
  return recipes;
}

let cached: Recipe[] | undefined;
export function builtInRecipes(): Recipe[] {
  cached ??= parseRecipes(RECIPES_JSON.recipes);
  return cached;
}

/** Header values by keyword (multi-valued joined with "\"). Undefined when the attribute is absent. */
export type HeaderLookup = (keyword: string) => string | undefined;

function test(cond: Condition, header: HeaderLookup): boolean {
  const v = header(cond.field);
  switch (cond.op) {
    case "missing":
      return v === undefined;
    case "present":
      return v !== undefined;
    case "empty":
      return v !== undefined && v.trim() === "";
    case "equals":
      return v !== undefined && v.trim().toLowerCase() === cond.value.toLowerCase();
    case "notequals":
      return v === undefined || v.trim().toLowerCase() !== cond.value.toLowerCase();
    case "contains":
    case "notcontains": {
      const hit = v !== undefined && (cond.re ? cond.re.test(v) : v.toLowerCase().includes(cond.value.toLowerCase()));
      return cond.op === "contains" ? hit : !hit;
    }
  }
}

export function recipeMatches(recipe: Recipe, header: HeaderLookup): boolean {
  let result = false;
  for (const { join, cond } of recipe.conditions) {
    const r = test(cond, header);
    result = join === "first" ? r : join === "and" ? result && r : result || r;
  }
  return recipe.conditions.length > 0 && result;
}

/** SOP classes that are screen or document captures: text is the norm, not the exception. */
const CAPTURE_SOP_PREFIXES = ["1.2.840.10008.5.1.4.1.1.7", "1.2.840.10008.5.1.4.1.1.104."];
const HIGH_MODALITIES = new Set(["US", "SC", "OT", "XC", "ES", "GM", "SM", "DOC", "IVUS"]);
/** Projection radiography: film labels, markers and names are often burned in. */
const XRAY_MODALITIES = new Set(["CR", "DX", "MG", "RF", "XA", "IO", "PX", "RG"]);

/** Every header field the built-in rules read, so equal headers (a CT series) share one assessment. */
const RISK_FIELDS = ["BurnedInAnnotation", "Modality", "SOPClassUID", "ImageType"];
const riskMemo = new Map<string, BurnedInRisk>();

/** assessBurnedInRisk over the built-in recipes, remembered for identical header values. */
let riskFields: string[] | undefined;

export function assessBurnedInRiskCached(header: HeaderLookup): BurnedInRisk {
  riskFields ??= [...new Set([...RISK_FIELDS, ...builtInRecipes().flatMap((r) => r.conditions.map((c) => c.cond.field))])];
  const key = JSON.stringify(riskFields.map((f) => header(f) ?? null));
  let risk = riskMemo.get(key);
  if (!risk) {
    risk = assessBurnedInRisk(header);
    if (riskMemo.size > 4096) riskMemo.clear();
    riskMemo.set(key, risk);
  }
  return { likelihood: risk.likelihood, reasons: [...risk.reasons], regions: [...risk.regions] };
}

export function assessBurnedInRisk(header: HeaderLookup, recipes: readonly Recipe[] = builtInRecipes()): BurnedInRisk {
  const reasons: string[] = [];
  const regions: Region[] = [];
  let level = 0;
  const raise = (to: number, why: string): void => {
    level = Math.max(level, to);
    reasons.push(why);
  };
  const flag = (header("BurnedInAnnotation") ?? "").trim().toUpperCase();
  if (flag === "YES") raise(2, "BurnedInAnnotation (0028,0301) is YES");
  const modality = (header("Modality") ?? "").trim().toUpperCase();
  const sop = (header("SOPClassUID") ?? "").trim();
  const imageType = (header("ImageType") ?? "").toUpperCase();
  if (CAPTURE_SOP_PREFIXES.some((p) => sop.startsWith(p))) raise(2, "SOP class is a secondary/screen capture");
  if (HIGH_MODALITIES.has(modality)) raise(2, `modality ${modality} usually carries burned-in text`);
  if (XRAY_MODALITIES.has(modality)) raise(1, `modality ${modality}: projection X-rays often carry burned-in labels`);
  if (/SCREEN SAVE|SECONDARY|DERIVED/.test(imageType)) raise(1, "ImageType marks a derived or screen-saved image");
  for (const recipe of recipes) {
    if (recipe.filter === "whitelist") continue; // whitelist rules would only lower the risk: never trusted
    if (!recipeMatches(recipe, header)) continue;
    if (recipe.regions.length > 0) {
      raise(2, `deid recipe "${recipe.label}" (${recipe.filter}) gives regions with text`);
      regions.push(...recipe.regions);
    } else {
      raise(1, `deid recipe "${recipe.label}" (${recipe.filter}) flags this device`);
    }
  }
  if (flag === "NO" && level > 0) reasons.push("BurnedInAnnotation says NO, which is not trusted against the rules above");
  if (level === 0) reasons.push(flag === "NO" ? "no rule flags this image (header says NO); only OCR can rule text out" : "no rule flags this image; only OCR can rule text out");
  return { likelihood: level === 2 ? "high" : level === 1 ? "medium" : "low", reasons, regions };
}
