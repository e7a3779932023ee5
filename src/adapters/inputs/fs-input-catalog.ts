/**
 * @module adapters/inputs/fs-input-catalog
 * The InputCatalog over the local filesystem: folders are walked (links not followed), zip archives
 * extracted under limits, gzip-wrapped files inflated, and every file is classified (DICOM, photo, text)
 * from its bytes, not its name. Each file keeps a path relative to its input root, for mirrored output.
 */
import { closeSync, existsSync, lstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { gunzipSync } from "node:zlib";
import { ErrorCode, RayvaultError } from "../../core/errors.ts";
import { sniffImageKind, type ImageKind } from "../../core/photo/image-segments.ts";
import { memorySource, type ClosableByteSource } from "../../ports/byte-source.ts";
import { InputKind, NO_SUCH_PATH, type CollectedInputs, type InputCatalog, type InputFile, type InputProblem } from "../../ports/input-catalog.ts";
import { extractZip, type ExtractedZip } from "../archive/zip-extract.ts";
import { openFileByteSource } from "../fs/file-byte-source.ts";

const MAX_GZIP_BYTES = 1024 ** 3;

function head(path: string, n: number): Uint8Array {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

function looksLikeText(b: Uint8Array): boolean {
  if (b.length === 0) return true;
  if (b.includes(0)) return false;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(b.length === 4096 ? b.subarray(0, 4090) : b);
    return true;
  } catch {
    return false;
  }
}

/** Classifies a file by its first bytes. */
export function classify(path: string): { kind: InputKind; imageKind?: ImageKind; zip?: boolean } {
  const b = head(path, 4096);
  if (b.length >= 132 && String.fromCharCode(...b.subarray(128, 132)) === "DICM") return { kind: InputKind.Dicom };
  if (b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04) return { kind: InputKind.Unknown, zip: true };
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return { kind: InputKind.Gzip };
  const image = sniffImageKind(b);
  if (image) return { kind: InputKind.Photo, imageKind: image };
  if (looksLikeText(b)) return { kind: InputKind.Text };
  // No preamble: a bare dataset is recognised by the DICOM parser itself (or refused there).
  return { kind: InputKind.Dicom };
}

function* walk(dir: string): Generator<string> {
  const names = readdirSync(dir).sort();
  for (const name of names) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isSymbolicLink()) continue; // never follow links out of the tree
    if (st.isDirectory()) yield* walk(p);
    else if (st.isFile()) yield p;
  }
}

async function collectInputs(paths: readonly string[]): Promise<CollectedInputs> {
  const files: InputFile[] = [];
  const problems: InputProblem[] = [];
  const extracted: ExtractedZip[] = [];
  const addFile = async (fsPath: string, displayPath: string, relPath: string): Promise<void> => {
    let c: ReturnType<typeof classify>;
    try {
      c = classify(fsPath);
    } catch {
      problems.push({ displayPath, code: ErrorCode.UnsupportedInput, message: "file cannot be read" });
      return;
    }
    if (c.zip) {
      try {
        const z = await extractZip(fsPath);
        extracted.push(z);
        const zipRoot = relPath.replace(/\.zip$/i, "");
        for (const f of z.files) await addFile(join(z.dir, f), `${displayPath}!/${f}`, join(zipRoot, f));
      } catch (e) {
        problems.push({ displayPath, code: e instanceof RayvaultError ? e.code : ErrorCode.ArchiveRejected, message: e instanceof RayvaultError ? e.message : "zip archive rejected" });
      }
      return;
    }
    files.push({ displayPath, fsPath, relPath, kind: c.kind, ...(c.imageKind ? { imageKind: c.imageKind } : {}) });
  };
  for (const p of paths) {
    if (!existsSync(p)) {
      problems.push({ displayPath: p, code: ErrorCode.UnsupportedInput, message: NO_SUCH_PATH });
      continue;
    }
    if (statSync(p).isDirectory()) {
      for (const f of walk(p)) await addFile(f, f, relative(p, f));
    } else {
      await addFile(p, p, basename(p));
    }
  }
  return {
    files,
    problems,
    dispose() {
      for (const z of extracted) z.dispose();
    },
  };
}

/** Inflates a gzip-wrapped file (e.g. a .dcm.gz) in memory, refusing anything over 1 GiB. */
export function gunzipFile(bytes: Uint8Array): Uint8Array {
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_GZIP_BYTES });
  } catch (cause) {
    const tooLarge = cause instanceof RangeError || (cause as { code?: string }).code === "ERR_BUFFER_TOO_LARGE";
    throw new RayvaultError(tooLarge ? ErrorCode.InputTooLarge : ErrorCode.UnsupportedInput, tooLarge ? "gzip data inflates past 1 GiB" : "gzip data is damaged or truncated", { cause });
  }
}

/** The filesystem InputCatalog. */
export const fsInputCatalog: InputCatalog = {
  collect: collectInputs,
  open(file: InputFile): ClosableByteSource {
    if (file.kind === InputKind.Gzip) return memorySource(gunzipFile(readFileSync(file.fsPath)));
    return openFileByteSource(file.fsPath);
  },
  readBytes: (file) => readFileSync(file.fsPath),
  exists: (fsPath) => existsSync(fsPath),
};
