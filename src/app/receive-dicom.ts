/**
 * @module app/receive-dicom
 * Use-case: images arriving over the DICOM network. An association is accepted only from a node the
 * operator registered as a source (its calling AE title) and only when addressed to our AE title; every
 * refusal is audited. Each C-STORE's data set becomes a Part 10 file (our file meta, the data set byte
 * for byte, the calling AE as Source Application Entity Title) and is taken as the import use-case (#3)
 * takes a file, with the node as the actor: access decision, parse and PHI finder (a file the vault
 * must not take is refused with its status before anything is kept), encrypted object, index rows with
 * field-crypto columns, audit record.
 *
 * Acknowledged means durable: the encrypted object is flushed, and its index row and audit event are
 * appended to the receive spool (an encrypted write-ahead journal in preallocated segments; appends
 * arriving together share one flush; the append is flushed while the object is encrypted), before the
 * success status goes back. The index rows and audit records of what arrived
 * meanwhile then commit together in one transaction in the background, and are settled in the spool. After a
 * crash, `recoverReceived` commits what the spool still holds (recording is idempotent by instance and
 * content), so an acknowledged image is never lost and never indexed twice. When an
 * association ends, the routing rules of its source run on the studies it brought, once committed.
 */
import { Action, decideAccess, Purpose, Role, type AccessSubject } from "../core/access/decide-access.ts";
import { AlertKind } from "../core/alerts/alert.ts";
import type { AuditEvent } from "../core/audit/audit-chain.ts";
import { ErrorCode, errorCodeOf, RayvaultError, safeMessageOf } from "../core/errors.ts";
import { buildFileMeta, concat, partTenHeader } from "../core/dicom/write-dicom.ts";
import { memorySource } from "../ports/byte-source.ts";
import type { DicomNodeRow, DicomNodeStore } from "../ports/dicom-network.ts";
import type { ImportRecord } from "../ports/imaging-index.ts";
import type { ReceiveSpool } from "../ports/receive-spool.ts";
import { raiseAlert, type AlertDeps } from "./alerts.ts";
import { examineInstance, type ImportDeps } from "./import-files.ts";

export interface ReceiveDeps extends ImportDeps, AlertDeps {
  readonly dicomNodes: DicomNodeStore;
  readonly spool: ReceiveSpool;
}

/** One received instance as the network interface hands it over. */
export interface IncomingInstance {
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  readonly transferSyntaxUid: string;
  /** The data set exactly as received (no file meta). */
  readonly dataset: Uint8Array;
}

/** The DIMSE answer to a C-STORE: status and a comment without PHI. */
export interface ReceiveOutcome {
  readonly status: number;
  readonly comment?: string;
}

export interface ReceiverSession {
  store(instance: IncomingInstance): Promise<ReceiveOutcome>;
  end(released: boolean): void;
}

/** Runs a source's routing rules on the studies an association brought (app/route-studies). */
export type RouteStudies = (node: DicomNodeRow, studyIdxs: readonly string[]) => Promise<void>;

export interface DicomReceiver {
  associate(callingAe: string, calledAe: string): Promise<{ readonly session: ReceiverSession } | { readonly refused: "calling-ae" | "called-ae" }>;
  /** Resolves when everything acknowledged so far is committed to the index (or failed to be, to retry). */
  drain(): Promise<void>;
}

/** DIMSE statuses (PS3.7 Annex C). */
export const StoreStatus = { Success: 0x0000, NotAuthorized: 0x0124, OutOfResources: 0xa700, CannotUnderstand: 0xc000 } as const;

/** A received instance stored in the vault and waiting for its index commit: its spool record, index row and audit event. */
interface Spooled {
  readonly ref: string;
  readonly rec: ImportRecord;
  readonly audit: AuditEvent;
}

