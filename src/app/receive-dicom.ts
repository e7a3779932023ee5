/**
 * @module app/receive-dicom
 * Use-case: images arriving over the DICOM network. An association is accepted only from a node the
 * operator registered as a source (its calling AE title) and only when addressed to our AE title; every
 * refusal is audited. Each C-STORE's data set becomes a Part 10 file (our file meta, the data set byte
 * for byte, the calling AE as Source Application Entity Title) and is taken as the import use-case (#3)
 * takes a file, with the node as the actor: access decision, parse and PHI finder (a file the vault
 * must not take is refused with its status and never filed), encrypted object, index rows with
 * field-crypto columns, audit record. The file meta is built when the C-STORE command arrives and each
 * fragment of the data set is hashed as it arrives (`ReceiverSession.begin`), so the content hash is ready
 * with the last fragment.
 *
 * Acknowledged means durable: the sealed object (the vault envelope as it will be stored), who sent it
 * and its audit event are one record of the receive spool (an encrypted, append-only write-ahead
 * journal; appends arriving together share one flush; the envelope is the record's sealed part,
 * authenticated and not encrypted again), flushed before the success status goes back. The record holds
 * the instance as received, not what was read from it: it is written, and its flush started, before the
 * instance is examined, so the parse and the PHI finder run while the disk flushes (the answer waits for
 * both; an instance refused by the examination has its record settled, never filed). In the background,
 * what arrived meanwhile is filed together: the objects written to the blob store and flushed as a batch,
 * the index rows and audit records committed in one transaction, the spool records settled. After a
 * crash, `recoverReceived` examines again what the spool still holds and files it (storing and recording
 * are idempotent by object id, instance and content), so an acknowledged image is never lost and never
 * indexed twice. When an association ends, the routing rules of its source run on the studies it
 * brought, once committed. Before the listener opens, `rehearseFiling` runs the index's statements on
 * made-up rows and rolls them back (the embedded database's code compiled before the first images).
 */
import { createHash } from "node:crypto";
import { Action, decideAccess, Purpose, Role, type AccessSubject } from "../core/access/decide-access.ts";
import { AlertKind } from "../core/alerts/alert.ts";
import type { AuditEvent } from "../core/audit/audit-chain.ts";
import { ErrorCode, errorCodeOf, RayvaultError, safeMessageOf } from "../core/errors.ts";
import { buildFileMeta, partTenHeader } from "../core/dicom/write-dicom.ts";
import { memorySource, piecesSource } from "../ports/byte-source.ts";
import type { SealedBlob, StoredBlob } from "../ports/blob-store.ts";
import type { DicomNodeRow, DicomNodeStore } from "../ports/dicom-network.ts";
import type { ImportRecord } from "../ports/imaging-index.ts";
import type { ReceiveSpool } from "../ports/receive-spool.ts";
import { raiseAlert, type AlertDeps } from "./alerts.ts";
import { examineInstance, instanceBlobId, type ExaminedInstance, type ImportDeps } from "./import-files.ts";

export interface ReceiveDeps extends ImportDeps, AlertDeps {
  readonly dicomNodes: DicomNodeStore;
  readonly spool: ReceiveSpool;
}

/** What a C-STORE command announces of the instance whose data set follows it. */
export interface InstanceCommand {
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  readonly transferSyntaxUid: string;
}

/**
 * An instance arriving: the network interface adds its data set's fragments, exactly as received and in
 * order, as they come (`ReceiverSession.begin`), then hands it to `store`.
 */
export interface ArrivingInstance {
  add(fragment: Uint8Array): void;
}

/**
 * Our file meta, then the data set in the fragments it arrives in (kept, never joined into one copy),
 * hashed as they arrive: the content hash is ready when the last fragment is, and the hashing runs while
 * the sender is still sending, not between its last byte and our answer.
 */
class Arrival implements ArrivingInstance {
  readonly parts: Uint8Array[];
  readonly #hash = createHash("sha256");
  #digest: string | undefined;

  constructor(header: Uint8Array) {
    this.parts = [header];
    this.#hash.update(header);
  }

