/**
 * @module adapters/db/schema
 * The one database schema, for the embedded PGlite default and a PostgreSQL server alike (kept to
 * PostgreSQL 15 features). Migrations in ./migrations are generated from it by drizzle-kit
 * (`npm run db:generate`). Rows hold references and hashes; PHI columns arrive encrypted with #3.
 */
import { bigint, boolean, jsonb, pgTable, text } from "drizzle-orm/pg-core";

/** The tamper-evident audit log (core/audit/audit-chain): one row per record, chained by hash. */
export const auditRecords = pgTable("audit_records", {
  seq: bigint("seq", { mode: "number" }).primaryKey(),
  time: text("time").notNull(),
  actor: text("actor").notNull(),
  action: text("action").notNull(),
  objects: jsonb("objects").$type<string[]>().notNull(),
  purpose: text("purpose").notNull(),
  outcome: text("outcome").notNull(),
  prevHash: text("prev_hash").notNull(),
  hash: text("hash").notNull(),
});

/** Signed Merkle checkpoints over the audit log. */
export const auditCheckpoints = pgTable("audit_checkpoints", {
  treeSize: bigint("tree_size", { mode: "number" }).primaryKey(),
  root: text("root").notNull(),
  head: text("head").notNull(),
  time: text("time").notNull(),
  keyId: text("key_id").notNull(),
  signature: text("signature").notNull(),
});

/** Stored vault objects: where the encrypted bytes are, and what they must decrypt to. */
export const blobs = pgTable("blobs", {
  id: text("id").primaryKey(),
  keyId: text("key_id").notNull(),
  size: bigint("size", { mode: "number" }).notNull(),
  sha256: text("sha256").notNull(),
  shredded: boolean("shredded").notNull().default(false),
});
