/**
 * @module app/verify-vault
 * Use-cases `rayvault vault verify` and `rayvault audit verify`: every stored object is read through
 * authentication and matched against the index (no orphan, nothing missing); the audit chain is checked
 * record by record and the first bad one named.
 */
import { verifyChain, type ChainVerdict } from "../core/audit/audit-chain.ts";
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
  const problems: VaultProblem[] = [];
  const stored = new Set<string>();
  for await (const id of deps.blobs.list()) {
    stored.add(id);
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

export async function verifyAudit(deps: { readonly audit: AuditLog }): Promise<ChainVerdict> {
  return verifyChain(await deps.audit.all());
}
