/**
 * @module adapters/db/db-audit-log
 * The AuditLog in the database: an append takes a transaction-scoped advisory lock, reads the last
 * record, chains the new one to it and inserts it, so concurrent writers (threads or processes) form one
 * unbroken chain. Inside an action's transaction (appendAuditIn) the record commits with the action.
 * Stand-alone appends are group-committed: the ones that arrive while a commit is in flight go into the
 * next transaction together, and each caller's promise resolves only once its record is durable.
 */
import { desc, lt, lte, sql } from "drizzle-orm";
import { chainRecord, GENESIS, type AuditEvent, type AuditOutcome, type AuditRecord, type ChainStart, type Checkpoint } from "../../core/audit/audit-chain.ts";
import type { AuditLog } from "../../ports/audit-log.ts";
import type { Db } from "./open-database.ts";
import { auditAnchors, auditCheckpoints, auditRecords } from "./schema.ts";

/** Advisory lock key reserved for the audit chain ("RVAU"). */
const AUDIT_LOCK = 0x52564155;

type Row = typeof auditRecords.$inferSelect;

function toRecord(r: Row): AuditRecord {
  return { ...r, outcome: r.outcome as AuditOutcome };
}

/** A transaction (or the database itself) to write in. */
type Tx = Pick<Db, "execute" | "select" | "insert">;

/** The chain's start: the anchor of the last prune, or the genesis. */
async function chainStart(tx: Pick<Db, "select">): Promise<ChainStart> {
  const [a] = await tx.select().from(auditAnchors).orderBy(desc(auditAnchors.treeSize)).limit(1);
  return a ? { seq: a.treeSize, hash: a.head } : GENESIS;
}

/**
 * Appends one record inside the caller's transaction: it commits or rolls back with the action it
 * records. The advisory lock is held until that transaction ends, so appends never interleave.
 */
export async function appendAuditIn(tx: Tx, event: AuditEvent): Promise<AuditRecord> {
  const [record] = await appendAuditsIn(tx, [event]);
  return record!;
}

/** Several records, chained in order, inside the caller's transaction (one lock, one read, one insert). */
export async function appendAuditsIn(tx: Tx, events: readonly AuditEvent[]): Promise<AuditRecord[]> {
  if (events.length === 0) return [];
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK})`);
  const [last] = await tx.select().from(auditRecords).orderBy(desc(auditRecords.seq)).limit(1);
  // With no stored record the chain continues from its start (record 1, or the anchor of a prune).
  let prev: Pick<AuditRecord, "seq" | "hash"> | undefined = last ?? (await chainStart(tx));
  if (prev.seq === 0) prev = undefined;
  const out: AuditRecord[] = [];
  for (const event of events) {
    const record = chainRecord(prev, event);
    out.push(record);
    prev = record;
  }
  await tx.insert(auditRecords).values(out.map((r) => ({ ...r, objects: [...r.objects] })));
  return out;
}

interface Pending {
  readonly event: AuditEvent;
  readonly resolve: (r: AuditRecord) => void;
  readonly reject: (e: unknown) => void;
}

export function dbAuditLog(db: Db): AuditLog {
  let queue: Pending[] = [];
  let flushing = false;
  const flush = async (): Promise<void> => {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        const records = await db.transaction((tx) => appendAuditsIn(tx, batch.map((p) => p.event)));
        batch.forEach((p, i) => p.resolve(records[i]!));
      } catch (e) {
        for (const p of batch) p.reject(e);
      }
    }
    flushing = false;
  };
  return {
    append(event: AuditEvent) {
      return new Promise<AuditRecord>((resolve, reject) => {
        queue.push({ event, resolve, reject });
        // Start the commit on the next turn of the event loop, so the appends made in this turn (the
        // writers woken by the previous commit) share it instead of the first one going alone.
        if (!flushing) {
          flushing = true;
          setImmediate(() => void flush());
        }
      });
    },
    async all() {
      const rows = await db.select().from(auditRecords).orderBy(auditRecords.seq);
      return rows.map(toRecord);
    },
    async recent(limit) {
      const rows = await db.select().from(auditRecords).orderBy(desc(auditRecords.seq)).limit(limit);
      return rows.map(toRecord);
    },
    start: () => chainStart(db),
    prune(anchor, at, event) {
      return db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK})`);
        await tx.insert(auditAnchors).values({ treeSize: anchor.treeSize, head: anchor.head, prunedAt: at });
        await tx.delete(auditRecords).where(lte(auditRecords.seq, anchor.treeSize));
        await tx.delete(auditCheckpoints).where(lt(auditCheckpoints.treeSize, anchor.treeSize));
        const [record] = await appendAuditsIn(tx, [event]);
        return record!;
      });
    },
    async saveCheckpoint(c: Checkpoint) {
      await db.insert(auditCheckpoints).values(c).onConflictDoNothing({ target: auditCheckpoints.treeSize });
    },
    async checkpoints() {
      return db.select().from(auditCheckpoints).orderBy(auditCheckpoints.treeSize);
    },
  };
}