const GROUP_MAX = 128;
const QUEUE_MAX = 512;
const RETRY_MS = 5_000;
const LINGER_MS = 200;

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** What a spool record holds: the object's id and hash, the index row (PHI columns are field-crypto tokens), the audit event. */
interface SpoolRecord {
  readonly blobId: string;
  readonly contentHash: string;
  readonly rec: Omit<ImportRecord, "blob">;
  readonly audit: AuditEvent;
}

function encodeRecord(r: SpoolRecord): Uint8Array {
  return Buffer.from(JSON.stringify({ v: 1, ...r }));
}

function decodeRecord(record: Uint8Array): SpoolRecord {
  const r = JSON.parse(Buffer.from(record.buffer, record.byteOffset, record.length).toString("utf8")) as SpoolRecord & { v: number };
  if (r.v !== 1) throw new RayvaultError(ErrorCode.VaultCorrupt, "a receive spool record has an unknown version");
  return { blobId: r.blobId, contentHash: r.contentHash, rec: r.rec, audit: r.audit };
}

/**
 * Commits spooled instances in groups (what arrives while a commit runs goes into the next one): the
 * index rows and audit records in one transaction, then the spool records settled. A failure (the
 * database) keeps them queued and spooled, and retries.
 */
function spoolCommitter(deps: ReceiveDeps): { add(s: Spooled): void; readonly size: number; drain(): Promise<void> } {
  const queue: Spooled[] = [];
  let running: Promise<void> | undefined;
  let retry: NodeJS.Timeout | undefined;
  const commit = async (group: readonly Spooled[]): Promise<void> => {
    await deps.index.recordImports(group.map((s) => ({ rec: s.rec, audit: s.audit })));
    await deps.spool.settle(group.map((s) => s.ref));
  };
  let hurry = false;
  const run = async (): Promise<void> => {
    while (queue.length > 0) {
      // Linger a moment so a commit carries many instances: each commit costs a WAL flush, and the
      // acknowledgements waiting on the disk meanwhile should not queue behind one commit per image.
      if (queue.length < GROUP_MAX && !hurry) await new Promise((r) => setTimeout(r, LINGER_MS));
      const group = queue.slice(0, GROUP_MAX);
      try {
        await commit(group);
      } catch {
        // The spool keeps them: try again shortly (and after a restart, from the spool).
        retry ??= setTimeout(() => {
          retry = undefined;
          kick();
        }, RETRY_MS);
        retry.unref();
        return;
      }
      queue.splice(0, group.length);
    }
  };
  const kick = (): void => {
    running ??= run().finally(() => {
      running = undefined;
      if (queue.length > 0 && !retry) kick();
    });
  };
  return {
    add(s) {
      queue.push(s);
      kick();
    },
    get size() {
      return queue.length;
    },
    async drain() {
      hurry = true;
      try {
        while (running) await running;
      } finally {
        hurry = false;
      }
    },
  };
}

/** Commits what an earlier process acknowledged and had not indexed (from the spool); returns how many. */
export async function recoverReceived(deps: ReceiveDeps): Promise<number> {
  const committer = spoolCommitter(deps);
  let n = 0;
  for await (const { ref, record } of deps.spool.pending()) {
    const r = decodeRecord(record);
    let blob;
    try {
      // The object as stored: authenticated and hashed again (a damaged one stops recovery).
      blob = await deps.blobs.verify(r.blobId);
    } catch (e) {
      // Flushed with the record before any acknowledgement: no object means none was sent.
      if (errorCodeOf(e) === ErrorCode.NotFound) {
        await deps.spool.settle([ref]);
        continue;
      }
      throw e;
    }
    if (blob.sha256 !== r.contentHash) throw new RayvaultError(ErrorCode.VaultCorrupt, "a received object does not match its spool record");
    committer.add({ ref, rec: { ...r.rec, blob }, audit: r.audit });
    n++;
  }
  await committer.drain();
  if (committer.size > 0) throw new RayvaultError(ErrorCode.VaultCorrupt, "instances received before the last stop could not be indexed: the database or the blob store is failing");
  return n;
}

