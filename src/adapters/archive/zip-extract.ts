/**
 * @module adapters/archive/zip-extract
 * Extracts a zip archive into a private temporary folder with limits: entry count, total and per-entry
 * size, compression ratio (zip bombs), and entry names that would leave the folder (`..`, absolute).
 * Any breach rejects the whole archive before anything is used.
 */
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { Transform } from "node:stream";
import type yauzl from "yauzl";
import { ErrorCode, RayvaultError } from "../../core/errors.ts";

export interface ZipLimits {
  readonly maxEntries: number;
  readonly maxTotalBytes: number;
  readonly maxEntryBytes: number;
  /** Largest uncompressed/compressed ratio accepted for entries over 1 MiB. */
  readonly maxRatio: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntries: 20_000,
  maxTotalBytes: 4 * 1024 ** 3,
  maxEntryBytes: 2 * 1024 ** 3,
  maxRatio: 200,
};

export interface ExtractedZip {
  readonly dir: string;
  /** Relative paths of the extracted files, in archive order. */
  readonly files: string[];
  dispose(): void;
}

function reject(message: string, cause?: unknown): RayvaultError {
  return new RayvaultError(ErrorCode.ArchiveRejected, message, cause === undefined ? undefined : { cause });
}

export async function extractZip(path: string, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<ExtractedZip> {
  const dir = mkdtempSync(join(tmpdir(), "rayvault-zip-"));
  const dispose = (): void => rmSync(dir, { recursive: true, force: true });
  const files: string[] = [];
  try {
    const { default: yauzlLib } = await import("yauzl");
    const zip = await new Promise<yauzl.ZipFile>((ok, fail) =>
      yauzlLib.open(path, { lazyEntries: true, autoClose: true, validateEntrySizes: true, strictFileNames: false }, (err, z) => (err ? fail(reject("not a readable zip archive", err)) : ok(z))),
    );
    let total = 0;
    let count = 0;
    await new Promise<void>((ok, fail) => {
      zip.on("error", (err: Error) => fail(/invalid relative path|absolute path/i.test(err.message) ? new RayvaultError(ErrorCode.UnsafePath, "zip entry path leaves the archive folder") : reject("zip archive is damaged", err)));
      zip.on("end", () => ok());
      zip.on("entry", (entry: yauzl.Entry) => {
        void (async () => {
          count++;
          if (count > limits.maxEntries) throw reject(`zip has more than ${limits.maxEntries} entries`);
          const name = entry.fileName;
          if (name.includes("\\") || name.startsWith("/") || name.split("/").includes("..")) {
            throw new RayvaultError(ErrorCode.UnsafePath, "zip entry path leaves the archive folder");
          }
          if (name.endsWith("/")) return;
          if (entry.uncompressedSize > limits.maxEntryBytes) throw reject("zip entry larger than the per-entry limit");
          if (entry.uncompressedSize > 1024 * 1024 && entry.uncompressedSize / Math.max(1, entry.compressedSize) > limits.maxRatio) {
            throw reject("zip entry compression ratio looks like a zip bomb");
          }
          total += entry.uncompressedSize;
          if (total > limits.maxTotalBytes) throw reject("zip expands past the total size limit");
          const target = resolve(dir, name);
          if (!target.startsWith(dir + sep)) throw new RayvaultError(ErrorCode.UnsafePath, "zip entry path leaves the archive folder");
          mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
          const stream = await new Promise<NodeJS.ReadableStream>((ok2, fail2) => zip.openReadStream(entry, (err, s) => (err ? fail2(reject("zip entry unreadable", err)) : ok2(s))));
          let seen = 0;
          const guard = new Transform({
            transform(chunk: Buffer, _enc, cb) {
              seen += chunk.length;
              if (seen > entry.uncompressedSize) cb(reject("zip entry inflates past its declared size"));
              else cb(null, chunk);
            },
          });
          await pipeline(stream, guard, createWriteStream(target, { mode: 0o600 }));
          files.push(name);
        })().then(() => zip.readEntry(), (e: unknown) => {
          zip.close();
          fail(e instanceof Error ? e : reject("zip archive is damaged"));
        });
      });
      zip.readEntry();
    });
    return { dir, files, dispose };
  } catch (e) {
    dispose();
    throw e instanceof RayvaultError ? e : reject("zip archive is damaged", e);
  }
}
