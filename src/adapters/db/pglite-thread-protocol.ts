/**
 * @module adapters/db/pglite-thread-protocol
 * The messages between the main thread and the embedded database's worker thread (pglite-thread and
 * pglite-thread-worker). Everything in them survives the structured clone: no functions, no classes.
 */

/**
 * What the worker is started with: a folder for a durable database (none for one in memory), and
 * PGlite's WebAssembly compiled once by the main thread (a module sent to a worker shares its code).
 */
export interface PgliteThreadData {
  readonly dir: string | undefined;
  readonly pgliteWasmModule: WebAssembly.Module;
  readonly initdbWasmModule: WebAssembly.Module;
}

/** One query: its text, its parameters, and the type OIDs whose values come back as PostgreSQL's text. */
export interface QuerySpec {
  readonly sql: string;
  readonly params: unknown[];
  readonly rowMode: "array" | "object";
  readonly rawTypes: number[];
}

export type PgliteThreadRequest =
  | { readonly op: "query"; readonly id: number; readonly txId?: number; readonly query: QuerySpec }
  | { readonly op: "begin"; readonly id: number; readonly txId: number }
  | { readonly op: "commit" | "rollback"; readonly id: number; readonly txId: number }
  | { readonly op: "fsyncs" | "close"; readonly id: number; readonly txId?: undefined };

/** A PostgreSQL error as plain fields (code, detail, constraint…), without the query's parameters. */
export interface SerializedDbError {
  readonly name: string;
  readonly message: string;
  readonly fields: Readonly<Record<string, string | number>>;
}

/** Id 0 answers the start: the database is open, or it could not be. */
export type PgliteThreadReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: SerializedDbError };
