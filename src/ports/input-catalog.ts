/**
 * @module ports/input-catalog
 * The files a user hands over: walked, extracted and classified by an adapter, read through this port.
 * Use-cases never touch the filesystem themselves.
 */
import type { ImageKind } from "../core/photo/image-segments.ts";
import type { ClosableByteSource } from "./byte-source.ts";

export const InputKind = { Dicom: "dicom", Photo: "photo", Text: "text", Gzip: "gzip", Unknown: "unknown" } as const;
export type InputKind = (typeof InputKind)[keyof typeof InputKind];

export interface InputFile {
  /** What the user sees: the path given, or "archive.zip!/entry". */
  readonly displayPath: string;
  /** Where the bytes are now (maybe inside a temporary extraction folder). */
  readonly fsPath: string;
  /** Path relative to its input root, used to mirror the layout under --out. */
  readonly relPath: string;
  readonly kind: InputKind;
  readonly imageKind?: ImageKind;
}

export interface InputProblem {
  readonly displayPath: string;
  readonly code: string;
  readonly message: string;
}

/** The message for a path that does not exist (the CLI turns it into exit code 1). */
export const NO_SUCH_PATH = "no such file or folder";

export interface CollectedInputs {
  readonly files: InputFile[];
  readonly problems: InputProblem[];
  /** Removes temporary extractions. */
  dispose(): void;
}

export interface InputCatalog {
  collect(paths: readonly string[]): Promise<CollectedInputs>;
  /** The bytes of a DICOM input as a random-access source (gzip-wrapped inputs inflated). */
  open(file: InputFile): ClosableByteSource;
  /** A whole (small) input in memory: photos, text. */
  readBytes(file: InputFile): Uint8Array;
  /** Whether a path (e.g. a DICOMDIR's referenced file) exists. */
  exists(fsPath: string): boolean;
}
