/**
 * @module bench/deid/inputs
 * The de-identification benchmark's input sets (A: X-rays, B: CT slices), generated with
 * test/fixtures/synthetic-dicom.ts and cached under bench/.work/deid/inputs with a manifest that records,
 * per file, its synthetic patient and the original UIDs read back from the bytes.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ctSliceFile, xrayFile } from "../../test/fixtures/synthetic-dicom.ts";

const GENERATOR = fileURLToPath(new URL("../../test/fixtures/synthetic-dicom.ts", import.meta.url));
/** Bump when the way sets are built here changes, so caches are rebuilt. */
const LAYOUT_VERSION = 1;

export interface SetSpec {
  readonly id: "xray" | "ct";
  readonly label: string;
  /** Files to generate: name, patient number, generator. */
  readonly files: () => { name: string; patient: number; make: () => Uint8Array }[];
}

export const SET_SPECS: readonly SetSpec[] = [
  {
    id: "xray",
    label: "A: 20 DX X-rays, 2048x2500 16-bit (xrayFile)",
    files: () =>
      Array.from({ length: 20 }, (_, n) => ({ name: `xray-${String(n).padStart(3, "0")}.dcm`, patient: n, make: () => xrayFile(n, 2048, 2500, "DX") })),
  },
  {
    id: "ct",
    label: "B: 200 CT slices, 4 series x 50, 512x512 16-bit (ctSliceFile)",
    files: () =>
      Array.from({ length: 4 }, (_, series) =>
        Array.from({ length: 50 }, (_, slice) => ({
          name: `ct-s${series}-${String(slice).padStart(3, "0")}.dcm`,
          patient: series,
          make: () => ctSliceFile(series, slice),
        })),
      ).flat(),
  },
];

export interface UidValue {
  readonly tag: string;
  readonly value: string;
}

export interface InputFileInfo {
  readonly name: string;
  readonly patient: number;
  readonly bytes: number;
  /** Original UIDs found in the file (SOP Instance, Study, Series, Frame of Reference). */
  readonly uids: readonly UidValue[];
}

export interface InputSet {
  readonly id: SetSpec["id"];
  readonly label: string;
  readonly dir: string;
  readonly files: readonly InputFileInfo[];
  readonly totalBytes: number;
  readonly reused: boolean;
  readonly generateS: number;
}

interface Manifest {
  readonly layout: number;
  readonly generatorSha256: string;
  readonly id: string;
  readonly files: InputFileInfo[];
}

const UID_TAGS: Record<number, string> = {
  0x00080018: "SOPInstanceUID",
  0x0020000d: "StudyInstanceUID",
  0x0020000e: "SeriesInstanceUID",
  0x00200052: "FrameOfReferenceUID",
};
const LONG_VRS = new Set(["OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"]);

/**
 * Reads the identifying UIDs of a generated file: a minimal walk over the top-level explicit-VR
 * little-endian elements (that is what the generator writes), independent of Rayvault's parser.
 */
export function originalUids(bytes: Uint8Array): UidValue[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: UidValue[] = [];
  let at = 132;
  while (at + 8 <= bytes.length) {
    const tag = ((view.getUint16(at, true) << 16) | view.getUint16(at + 2, true)) >>> 0;
    const vr = String.fromCharCode(bytes[at + 4] ?? 0, bytes[at + 5] ?? 0);
    let len: number;
    let body: number;
    if (LONG_VRS.has(vr)) {
      len = view.getUint32(at + 8, true);
      body = at + 12;
    } else {
      len = view.getUint16(at + 6, true);
      body = at + 8;
    }
    if (tag === 0x7fe00010 || len === 0xffffffff || body + len > bytes.length) break;
    const name = UID_TAGS[tag];
    if (name && vr === "UI") {
      const value = Buffer.from(bytes.subarray(body, body + len)).toString("latin1").replace(/[\0 ]+$/, "");
      out.push({ tag: name, value });
    }
    at = body + len;
  }
  return out;
}

function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

function readManifest(path: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Manifest;
  } catch {
    return undefined;
  }
}

/** Returns the set under `root/<id>`, reusing the cache when the generator and layout are unchanged. */
export function ensureInputSet(spec: SetSpec, root: string, regenerate: boolean): InputSet {
  const dir = join(root, spec.id);
  const manifestPath = join(root, `${spec.id}.manifest.json`);
  const generatorSha256 = sha256File(GENERATOR);
  const wanted = spec.files();
  const old = regenerate ? undefined : readManifest(manifestPath);
  const usable =
    old !== undefined &&
    old.layout === LAYOUT_VERSION &&
    old.generatorSha256 === generatorSha256 &&
    old.files.length === wanted.length &&
    old.files.every((f, i) => f.name === wanted[i]?.name && existsSync(join(dir, f.name)) && statSync(join(dir, f.name)).size === f.bytes);
  if (usable) {
    return { id: spec.id, label: spec.label, dir, files: old.files, totalBytes: old.files.reduce((a, f) => a + f.bytes, 0), reused: true, generateS: 0 };
  }
  const t0 = process.hrtime.bigint();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files: InputFileInfo[] = [];
  for (const w of wanted) {
    const bytes = w.make();
    writeFileSync(join(dir, w.name), bytes);
    files.push({ name: w.name, patient: w.patient, bytes: bytes.length, uids: originalUids(bytes) });
  }
  const manifest: Manifest = { layout: LAYOUT_VERSION, generatorSha256, id: spec.id, files };
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 1));
  const generateS = Number(process.hrtime.bigint() - t0) / 1e9;
  return { id: spec.id, label: spec.label, dir, files, totalBytes: files.reduce((a, f) => a + f.bytes, 0), reused: false, generateS };
}
