/**
 * @module adapters/db/pglite-thread
 * The embedded database in its own thread. PGlite is PostgreSQL compiled to WebAssembly: run in the main
 * thread, every statement's planning, execution and commit fsync (durable-pglite) holds the event loop,
 * so the DICOM listener's acknowledgements and the HTTP server wait behind each transaction (a group of
 * 60 CT slices filed in one held the loop 30–50 ms). Here PGlite runs in a worker thread and this client
 * gives drizzle the part of PGlite's interface it uses — `query` and `transaction` — over messages.
 * PGlite's own `PGliteWorker` needs browser APIs (a web Worker, BroadcastChannel leader election) and
 * parses results on the calling thread; this does not.
 *
 * Semantics are PGlite's: a transaction holds the database until it ends; queries outside it wait.
 * Only the options drizzle passes are carried: the row mode, and parsers that keep a type's text as is
 * (timestamps, dates, intervals); any other option is refused rather than silently dropped. Errors come
 * back with PostgreSQL's fields (code, constraint…) but never the query's parameters. If the thread
 * dies, every pending and later call fails with RV_DATABASE_UNAVAILABLE.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Worker } from "node:worker_threads";
import type { PGlite, QueryOptions, Results, Transaction } from "@electric-sql/pglite";
import { ErrorCode, RayvaultError } from "../../core/errors.ts";
import type { PgliteThreadData, PgliteThreadReply, PgliteThreadRequest, QuerySpec, SerializedDbError } from "./pglite-thread-protocol.ts";

type Request = PgliteThreadRequest extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

/** The error a query failed with in the database thread, with PostgreSQL's fields (`code`, `constraint`…). */
export class EmbeddedDatabaseError extends Error {
  constructor(serialized: SerializedDbError) {
    super(serialized.message);
    this.name = serialized.name === "Error" ? "EmbeddedDatabaseError" : serialized.name;
    Object.assign(this, serialized.fields);
  }
}

/**
 * Probe for parsers: drizzle asks for some types' text unparsed, and only such a parser can cross the
 * threads. One that trims, changes case, or turns the text into a number or a date changes this.
 */
const PROBE = " 1999-12-31 23:59:59.999+00 | 1 year 2 mons ";

function querySpec(sql: string, params: unknown[] | undefined, options: QueryOptions | undefined): QuerySpec {
  const { rowMode = "object", parsers = {}, ...rest } = options ?? {};
  const unsupported = Object.keys(rest).filter((k) => (rest as Record<string, unknown>)[k] !== undefined);
  if (unsupported.length > 0) throw new RayvaultError(ErrorCode.UsageInvalid, `the embedded database thread does not carry query options: ${unsupported.join(", ")}`);
  const rawTypes: number[] = [];
  for (const [oid, parser] of Object.entries(parsers)) {
    const keep = parser as (value: string, typeId: number) => unknown;
    if (keep(PROBE, Number(oid)) !== PROBE) throw new RayvaultError(ErrorCode.UsageInvalid, `the embedded database thread carries only parsers that keep the text (type ${oid})`);
    rawTypes.push(Number(oid));
  }
  return { sql, params: params ?? [], rowMode, rawTypes };
}

/** The global WebAssembly object (the ES2024 lib the project targets declares its types, not the value). */
const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WebAssembly.Module> } }).WebAssembly;

/**
 * PGlite's WebAssembly (postgres and initdb), compiled once per process. Each worker is a V8 isolate of
 * its own: left to PGlite, every database opened would compile the 9 MB module again and tier it up
 * again in the background (measured: five databases opened in a row cost 28.9 s of CPU, and 19.4 s with
 * the module compiled once, as when PGlite ran in the main thread).
 */
let compiled: Promise<{ pgliteWasmModule: WebAssembly.Module; initdbWasmModule: WebAssembly.Module }> | undefined;
function compiledModules(): NonNullable<typeof compiled> {
  compiled ??= (async () => {
    const dist = dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite"));
    const [pgliteWasmModule, initdbWasmModule] = await Promise.all(["pglite.wasm", "initdb.wasm"].map(async (name) => wasm.compile(await readFile(join(dist, name)))));
    return { pgliteWasmModule: pgliteWasmModule!, initdbWasmModule: initdbWasmModule! };
  })();
  compiled.catch(() => (compiled = undefined));
  return compiled;
}

