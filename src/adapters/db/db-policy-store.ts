/**
 * @module adapters/db/db-policy-store
 * The PolicyStore in the database: the directory and disclosure records, each write in a transaction
 * with its audit record (no change without its record).
 */
import { and, asc, eq, isNull, type SQL } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import type { PolicyStore, PolicyTable } from "../../ports/policy-store.ts";
import { appendAuditIn } from "./db-audit-log.ts";
import type { Db } from "./open-database.ts";
import { accessRequests, agreements, authorizations, disclosureReviews, incidents, patientSignins, recipientAddresses, recipientKeys, recipients, restrictions } from "./schema.ts";

const TABLES = {
  recipients, addresses: recipientAddresses, keys: recipientKeys, agreements, authorizations, restrictions, accessRequests, reviews: disclosureReviews, incidents, patientSignins,
} as const;

/** The columns of a table by property name (drizzle tables expose them as properties). */
type Columns = Record<string, Parameters<typeof eq>[0]>;
const columnsOf = (t: PolicyTable): Columns => TABLES[t] as unknown as Columns;
const tableOf = (t: PolicyTable): PgTable => TABLES[t];
/** Each table's first column is its "createdAt"-like time for ordering; ids order otherwise. */
const ORDER: Record<PolicyTable, string> = {
  recipients: "createdAt", addresses: "createdAt", keys: "createdAt", agreements: "effectiveAt", authorizations: "createdAt",
  restrictions: "agreedAt", accessRequests: "receivedAt", reviews: "requestedAt", incidents: "createdAt", patientSignins: "createdAt",
};

export function dbPolicyStore(db: Db): PolicyStore {
  const updateIf: PolicyStore["updateIf"] = (table, id, expected, patch, audit) => {
    const cols = columnsOf(table);
    const conds: SQL[] = [eq(cols["id"]!, id), ...Object.entries(expected).map(([k, v]) => {
      const c = cols[k];
      if (!c) throw new Error(`no column ${k} in ${table}`);
      return v === null ? isNull(c) : eq(c, v);
    })];
    return db.transaction(async (tx) => {
      const done = await tx.update(tableOf(table)).set(patch as never).where(and(...conds)).returning();
      if (done.length === 0) return false;
      await appendAuditIn(tx, audit);
      return true;
    });
  };
  return {
    insert(table, row, audit) {
      return db.transaction(async (tx) => {
        await tx.insert(tableOf(table)).values(row as never);
        await appendAuditIn(tx, audit);
      });
    },
    update: (table, id, patch, audit) => updateIf(table, id, {}, patch, audit),
    updateIf,
    async get(table, id) {
      const [row] = await db.select().from(tableOf(table)).where(eq(columnsOf(table)["id"]!, id)).limit(1);
      return row as never;
    },
    async find(table, where) {
      const cols = columnsOf(table);
      const conds: SQL[] = Object.entries(where).map(([k, v]) => {
        const c = cols[k];
        if (!c) throw new Error(`no column ${k} in ${table}`);
        return eq(c, v as string);
      });
      const rows = await db.select().from(tableOf(table)).where(conds.length > 0 ? and(...conds) : undefined).orderBy(asc(cols[ORDER[table]]!));
      return rows as never;
    },
  };
}
