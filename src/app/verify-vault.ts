/**
 * @module app/verify-vault
 * Use-cases `rayvault vault verify` and `rayvault audit verify`: every stored object is read through
 * authentication and matched against the index (no orphan, nothing missing); the audit chain is checked
 * record by record and the first bad one named.
 */
import { signCheckpointWith, verifyChain, verifyCheckpointWith, type ChainVerdict, type Checkpoint, type CheckpointSigner } from "../core/audit/audit-chain.ts";
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
  const problems: VaultProblem[] = [];
  const stored = new Set<string>();
  for await (const id of deps.blobs.list()) {
    stored.add(id);
    if (shredded.has(id)) continue; // unreadable on purpose
    try {
      await deps.blobs.verify(id);
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

/** The chain record by record, then every signed checkpoint against the records it covered. */
export async function verifyAudit(deps: { readonly audit: AuditLog; readonly auditKey: CheckpointSigner }): Promise<AuditVerdict> {
  const records = await deps.audit.all();
  const chain = verifyChain(records);
  const checkpoints = await deps.audit.checkpoints();
  const failed = checkpoints
    .filter((c) => !verifyCheckpointWith(c, records, deps.auditKey))
    .map((c) => ({
      treeSize: c.treeSize,
      reason: records.length < c.treeSize ? `records ${records.length + 1}–${c.treeSize} were signed but are gone` : "the records it covers were changed, or its signature is not valid",
    }));
  return { ok: chain.ok && failed.length === 0, chain, checkpoints: checkpoints.length, failedCheckpoints: failed };
}

/** Signs the current head of the log (done after every import, and on demand). */
export async function checkpointAudit(deps: { readonly audit: AuditLog; readonly auditKey: CheckpointSigner; readonly now: () => string }): Promise<Checkpoint | undefined> {
  const records = await deps.audit.all();
  if (records.length === 0 || !verifyChain(records).ok) return undefined;
  const checkpoint = signCheckpointWith(records, deps.now(), deps.auditKey);
  await deps.audit.saveCheckpoint(checkpoint);
  return checkpoint;
}