export class PgliteThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #nextId = 1;
  #nextTx = 1;
  #failure: Error | undefined;
  #closed = false;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on("message", (reply: PgliteThreadReply) => this.#settle(reply));
    worker.on("error", (cause: unknown) => this.#fail(new RayvaultError(ErrorCode.DatabaseUnavailable, "the embedded database thread failed", { cause })));
    worker.on("exit", (code: number) => this.#fail(new RayvaultError(ErrorCode.DatabaseUnavailable, `the embedded database thread exited (code ${code})`)));
  }

  /** Starts the thread and opens the database: durable in `dir`, or in memory when `dir` is undefined. */
  static async open(dir: string | undefined): Promise<PgliteThread> {
    const data: PgliteThreadData = { dir, ...(await compiledModules()) };
    const worker = new Worker(new URL("./pglite-thread-worker.ts", import.meta.url), { workerData: data });
    const thread = new PgliteThread(worker);
    try {
      await thread.#answerTo(0);
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    return thread;
  }

  /** What drizzle's PGlite driver needs of a PGlite instance. */
  asClient(): PGlite {
    return {
      query: <T>(sql: string, params?: unknown[], options?: QueryOptions) => this.#query<T>(sql, params, options, undefined),
      transaction: <T>(callback: (tx: Transaction) => Promise<T>) => this.#transaction(callback),
      close: () => this.close(),
    } as unknown as PGlite;
  }

  /** How many host fsyncs the durable database has made (tests check commits reach the disk). */
  hostFsyncs(): Promise<number> {
    return this.#request({ op: "fsyncs" }) as Promise<number>;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const exited = new Promise<void>((resolve) => this.#worker.once("exit", () => resolve()));
    try {
      await this.#request({ op: "close" });
    } finally {
      await Promise.race([exited, this.#worker.terminate().then(() => undefined)]);
    }
  }

  async #query<T>(sql: string, params: unknown[] | undefined, options: QueryOptions | undefined, txId: number | undefined): Promise<Results<T>> {
    const query = querySpec(sql, params, options);
    return (await this.#request(txId === undefined ? { op: "query", query } : { op: "query", query, txId })) as Results<T>;
  }

  async #transaction<T>(callback: (tx: Transaction) => Promise<T>): Promise<T> {
    const txId = this.#nextTx++;
    await this.#request({ op: "begin", txId });
    let closed = false;
    const isClosed = (): Promise<never> => Promise.reject(new RayvaultError(ErrorCode.UsageInvalid, "the transaction is closed"));
    const tx = {
      query: <R>(sql: string, params?: unknown[], options?: QueryOptions) => (closed ? isClosed() : this.#query<R>(sql, params, options, txId)),
      rollback: async () => {
        if (closed) return isClosed();
        closed = true;
        await this.#request({ op: "rollback", txId });
      },
      get closed() { return closed; },
    } as unknown as Transaction;
    let result: T;
    try {
      result = await callback(tx);
    } catch (error) {
      if (!closed) {
        closed = true;
        await this.#request({ op: "rollback", txId }).catch(() => undefined);
      }
      throw error;
    }
    if (!closed) {
      closed = true;
      await this.#request({ op: "commit", txId });
    }
    return result;
  }

  #request(request: Request): Promise<unknown> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    const answered = this.#answerTo(id);
    this.#worker.postMessage({ ...request, id });
    return answered;
  }

  #answerTo(id: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      // A thread with nothing pending must not keep the process alive, nor let it exit while one is.
      this.#worker.ref();
    });
  }

  #settle(reply: PgliteThreadReply): void {
    const waiter = this.#pending.get(reply.id);
    if (!waiter) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if (reply.ok) waiter.resolve(reply.value);
    else waiter.reject(new EmbeddedDatabaseError(reply.error));
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const waiter of this.#pending.values()) waiter.reject(this.#failure);
    this.#pending.clear();
  }
}
