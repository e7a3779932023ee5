/**
 * @module adapters/blob-store/fs-blob-store
 * The BlobStore on a local filesystem: `<root>/<aa>/<id>.rv` in the vault envelope format. A put streams
 * through the encryptor into `<id>.rv.tmp-<pid>-<n>`, fsyncs, then renames, so a crash leaves no partial
 * object (leftover temporaries are ignored and removed when the store opens). A deferred put renames
 * without the fsync; `sync` then flushes a batch of objects and their folders, two at a time, so a batch
 * shares the journal's commits instead of costing a flush per object (the caller indexes them only
 * after). Reads stream through the decryptor and stop at the first segment that fails authentication.
 */
import { createHash, createSecretKey, type KeyObject } from "node:crypto";
import { closeSync, existsSync, fsync, fsyncSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, writeSync } from "node:fs";
import { promisify } from "node:util";
import { join } from "node:path";
import { ErrorCode, RayvaultError } from "../../core/errors.ts";
import {
  FIXED_HEADER_LENGTH, HEADER_LENGTH, parseHeader, rewrapKeyBlock, shreddedKeyBlock, VaultDecryptor, VaultEncryptor,
} from "../../core/crypto/vault-envelope.ts";
import type { BlobStore } from "../../ports/blob-store.ts";
import type { KeyStore } from "../../ports/key-store.ts";
import type { RandomSource } from "../../ports/random.ts";
import { syncDir } from "../fs/sync-dir.ts";
import { writeAll, writeAllAsync } from "../fs/write-all.ts";

const READ = 1024 * 1024;
const fsyncAsync = promisify(fsync);

function checkId(id: string): void {
  if (!/^[A-Za-z0-9._-]{8,128}$/.test(id) || id.includes("..")) throw new RayvaultError(ErrorCode.UsageInvalid, "blob id must be 8–128 characters of A–Z, a–z, 0–9, '.', '_', '-'");
}

/**
 * How many flushes `sync` runs at once. The thread pool has four threads, and the receive spool's
 * flush, which a C-STORE's acknowledgement waits for, is a job in it too: when every object of a filed
 * group (up to 128) and its folders were flushed at once, that flush queued behind them (measured over
 * 200 CT slices: the acknowledgements waited 478–621 ms on the spool in all, 313–434 ms with one or two
 * at a time). Two at a time still share the journal's commits.
 */
const SYNC_CONCURRENCY = 2;

