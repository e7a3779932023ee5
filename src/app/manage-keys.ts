/**
 * @module app/manage-keys
 * Use-cases `rayvault vault rotate` and `rayvault vault shred`: a new master key wraps every object's data
 * key again (the data is not re-encrypted) before the old key is retired; shredding destroys one
 * object's wrapped data key for good (retention, right to delete). Both are audited.
 */
import type { AuditLog } from "../ports/audit-log.ts";
import type { BlobStore } from "../ports/blob-store.ts";
import type { ImagingIndex } from "../ports/imaging-index.ts";
import type { KeyStore } from "../ports/key-store.ts";

export interface KeyDeps {
  readonly blobs: BlobStore;
  readonly vaultKeys: KeyStore;
  readonly audit: AuditLog;
  readonly index: ImagingIndex;
  readonly now: () => string;
}

export async function rotateMasterKey(actor: string, deps: KeyDeps): Promise<{ readonly newKeyId: string; readonly rewrapped: number; readonly retired: string[] }> {
  const old = deps.vaultKeys.current().id;
  const next = deps.vaultKeys.rotate();
  const used = new Set<string>();
  let rewrapped = 0;
  const shredded = new Set(await deps.index.shreddedIds());
  for await (const id of deps.blobs.list()) {
    if (shredded.has(id)) continue;
    const info = await deps.blobs.rewrap(id);
    used.add(info.keyId);
    rewrapped++;
  }
  const retired = used.has(old) ? [] : [old];
  for (const id of retired) deps.vaultKeys.retire(id);
  await deps.audit.append({ time: deps.now(), actor, action: "key.rotate", objects: [`key:${next.id}`, ...retired.map((r) => `key:${r}`)], purpose: "operations", outcome: "success" });
  return { newKeyId: next.id, rewrapped, retired };
}

export async function shredObject(actor: string, blobId: string, deps: KeyDeps): Promise<void> {
  await deps.blobs.shred(blobId);
  await deps.index.markShredded(blobId);
  await deps.audit.append({ time: deps.now(), actor, action: "key.shred", objects: [`blob:${blobId}`], purpose: "operations", outcome: "success" });
}
