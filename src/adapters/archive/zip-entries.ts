/**
 * @module adapters/archive/zip-entries
 * ArchiveReader over yauzl, from a buffer: the packages it reads are our own (made by prepare-package),
 * held in the vault; entry sizes are still validated against the headers. Only the entry asked for is
 * read; the others are skipped.
 */
import yauzl from "yauzl";
import { ErrorCode, RayvaultError } from "../../core/errors.ts";
import type { ArchiveReader } from "../../ports/archive-reader.ts";

const damaged = (cause: unknown): RayvaultError => new RayvaultError(ErrorCode.ArchiveRejected, "the package archive is damaged", { cause });

/**
 * Walks the file entries in order; `visit` returns the bytes wanted from an entry (true: read it and
 * stop) or false to go on. Resolves with the entry read, or undefined after the last.
 */
function walk(bytes: Uint8Array, visit: (name: string) => boolean): Promise<Uint8Array | undefined> {
  return new Promise((ok, fail) => {
    yauzl.fromBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { lazyEntries: true, validateEntrySizes: true }, (err, zip) => {
      if (err) return fail(damaged(err));
      zip.on("error", (e: Error) => fail(damaged(e)));
      zip.on("end", () => ok(undefined));
      zip.on("entry", (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith("/") || !visit(entry.fileName)) return zip.readEntry();
        zip.openReadStream(entry, (e2, stream) => {
          if (e2) return fail(damaged(e2));
          const chunks: Buffer[] = [];
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("error", (e3) => fail(damaged(e3)));
          stream.on("end", () => {
            ok(Buffer.concat(chunks));
            zip.close();
          });
        });
      });
      zip.readEntry();
    });
  });
}

export function zipEntryReader(): ArchiveReader {
  return {
    async names(zip) {
      const names: string[] = [];
      await walk(zip, (name) => {
        names.push(name);
        return false;
      });
      return names;
    },
    async read(zip, name) {
      const found = await walk(zip, (n) => n === name);
      if (!found) throw new RayvaultError(ErrorCode.NotFound, "no such file in the package");
      return found;
    },
  };
}
