/**
 * @module adapters/db/pglite-thread-worker
 * The worker thread that runs the embedded database (see pglite-thread for why and for the protocol).
 * It opens PGlite — durable on disk, or in memory — and answers the main thread's requests: queries
 * outside a transaction, and transactions held open across messages until the main thread commits or
 * rolls back. PGlite's own locks order them exactly as they would be ordered in the main thread.
 * Errors go back as plain fields picked from PostgreSQL's error (never the query's parameters).
 */
import { parentPort, workerData } from "node:worker_threads";
import { PGlite, type Results, type Transaction } from "@electric-sql/pglite";
import { hostFsyncs, openDurablePglite } from "./durable-pglite.ts";
import type { PgliteThreadData, PgliteThreadReply, PgliteThreadRequest, QuerySpec, SerializedDbError } from "./pglite-thread-protocol.ts";

const port = parentPort;
if (!port) throw new Error("pglite-thread-worker runs only as a worker thread");
const { dir, pgliteWasmModule, initdbWasmModule } = workerData as PgliteThreadData;

/**
 * The fields of a PostgreSQL error that go back: what failed and where, by name. `detail` and `where`
 * can quote values ("Key (name)=(…) already exists"), and PGlite adds the query's parameters to its
 * errors: those stay in this thread, so no value of a row reaches an error or a log.
 */
const ERROR_FIELDS = ["code", "severity", "hint", "position", "schema", "table", "column", "dataType", "constraint", "routine"] as const;

function serializeError(error: unknown): SerializedDbError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error), fields: {} };
  const fields: Record<string, string | number> = {};
  const source = error as unknown as Record<string, unknown>;
  for (const key of ERROR_FIELDS) {
    const value = source[key];
    if (typeof value === "string" || typeof value === "number") fields[key] = value;
  }
  return { name: error.name, message: error.message, fields };
}

const identity = (value: unknown): unknown => value;

function runQuery(target: PGlite | Transaction, spec: QuerySpec): Promise<Results> {
  const parsers = Object.fromEntries(spec.rawTypes.map((oid) => [oid, identity]));
  return target.query(spec.sql, spec.params, { rowMode: spec.rowMode, parsers });
}

function reply(message: PgliteThreadReply): void {
  port!.postMessage(message);
}

function answer(id: number, work: Promise<unknown>): void {
  work.then(
    (value) => reply({ id, ok: true, value }),
    (error: unknown) => reply({ id, ok: false, error: serializeError(error) }),
  );
}

/**
 * An open transaction: the PGlite transaction its queries run in, and how the main thread ends it. The
 * main thread waits for each answer before its next request, so queries go straight to `tx`.
 */
interface OpenTransaction {
  readonly tx: Transaction;
  readonly end: (how: "commit" | "rollback", id: number) => void;
}
const transactions = new Map<number, OpenTransaction>();

/** Runs one transaction: acknowledges BEGIN, then holds the database until the main thread ends it. */
function serveTransaction(pg: PGlite, beginId: number, txId: number): void {
  let endId = beginId;
  const done = pg.transaction(async (tx) => {
    const how = new Promise<"commit" | "rollback">((resolve) => {
      transactions.set(txId, { tx, end: (h, id) => { endId = id; resolve(h); } });
    });
    reply({ id: beginId, ok: true, value: null });
    if ((await how) === "rollback") await tx.rollback();
  });
  done.then(
    () => { transactions.delete(txId); reply({ id: endId, ok: true, value: null }); },
    (error: unknown) => {
      transactions.delete(txId);
      // A failed BEGIN answers the begin request; a failed COMMIT or ROLLBACK answers its own request.
      reply({ id: endId, ok: false, error: serializeError(error) });
    },
  );
}

async function main(): Promise<void> {
  let pg: PGlite;
  try {
    const modules = { pgliteWasmModule, initdbWasmModule };
    pg = dir === undefined ? new PGlite(modules) : openDurablePglite(dir, modules);
    await pg.waitReady;
  } catch (error) {
    reply({ id: 0, ok: false, error: serializeError(error) });
    return;
  }
  port!.on("message", (request: PgliteThreadRequest) => {
    if (request.txId !== undefined && request.op !== "begin") {
      const open = transactions.get(request.txId);
      if (!open) reply({ id: request.id, ok: false, error: serializeError(new Error("transaction is closed")) });
      else if (request.op === "query") answer(request.id, runQuery(open.tx, request.query));
      else open.end(request.op, request.id);
      return;
    }
    switch (request.op) {
      case "query": answer(request.id, runQuery(pg, request.query)); break;
      case "begin": serveTransaction(pg, request.id, request.txId); break;
      case "fsyncs": reply({ id: request.id, ok: true, value: hostFsyncs.count }); break;
      case "close":
        pg.close().then(
          () => { reply({ id: request.id, ok: true, value: null }); port!.close(); },
          (error: unknown) => reply({ id: request.id, ok: false, error: serializeError(error) }),
        );
        break;
      default: {
        const unknown = request as { id: number; op: unknown };
        reply({ id: unknown.id, ok: false, error: serializeError(new Error(`unknown request ${String(unknown.op)}`)) });
      }
    }
  });
  reply({ id: 0, ok: true, value: null });
}

await main();