export function openFsBlobStore(root: string, keys: KeyStore, random: RandomSource): BlobStore {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  let counter = 0;
  const pathOf = (id: string): string => join(root, id.slice(0, 2), `${id}.rv`);
  // Remove temporaries left by a crash: they were never renamed, so no object refers to them.
  for (const dir of readdirSync(root)) {
    for (const name of readdirSync(join(root, dir))) if (name.includes(".rv.tmp-")) rmSync(join(root, dir, name), { force: true });
  }

  /** A decryptor for an object's header, under the master key it names. */
  const decryptor = (header: ReturnType<typeof parseHeader>): VaultDecryptor => new VaultDecryptor(header, keys.get(header.keyId).key);

  async function* decrypt(id: string, hash?: ReturnType<typeof createHash>): AsyncGenerator<Uint8Array> {
    checkId(id);
    const path = pathOf(id);
    if (!existsSync(path)) throw new RayvaultError(ErrorCode.NotFound, `no blob ${id}`);
    const fd = openSync(path, "r");
    try {
      const head = Buffer.alloc(HEADER_LENGTH);
      if (readSync(fd, head, 0, HEADER_LENGTH, 0) !== HEADER_LENGTH) throw new RayvaultError(ErrorCode.VaultCorrupt, "vault object shorter than its header");
      const dec = decryptor(parseHeader(head));
      const buf = Buffer.alloc(READ);
      let pos = HEADER_LENGTH;
      for (;;) {
        const n = readSync(fd, buf, 0, READ, pos);
        if (n === 0) break;
        pos += n;
        for (const plain of dec.push(buf.subarray(0, n))) {
          hash?.update(plain);
          yield plain;
        }
      }
      const last = dec.finish();
      hash?.update(last);
      yield last;
    } finally {
      closeSync(fd);
    }
  }

  const rewriteKeyBlock = (id: string, block: Uint8Array): void => {
    const fd = openSync(pathOf(id), "r+");
    try {
      writeSync(fd, block, 0, block.length, FIXED_HEADER_LENGTH);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  };

  const readHeader = (id: string): ReturnType<typeof parseHeader> => {
    checkId(id);
    const fd = openSync(pathOf(id), "r");
    try {
      const head = Buffer.alloc(HEADER_LENGTH);
      readSync(fd, head, 0, HEADER_LENGTH, 0);
      return parseHeader(head);
    } finally {
      closeSync(fd);
    }
  };

  /** The current master key as a key object (prepared once, not for every object), until it rotates (a new id). */
  let prepared: { readonly id: string; readonly key: KeyObject } | undefined;
  /** A new object's encryptor: a fresh data key wrapped under the current master key. */
  const encryptor = (): { readonly enc: VaultEncryptor; readonly keyId: string } => {
    const master = keys.current();
    if (prepared?.id !== master.id) prepared = { id: master.id, key: createSecretKey(master.key) };
    return { enc: new VaultEncryptor({ masterKey: prepared.key, keyId: master.id, dataKey: random.bytes(32), noncePrefix: random.bytes(7) }), keyId: master.id };
  };

  /** Writes `<id>.rv` through a temporary: fsynced and its folder flushed unless `deferSync`; removed on failure. */
  const writeAtomically = async (id: string, options: { readonly deferSync?: boolean } | undefined, fill: (fd: number) => void | Promise<void>): Promise<void> => {
    checkId(id);
    const final = pathOf(id);
    mkdirSync(join(root, id.slice(0, 2)), { recursive: true, mode: 0o700 });
    const tmp = `${final}.tmp-${process.pid}-${++counter}`;
    const fd = openSync(tmp, "wx", 0o600);
    try {
      await fill(fd);
      if (options?.deferSync !== true) fsyncSync(fd);
      closeSync(fd);
      renameSync(tmp, final);
      if (options?.deferSync !== true) syncDir(join(root, id.slice(0, 2)));
    } catch (e) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
      rmSync(tmp, { force: true });
      throw e;
    }
  };

  const store: BlobStore = {
    async put(id, plaintext, options) {
      const { enc, keyId } = encryptor();
      const hash = createHash("sha256");
      let size = 0;
      await writeAtomically(id, options, async (fd) => {
        writeAll(fd, enc.header);
        for await (const chunk of plaintext) {
          hash.update(chunk);
          size += chunk.length;
          writeAll(fd, enc.push(chunk));
        }
        writeAll(fd, enc.finish());
      });
      return { id, keyId, size, sha256: hash.digest("hex") };
    },
    seal(plaintext, sha256) {
      const { enc, keyId } = encryptor();
      const size = plaintext instanceof Uint8Array ? plaintext.length : plaintext.reduce((a, p) => a + p.length, 0);
      return { keyId, size, sha256, pieces: [enc.header, ...enc.sealAll(plaintext)] };
    },
    async putSealed(id, sealed, options) {
      // In the thread pool: a sealed object is filed in the background (app/receive-dicom) while the event
      // loop answers the next C-STORE.
      await writeAtomically(id, options, (fd) => writeAllAsync(fd, sealed.pieces));
      return { id, keyId: sealed.keyId, size: sealed.size, sha256: sealed.sha256 };
    },
    unseal(envelope) {
      const dec = decryptor(parseHeader(envelope));
      const parts = dec.push(envelope.subarray(HEADER_LENGTH));
      parts.push(dec.finish());
      return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    },
    async sync(ids) {
      // Opened here (a quick system call), flushed in the thread pool: one hop each, so the flushes do
      // not wait for the event loop between an open, a sync and a close.
      const flush = async (path: string): Promise<void> => {
        const fd = openSync(path, "r");
        try {
          await fsyncAsync(fd);
        } finally {
          closeSync(fd);
        }
      };
      ids.forEach(checkId);
      // The objects and their folders (for the renames, already done), SYNC_CONCURRENCY at a time:
      // concurrent fsyncs share the filesystem journal's commits. Durable when all have returned,
      // whatever their order.
      const paths = [...ids.map((id) => pathOf(id)), ...new Set(ids.map((id) => join(root, id.slice(0, 2))))];
      let next = 0;
      const flusher = async (): Promise<void> => {
        while (next < paths.length) await flush(paths[next++]!);
      };
      await Promise.all(Array.from({ length: Math.min(SYNC_CONCURRENCY, paths.length) }, flusher));
    },
    get: (id) => decrypt(id),
    async verify(id) {
      checkId(id);
      if (!existsSync(pathOf(id))) throw new RayvaultError(ErrorCode.NotFound, "no such object in the vault");
      const hash = createHash("sha256");
      let size = 0;
      for await (const part of decrypt(id, hash)) size += part.length;
      return { id, keyId: readHeader(id).keyId, size, sha256: hash.digest("hex") };
    },
    async rewrap(id) {
      const header = readHeader(id);
      const next = keys.current();
      if (header.keyId !== next.id) rewriteKeyBlock(id, rewrapKeyBlock(header, keys.get(header.keyId).key, next.key, next.id));
      return store.verify(id);
    },
    shred(id) {
      const header = readHeader(id);
      rewriteKeyBlock(id, shreddedKeyBlock(header.keyId));
      return Promise.resolve();
    },
    async *list(prefix) {
      // Objects are filed by the first two characters of their id: a prefix reads one folder.
      const dirs = prefix && prefix.length >= 2 ? [prefix.slice(0, 2)].filter((d) => existsSync(join(root, d))) : readdirSync(root).sort();
      for (const dir of dirs) {
        for (const name of readdirSync(join(root, dir)).sort()) if (name.endsWith(".rv") && (!prefix || name.startsWith(prefix))) yield name.slice(0, -3);
      }
    },
    async remove(ids) {
      ids.forEach(checkId);
      for (const id of ids) rmSync(pathOf(id), { force: true });
      for (const dir of new Set(ids.map((id) => join(root, id.slice(0, 2))))) if (existsSync(dir)) syncDir(dir);
    },
  };
  return store;
}
