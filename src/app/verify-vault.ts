/**
 * @module app/verify-vault
 * Use-cases `rayvault vault verify` and `rayvault audit verify`: every stored object is read through
 * authentication and matched against the index (no orphan, nothing missing); the audit chain is checked
 * record by record and the first bad one named. `rayvault audit prune`: retention.
 */
import {
  MIN_RETENTION_YEARS, planPrune, retentionHorizon, signCheckpointWith, verifyChain, verifyCheckpointWith,
  type AuditRecord, type ChainVerdict, type Checkpoint, type CheckpointSigner,
} from "../core/audit/audit-chain.ts";
import { errorCodeOf, safeMessageOf } from "../core/errors.ts";
import type { AuditLog } from "../ports/audit-log.ts";
import type { BlobStore } from "../ports/blob-store.ts";
import type { ImagingIndex } from "../ports/imaging-index.ts";

export interface VaultProblem {
  readonly blob: string;
  readonly problem: "corrupt" | "orphan" | "missing";
  readonly code?: string;
  readonly reason?: string;
}

export interface VaultVerdict {
  readonly checked: number;
  readonly problems: VaultProblem[];
}

export async function verifyVault(deps: { readonly blobs: BlobStore; readonly index: ImagingIndex }): Promise<VaultVerdict> {
  const indexed = new Set(await deps.index.blobIds());
  const shredded = new Set(await deps.index.shreddedIds());
  const digests = await deps.index.blobDigests();
  const problems: VaultProblem[] = [];
  const stored = new Set<string>();
  for await (const id of deps.blobs.list()) {
    stored.add(id);
    if (shredded.has(id)) continue; // unreadable on purpose
    try {
      // Authentication proves the object is intact; the recorded digest proves it is the object the
      // index means (an intact object copied over another one's name decrypts too).
      const got = await deps.blobs.verify(id);
      const want = digests.get(id);
      if (want && (want.sha256 !== got.sha256 || want.size !== got.size)) problems.push({ blob: id, problem: "corrupt", reason: "decrypts, but not to the content the index recorded (swapped or replaced)" });
    } catch (e) {
      problems.push({ blob: id, problem: "corrupt", code: errorCodeOf(e), reason: safeMessageOf(e) });
    }
    if (!indexed.has(id)) problems.push({ blob: id, problem: "orphan", reason: "stored but not in the index" });
  }
  for (const id of indexed) if (!stored.has(id)) problems.push({ blob: id, problem: "missing", reason: "in the index but not stored" });
  return { checked: stored.size, problems };
}

export interface AuditVerdict {
  readonly ok: boolean;
  readonly chain: ChainVerdict;
  readonly checkpoints: number;
  /** Checkpoints the log no longer matches: a deleted tail, a rewritten history, or a bad signature. */
  readonly failedCheckpoints: ReadonlyArray<{ readonly treeSize: number; readonly reason: string }>;
}

/**
 * The chain record by record from its start, then every signed checkpoint against the records it
 * covered. After a prune the start must itself be a stored, validly signed checkpoint.
 */
export async function verifyAudit(deps: { readonly audit: AuditLog; readonly auditKey: CheckpointSigner }): Promise<AuditVerdict> {
  const records = await deps.audit.all();
  const start = await deps.audit.start();
  const chain = verifyChain(records, start);
  const checkpoints = await deps.audit.checkpoints();
  const failed = checkpoints
    .filter((c) => !verifyCheckpointWith(c, records, deps.auditKey, start))
    .map((c) => ({
      treeSize: c.treeSize,
      reason: start.seq + records.length < c.treeSize ? `records ${start.seq + records.length + 1}–${c.treeSize} were signed but are gone` : "the records it covers were changed, or its signature is not valid",
    }));
  if (start.seq > 0 && !checkpoints.some((c) => c.treeSize === start.seq && verifyCheckpointWith(c, records, deps.auditKey, start))) {
    failed.unshift({ treeSize: start.seq, reason: `the chain starts after record ${start.seq}, but no valid signed checkpoint anchors that start` });
  }
  return { ok: chain.ok && failed.length === 0, chain, checkpoints: checkpoints.length, failedCheckpoints: failed };
}

/** Signs the current head of the log (done after every import, and on demand). */
export async function checkpointAudit(deps: { readonly audit: AuditLog; readonly auditKey: CheckpointSigner; readonly now: () => string }): Promise<Checkpoint | undefined> {
  const records = await deps.audit.all();
  const start = await deps.audit.start();
  if (records.length === 0 || !verifyChain(records, start).ok) return undefined;
  const checkpoint = signCheckpointWith(records, deps.now(), deps.auditKey, start);
  await deps.audit.saveCheckpoint(checkpoint);
  return checkpoint;
}

export type PruneResult = { readonly ok: true; readonly pruned: number; readonly through: number } | { readonly ok: false; readonly reason: string };

/**
 * Use-case `rayvault audit prune`: removes the records older than `before` once they are past the
 * retention period (at least six years), up to a signed checkpoint that becomes the chain's start. The
 * records are handed to `archive` first (the caller writes and syncs them); the prune is itself audited.
 */
export async function pruneAudit(
  req: { readonly before: string; readonly retentionYears: number; readonly actor: string },
  deps: { readonly audit: AuditLog; readonly auditKey: CheckpointSigner; readonly now: () => string },
  archive: (records: readonly AuditRecord[], anchor: Checkpoint) => Promise<void>,
): Promise<PruneResult> {
  const verdict = await verifyAudit(deps);
  if (!verdict.ok) return { ok: false, reason: "the audit log does not verify: nothing is pruned from a log that may have been tampered with" };
  const records = await deps.audit.all();
  const start = await deps.audit.start();
  const now = deps.now();
  const plan = planPrune(records, await deps.audit.checkpoints(), start, req.before, retentionHorizon(now, Math.max(req.retentionYears, MIN_RETENTION_YEARS)));
  if (!plan.ok) return plan;
  await archive(records.slice(0, plan.count), plan.anchor);
  await deps.audit.prune(plan.anchor, now, { time: now, actor: req.actor, action: "audit.prune", objects: [`audit:${start.seq + 1}-${plan.anchor.treeSize}`], purpose: "operations", outcome: "success" });
  return { ok: true, pruned: plan.count, through: plan.anchor.treeSize };
}
