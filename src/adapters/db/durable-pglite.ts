/**
 * @module adapters/db/durable-pglite
 * PGlite made durable. Out of the box PGlite starts PostgreSQL with `-F` (fsync off), and the Emscripten
 * filesystem it mounts on the host (NODEFS) has no fsync operation, so a commit reaches the OS page cache
 * but not the disk: it survives a killed process, not a power cut or a kernel crash. Here PostgreSQL
 * starts with fsync on and `wal_sync_method=fsync` (Emscripten's fdatasync is a no-op, its fsync calls the
 * filesystem's), and NODEFS gets an fsync that calls the host's fsync(2). A commit returns once its WAL is
 * on the disk, as on a PostgreSQL server. If the PGlite build no longer exposes NODEFS, opening fails
 * instead of silently running without durability.
 */
import { fsyncSync } from "node:fs";
import { PGlite, type PGliteOptions } from "@electric-sql/pglite";
import { NodeFS } from "@electric-sql/pglite/nodefs";

/** PGlite's own start parameters (0.5.x `defaultStartParams`) without `-F`, plus WAL flushed by fsync. */
const DURABLE_START_PARAMS = [
  "--single", "-O", "-j",
  "-c", "search_path=public",
  "-c", "exit_on_error=false",
  "-c", "log_checkpoints=false",
  "-c", "max_worker_processes=0",
  "-c", "max_parallel_workers=0",
  "-c", "max_parallel_workers_per_gather=0",
  "-c", "io_method=sync",
  "-c", "max_parallel_maintenance_workers=0",
  "-c", "fsync=on",
  "-c", "wal_sync_method=fsync",
];

interface NodeFsStream { readonly nfd?: number }
interface EmscriptenModule { NODEFS?: { stream_ops?: { fsync?: (stream: NodeFsStream) => number } } }
type InitResult = Awaited<ReturnType<NodeFS["init"]>>;

/** Counts the host fsyncs PostgreSQL asked for, so tests can see commits reach the disk. */
export const hostFsyncs = { count: 0 };

class DurableNodeFS extends NodeFS {
  override async init(pg: PGlite, opts: Parameters<NodeFS["init"]>[1]): Promise<InitResult> {
    const base = await super.init(pg, opts);
    const addFsync = (module: EmscriptenModule): void => {
      const ops = module.NODEFS?.stream_ops;
      if (!ops) throw new Error("this PGlite build does not expose NODEFS: cannot make the embedded database durable");
      ops.fsync = (stream) => {
        // A stream without a host file cannot be made durable: report EIO (5) so PostgreSQL stops.
        if (stream.nfd === undefined) return 5;
        fsyncSync(stream.nfd);
        hostFsyncs.count++;
        return 0;
      };
    };
    const preRun = [...((base.emscriptenOpts.preRun as unknown[] | undefined) ?? []), addFsync];
    return { ...base, emscriptenOpts: { ...base.emscriptenOpts, preRun } } as InitResult;
  }
}

/**
 * Opens (creating if needed) a PGlite database in `dir` whose commits are durable; `modules` are
 * PGlite's WebAssembly, compiled already (pglite-thread compiles them once per process).
 */
export function openDurablePglite(dir: string, modules: Pick<PGliteOptions, "pgliteWasmModule" | "initdbWasmModule"> = {}): PGlite {
  return new PGlite({ fs: new DurableNodeFS(dir), startParams: DURABLE_START_PARAMS, ...modules });
}
