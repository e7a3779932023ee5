/**
 * @module app/output-names
 * Names for de-identified outputs: every path component that holds an identifier (a pattern, or a
 * name or id from the file's own header) is replaced by a keyed hash, stable across runs under the
 * same key; DICOMDIR File ID components stay valid File IDs. No I/O.
 */
import { createHmac, createSecretKey, type KeyObject } from "node:crypto";
import { findNamePhi, type KnownIdentifier } from "../core/phi/find-text-phi.ts";

export class OutputNames {
  readonly #key: KeyObject;

  constructor(key: Uint8Array) {
    this.#key = createSecretKey(key);
  }

  /** A keyed hash of a name, so an output name reveals nothing but stays stable across runs. */
  hashName(name: string, length: number): string {
    return createHmac("sha256", this.#key).update(name).digest("hex").slice(0, length);
  }

  /**
   * A relative output path with every component that holds identifiers replaced by a keyed hash; a file
   * name with identifiers becomes `<hash><ext>` (ext: ".dcm" or the photo's format).
   */
  safeRelPath(relPath: string, fileExt: string, known: readonly KnownIdentifier[] = []): string {
    const parts = relPath.split(/[\\/]+/).filter((p) => p !== "" && p !== ".");
    const cleaned = parts.map((p, i) => {
      if (p !== ".." && findNamePhi(p, known).length === 0) return p;
      return i === parts.length - 1 ? `${this.hashName(relPath, 16)}${fileExt}` : `x-${this.hashName(p, 12)}`;
    });
    return cleaned.join("/");
  }

  /**
   * A DICOMDIR Referenced File ID with every component that holds identifiers replaced by a keyed
   * hash that is still a valid File ID component (PS3.10 §8.2: up to 8 of A–Z, 0–9, _).
   */
  safeFileId(fileId: string, known: readonly KnownIdentifier[]): string {
    return fileId
      .split("/")
      .map((c) => (findNamePhi(c, known).length === 0 ? c : `X${this.hashName(c, 7).toUpperCase()}`))
      .join("/");
  }
}