export function dicomReceiver(deps: ReceiveDeps, options: { readonly aeTitle: string; readonly route?: RouteStudies }): DicomReceiver {
  const committer = spoolCommitter(deps);
  return {
    async associate(callingAe, calledAe) {
      const refuse = async (reason: "called-ae" | "calling-ae"): Promise<{ refused: typeof reason }> => {
        const ae = /^[A-Za-z0-9._-]{1,16}$/.test(callingAe) ? callingAe : "unlisted";
        await deps.audit.append({ time: deps.now(), actor: `ae:${ae}`, action: "dicom.associate", objects: [`reason:${reason}`], purpose: Purpose.Treatment, outcome: "refused" });
        return { refused: reason };
      };
      if (calledAe !== options.aeTitle) return refuse("called-ae");
      const node = await deps.dicomNodes.inboundByAeTitle(callingAe);
      if (!node) return refuse("calling-ae");
      const actor: AccessSubject = { id: `dicom:${node.id}`, roles: [Role.Integration], mfa: false };
      const studies = new Set<string>();
      const session: ReceiverSession = {
        async store(instance) {
          const access = decideAccess({ subject: actor, action: Action.StudyImport, purpose: Purpose.Treatment, now: deps.now() });
          if (!access.allowed) return { status: StoreStatus.NotAuthorized, comment: "not authorised" };
          const bytes = concat([partTenHeader(buildFileMeta(instance.sopClassUid, instance.sopInstanceUid, instance.transferSyntaxUid, callingAe)), instance.dataset]);
          let x;
          try {
            x = examineInstance(memorySource(bytes), { actor, purpose: Purpose.Treatment }, deps);
          } catch (e) {
            // Not something the vault may take (malformed, not an instance): refused before anything is kept.
            return { status: StoreStatus.CannotUnderstand, comment: `${errorCodeOf(e)}: ${safeMessageOf(e)}`.slice(0, 64) };
          }
          try {
            // Durable before the acknowledgement: the spool record (object, index row, audit event) is flushed.
            if (committer.size > QUEUE_MAX) await committer.drain();
            const audit: AuditEvent = { time: deps.now(), actor: actor.id, action: "study.import", objects: [`blob:${x.blobId}`], purpose: Purpose.Treatment, outcome: "success" };
            // The spool record is flushed while the object is encrypted and written; then the object is flushed.
            const appended = deps.spool.append(encodeRecord({ blobId: x.blobId, contentHash: x.contentHash, rec: x.rec, audit }));
            let blob;
            try {
              blob = await deps.blobs.put(x.blobId, once(bytes), { deferSync: true });
              if (blob.sha256 !== x.contentHash) throw new RayvaultError(ErrorCode.VaultCorrupt, "the object changed while it was stored");
              await deps.blobs.sync([blob.id]);
            } catch (e) {
              // Not stored, not acknowledged: its spool record must not be replayed.
              await deps.spool.settle([await appended]).catch(() => undefined);
              throw e;
            }
            committer.add({ ref: await appended, rec: { ...x.rec, blob }, audit });
            studies.add(x.studyIdx);
            return { status: StoreStatus.Success };
          } catch (e) {
            // The vault could not keep it (disk): the sender keeps the image and may try again.
            return { status: StoreStatus.OutOfResources, comment: `${errorCodeOf(e)}: ${safeMessageOf(e)}`.slice(0, 64) };
          }
        },
        end() {
          if (!options.route || studies.size === 0) return;
          const route = options.route;
          // Routing acts on what the index holds: after this association's instances are committed.
          void committer
            .drain()
            .then(() => route(node, [...studies]))
            .catch(async () => {
              await raiseAlert(AlertKind.RoutingRefused, [`node:${node.id}`], deps).catch(() => undefined);
            });
        },
      };
      return { session };
    },
    drain: () => committer.drain(),
  };
}