  add(fragment: Uint8Array): void {
    if (this.#digest !== undefined) throw new RayvaultError(ErrorCode.UsageInvalid, "a fragment arrived after its instance was stored");
    this.parts.push(fragment);
    this.#hash.update(fragment);
  }

  /** SHA-256 (hex) of everything added; no fragment may follow. */
  digest(): string {
    this.#digest ??= this.#hash.digest("hex");
    return this.#digest;
  }
}

/** The DIMSE answer to a C-STORE: status and a comment without PHI. */
export interface ReceiveOutcome {
  readonly status: number;
  readonly comment?: string;
}

export interface ReceiverSession {
  /** An instance its C-STORE command announced: the data set's fragments are added to it as they arrive. */
  begin(command: InstanceCommand): ArrivingInstance;
  store(instance: ArrivingInstance): Promise<ReceiveOutcome>;
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

/**
 * A received instance journalled in the spool and waiting to be filed: its spool record, index row and
 * audit event, and its sealed object until that is stored (absent once it is, as in recovery).
 */
interface Spooled {
  readonly ref: string;
  readonly rec: ImportRecord;
  readonly audit: AuditEvent;
  readonly sealed?: SealedBlob;
}

const GROUP_MAX = 128;
/** Sealed objects held in memory until filed: past this, a C-STORE waits for the committer. */
const QUEUE_BYTES = 256 * 1024 * 1024;
const RETRY_MS = 5_000;
const LINGER_MS = 200;

/** Who sent an instance and for what: the import's actor (`dicom:<node id>`) and purpose. */
export interface SpoolSource {
  readonly actor: string;
  readonly purpose: string;
}

/**
 * What a spool record's header holds (version 3): the object's identity, who sent the instance, and the
 * audit event. Version 2 held the index row (PHI columns as field-crypto tokens) instead of the source:
 * the instance was examined before its record was written.
 */
export interface SpoolHeader {
  readonly blob: StoredBlob;
  readonly source: SpoolSource;
  readonly audit: AuditEvent;
}

/** A record read back: version 3 names its source, versions 1 and 2 carry the index row. */
type DecodedRecord = { readonly blob: StoredBlob; readonly audit: AuditEvent; readonly envelope?: Uint8Array } & (
  | { readonly source: SpoolSource; readonly rec?: undefined }
  | { readonly rec: Omit<ImportRecord, "blob">; readonly source?: undefined }
);

/**
 * A spool record (version 3): a 4-byte length and the header as JSON (the spool encrypts them), and the
 * sealed object (the vault envelope exactly as it will be stored), which the spool keeps as its sealed
 * part: authenticated with the record, not encrypted twice. Records of the earlier versions are still
 * read, so a spool left by an earlier release is recovered: version 2 (the index row in the header; the
 * envelope as the sealed part or, earlier, after the JSON) and version 1 (JSON alone, the object stored apart).
 */
export function encodeReceiveRecord(h: SpoolHeader, sealed: SealedBlob): { readonly record: Uint8Array[]; readonly sealed: readonly Uint8Array[] } {
  const json = Buffer.from(JSON.stringify({ v: 3, ...h }));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(json.length);
  return { record: [len, json], sealed: sealed.pieces };
}

function decodeRecord(record: Uint8Array, sealed: Uint8Array): DecodedRecord {
  const b = Buffer.from(record.buffer, record.byteOffset, record.length);
  // Version 1 was JSON alone (it starts with "{"); later versions start with the JSON's length.
  if (b[0] === 0x7b) {
    const r = JSON.parse(b.toString("utf8")) as { v: number; blobId: string; contentHash: string; rec: Omit<ImportRecord, "blob">; audit: AuditEvent };
    if (r.v !== 1) throw new RayvaultError(ErrorCode.VaultCorrupt, "a receive spool record has an unknown version");
    return { blob: { id: r.blobId, keyId: "", size: -1, sha256: r.contentHash }, rec: r.rec, audit: r.audit };
  }
  const len = b.readUInt32BE(0);
  const h = JSON.parse(b.subarray(4, 4 + len).toString("utf8")) as { v: number; blob: StoredBlob; audit: AuditEvent; source?: SpoolSource; rec?: Omit<ImportRecord, "blob"> };
  const inside = b.subarray(4 + len);
  // One object per record: in its sealed part, or (written by an earlier release) after the JSON; never both.
  if (sealed.length > 0 && inside.length > 0) throw new RayvaultError(ErrorCode.VaultCorrupt, "a receive spool record carries two objects");
  const envelope = sealed.length > 0 ? sealed : inside;
  if (h.v === 3 && h.source && envelope.length > 0) return { blob: h.blob, source: h.source, audit: h.audit, envelope };
  if (h.v === 2 && h.rec) return { blob: h.blob, rec: h.rec, audit: h.audit, envelope };
  throw new RayvaultError(ErrorCode.VaultCorrupt, "a receive spool record has an unknown version");
}

const sha256Hex = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/** The import's actor for a DICOM node (`dicom:<node id>`): an association's, or the one a spool record names. */
function nodeActor(actor: string): AccessSubject {
  return { id: actor, roles: [Role.Integration], mfa: false };
}

/**
 * The received instances the index already holds (sent again, or replayed after they were filed): their
 * stored object is kept as it is — never replaced, and never brought back once shredded.
 */
async function indexed(deps: ReceiveDeps, items: ReadonlyArray<{ readonly rec: Pick<ImportRecord, "instance"> }>): Promise<ReadonlyMap<string, string>> {
  return deps.index.findInstances(items.map((s) => s.rec.instance.identityIdx));
}

/**
 * Files journalled instances in groups (what arrives while a group is filed goes into the next one):
 * their objects written to the blob store and flushed together, their index rows and audit records
 * committed in one transaction, then their spool records settled. A failure (disk, database) keeps them
 * queued and spooled, and retries; storing an object again is harmless (same id, equal object).
 *
 * `drain` hurries only what was added before it was called: the group holding those instances is filed
 * without lingering, and filing goes back to lingering after it. (Hurrying until the queue ran empty
 * made an association's end, which drains before routing, file another association's stream one
 * instance per transaction for as long as it kept arriving: 12 commits of one CT slice in a row,
 * measured, each holding the event loop 14–29 ms.)
 */
function spoolCommitter(deps: ReceiveDeps): { add(s: Spooled): void; readonly bytes: number; readonly size: number; drain(): Promise<void> } {
  const queue: Spooled[] = [];
  let running: Promise<void> | undefined;
  let retry: NodeJS.Timeout | undefined;
  const commit = async (group: readonly Spooled[]): Promise<void> => {
    const known = await indexed(deps, group);
    const toStore = group.filter((s) => s.sealed && !known.has(s.rec.instance.identityIdx));
    for (const s of toStore) await deps.blobs.putSealed(s.rec.blob.id, s.sealed!, { deferSync: true });
    await deps.blobs.sync(toStore.map((s) => s.rec.blob.id));
    await deps.index.recordImports(group.map((s) => ({ rec: s.rec, audit: s.audit })));
    await deps.spool.settle(group.map((s) => s.ref));
  };
  /** Instances filed so far; the queue (filed from its head, in order) holds the ones added since. */
  let filed = 0;
  /** Filing does not linger while an instance counted before this (by a drain) waits. */
  let hurryUntil = 0;
  /** Ends the current linger early (a drain arrived). */
  let cutLinger: (() => void) | undefined;
  /** Drains waiting: woken after each group filed, and when filing stops. */
  let waiters: Array<() => void> = [];
  const wake = (): void => {
    const woken = waiters;
    waiters = [];
    for (const w of woken) w();
  };
  const run = async (): Promise<void> => {
    while (queue.length > 0) {
      // Linger a moment so a group carries many instances: each costs a flush of the objects' folder and
      // a database commit, and the acknowledgements waiting on the disk meanwhile should not queue
      // behind one per image.
      if (queue.length < GROUP_MAX && filed >= hurryUntil) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, LINGER_MS);
          cutLinger = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        cutLinger = undefined;
      }
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
      filed += group.length;
      wake();
    }
  };
  const kick = (): void => {
    running ??= run().finally(() => {
      running = undefined;
      wake();
      if (queue.length > 0 && !retry) kick();
    });
  };
  return {
    add(s) {
      queue.push(s);
      kick();
    },
    /** Size of the objects still held sealed in memory, waiting to be stored. */
    get bytes() {
      return queue.reduce((a, s) => a + (s.sealed?.size ?? 0), 0);
    },
    get size() {
      return queue.length;
    },
    /** Resolves once what was added before the call is filed, or filing failed (to be retried). */
    async drain() {
      const target = filed + queue.length;
      hurryUntil = Math.max(hurryUntil, target);
      cutLinger?.();
      // Filing stopped (a failed attempt, to be retried) ends the wait too: the caller sees what is still queued.
      while (filed < target && running) await new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}

/**
 * Rehearses filing before the listener opens: groups of made-up index rows (one patient, study and series
 * each, like a CT series; random tokens, no PHI) recorded and rolled back, so nothing is kept. The embedded
 * database runs as WebAssembly that V8 compiles again, function by function, once it runs hot: without a
 * rehearsal that happened during the first images received, and V8's compiling threads took the CPU the
 * listener needed (2 cores: 350–460 ms of their CPU during a cold 200-slice CT push, 190–210 ms with the
 * rehearsal; alternating runs beside Orthanc, 0.72–0.85× its rate before, 0.92–0.93× with it). It adds
 * ~0.4 s to the start. Only the embedded database needs it (a PostgreSQL server runs native code).
 */
export async function rehearseFiling(deps: Pick<ReceiveDeps, "index" | "random" | "now">, options: { readonly groups?: number; readonly size?: number } = {}): Promise<void> {
  const token = (n: number): string => Buffer.from(deps.random.bytes(n)).toString("hex");
  for (let g = 0; g < (options.groups ?? 8); g++) {
    const patient = { keyIdx: token(16), nameEnc: token(40), nameIdx: token(16), mrnEnc: token(30), mrnIdx: token(16), birthDateEnc: token(30) };
    const study = { uidIdx: token(16), uidEnc: token(60), studyDateEnc: token(30), descriptionEnc: token(40) };
    const series = { uidIdx: token(16), uidEnc: token(60), modality: "CT" };
    const items = Array.from({ length: options.size ?? 64 }, () => {
      const blob: StoredBlob = { id: `dcm-${token(16)}`, keyId: "rehearsal", size: 525_000, sha256: token(32) };
      const rec: ImportRecord = { patient, study, series, blob, instance: { identityIdx: token(16), sopUidEnc: token(60), sopClassUid: "1.2.840.10008.5.1.4.1.1.2", purpose: Purpose.Treatment, importedBy: "dicom:rehearsal" } };
      const audit: AuditEvent = { time: deps.now(), actor: "dicom:rehearsal", action: "study.import", objects: [`blob:${blob.id}`], purpose: Purpose.Treatment, outcome: "success" };
      return { rec, audit };
    });
    await deps.index.rehearseImports(items);
  }
}

/** Files what an earlier process acknowledged and had not indexed (from the spool); returns how many. */
export async function recoverReceived(deps: ReceiveDeps): Promise<number> {
  const committer = spoolCommitter(deps);
  let n = 0;
  const mismatch = (): RayvaultError => new RayvaultError(ErrorCode.VaultCorrupt, "a received object does not match its spool record");
  for await (const { ref, record, sealed } of deps.spool.pending()) {
    const d = decodeRecord(record, sealed);
    let rec: Omit<ImportRecord, "blob">;
    let blob: StoredBlob;
    if (d.envelope) {
      // The object as journalled: opened through authentication and hashed once, in memory, before
      // anything is stored (a damaged one stops recovery with nothing written).
      const plain = deps.blobs.unseal(d.envelope);
      if (sha256Hex(plain) !== d.blob.sha256) throw mismatch();
      if (d.source) {
        // Version 3: the instance as it arrived, examined again as on arrival.
        let x: ExaminedInstance;
        try {
          x = examineInstance(memorySource(plain), { actor: nodeActor(d.source.actor), purpose: d.source.purpose }, deps, d.blob.sha256);
        } catch {
          // Refused on arrival (the examination reads the same bytes the same way): never acknowledged.
          await deps.spool.settle([ref]);
          continue;
        }
        if (x.blobId !== d.blob.id) throw mismatch();
        rec = x.rec;
      } else {
        rec = d.rec;
      }
      if ((await indexed(deps, [{ rec }])).size > 0) {
        // Filed before the stop, not yet settled: nothing to store or record again.
        await deps.spool.settle([ref]);
        continue;
      }
      blob = await deps.blobs.putSealed(d.blob.id, { keyId: d.blob.keyId, size: d.blob.size, sha256: d.blob.sha256, pieces: [d.envelope] });
    } else {
      // Version 1: the object stored apart, read back through authentication and hashed.
      if (!d.rec) throw new RayvaultError(ErrorCode.VaultCorrupt, "a receive spool record has an unknown version");
      rec = d.rec;
      try {
        blob = await deps.blobs.verify(d.blob.id);
      } catch (e) {
        // Flushed with the record before any acknowledgement: no object means none was sent.
        if (errorCodeOf(e) === ErrorCode.NotFound) {
          await deps.spool.settle([ref]);
          continue;
        }
        throw e;
      }
      if (blob.sha256 !== d.blob.sha256) throw mismatch();
    }
    committer.add({ ref, rec: { ...rec, blob }, audit: d.audit });
    n++;
  }
  await committer.drain();
  if (committer.size > 0) throw new RayvaultError(ErrorCode.VaultCorrupt, "instances received before the last stop could not be indexed: the database or the blob store is failing");
  return n;
}

export function dicomReceiver(deps: ReceiveDeps, options: { readonly aeTitle: string; readonly route?: RouteStudies; readonly queueBytes?: number }): DicomReceiver {
  const committer = spoolCommitter(deps);
  const queueBytes = options.queueBytes ?? QUEUE_BYTES;
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
      const actor = nodeActor(`dicom:${node.id}`);
      const studies = new Set<string>();
      /** The instances this association announced (their file meta names its calling AE). */
      const begun = new WeakSet<ArrivingInstance>();
      const session: ReceiverSession = {
        begin(command) {
          const arrival = new Arrival(partTenHeader(buildFileMeta(command.sopClassUid, command.sopInstanceUid, command.transferSyntaxUid, callingAe)));
          begun.add(arrival);
          return arrival;
        },
        async store(instance) {
          if (!begun.has(instance) || !(instance instanceof Arrival)) throw new RayvaultError(ErrorCode.UsageInvalid, "store takes an instance this association began");
          const access = decideAccess({ subject: actor, action: Action.StudyImport, purpose: Purpose.Treatment, now: deps.now() });
          if (!access.allowed) return { status: StoreStatus.NotAuthorized, comment: "not authorised" };
          const parts = instance.parts;
          const failed = (status: number, e: unknown): ReceiveOutcome => ({ status, comment: `${errorCodeOf(e)}: ${safeMessageOf(e)}`.slice(0, 64) });
          // Durable before the acknowledgement: the sealed object, its source and its audit event in one
          // spool record, flushed (an append to the journal, no new file). The object is filed in the
          // blob store, and indexed, in the background.
          let appended: Promise<string>;
          let sealed: SealedBlob;
          let blob: StoredBlob;
          let audit: AuditEvent;
          try {
            if (committer.bytes > queueBytes) await committer.drain();
            // Still behind (the disk or the database failing, retried meanwhile): refused, not held.
            if (committer.bytes > queueBytes) throw new RayvaultError(ErrorCode.DatabaseUnavailable, "the vault is behind in filing what it received (database or disk failing)");
            const contentHash = instance.digest();
            const blobId = instanceBlobId(deps.fields, contentHash);
            audit = { time: deps.now(), actor: actor.id, action: "study.import", objects: [`blob:${blobId}`], purpose: Purpose.Treatment, outcome: "success" };
            sealed = deps.blobs.seal(parts, contentHash);
            blob = { id: blobId, keyId: sealed.keyId, size: sealed.size, sha256: sealed.sha256 };
            const journal = encodeReceiveRecord({ blob, source: { actor: actor.id, purpose: Purpose.Treatment }, audit }, sealed);
            // Written now and flushed in the thread pool while the instance is examined below.
            appended = deps.spool.append(journal.record, journal.sealed);
          } catch (e) {
            // The vault could not keep it (disk): the sender keeps the image and may try again.
            return failed(StoreStatus.OutOfResources, e);
          }
          let x: ExaminedInstance;
          try {
            x = examineInstance(piecesSource(parts), { actor, purpose: Purpose.Treatment }, deps, blob.sha256);
          } catch (e) {
            // Not something the vault may take (malformed, not an instance): refused, its record settled
            // once written (recovery would refuse it again), never filed.
            void appended.then((ref) => deps.spool.settle([ref])).catch(() => undefined);
            return failed(StoreStatus.CannotUnderstand, e);
          }
          try {
            const ref = await appended;
            committer.add({ ref, rec: { ...x.rec, blob }, audit, sealed });
            studies.add(x.studyIdx);
            return { status: StoreStatus.Success };
          } catch (e) {
            return failed(StoreStatus.OutOfResources, e);
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
