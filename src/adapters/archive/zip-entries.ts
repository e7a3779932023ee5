/**
 * @module adapters/archive/zip-entries
 * ArchiveReader over yauzl, from a buffer: the packages it reads are our own (made by prepare-package),
 * held in the vault, so the limits are the package's; sizes are still validated against the headers.
 */
import yauzl from "yauzl";
import { ErrorCode, RayvaultError } from "../../core/errors.ts";
import type { ArchiveEntry, ArchiveReader } from "../../ports/archive-reader.ts";

const damaged = (cause: unknown): RayvaultError => new RayvaultError(ErrorCode.ArchiveRejected, "the package archive is damaged", { cause });

export function zipEntryReader(): ArchiveReader {
  return {
    entries: (bytes) =>
      new Promise<ArchiveEntry[]>((ok, fail) => {
        yauzl.fromBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { lazyEntries: true, validateEntrySizes: true }, (err, zip) => {
          if (err) return fail(damaged(err));
          const out: ArchiveEntry[] = [];
          zip.on("error", (e: Error) => fail(damaged(e)));
          zip.on("end", () => ok(out));
          zip.on("entry", (entry: yauzl.Entry) => {
            if (entry.fileName.endsWith("/")) return zip.readEntry();
            zip.openReadStream(entry, (e2, stream) => {
              if (e2) return fail(damaged(e2));
              const chunks: Buffer[] = [];
              stream.on("data", (c: Buffer) => chunks.push(c));
              stream.on("error", (e3) => fail(damaged(e3)));
              stream.on("end", () => {
                out.push({ name: entry.fileName, bytes: Buffer.concat(chunks) });
                zip.readEntry();
              });
            });
          });
          zip.readEntry();
        });
      }),
  };
}
