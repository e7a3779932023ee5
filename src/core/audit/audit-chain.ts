/**
 * @module core/audit/audit-chain
 * The tamper-evident audit log (45 CFR 164.312(b)): every record is hash-chained to the one before it,
 * and checkpoints carry an RFC 6962 Merkle root over the record hashes, signed with Ed25519, so one
 * record can be proven present and any edit, deletion, insertion or reordering is found — at the first
 * bad record. Records hold references (ids, hashed object refs), never PHI values. Pure: no I/O.
 */
import { createHash, sign, verify, type KeyObject } from "node:crypto";

/** DICOM/IHE ATNA-style outcomes (PS3.15 A.5, RFC 3881 EventOutcomeIndicator in spirit). */
export const AuditOutcome = { Success: "success", Refused: "refused", Failure: "failure" } as const;
export type AuditOutcome = (typeof AuditOutcome)[keyof typeof AuditOutcome];

/** What the caller records: references only. */
export interface AuditEvent {
  readonly time: string;
  /** "user:<id>", "recipient:<id>", "system", "integration:<id>". */
  readonly actor: string;
  /** Verb–noun, e.g. "study.view", "disclosure.send", "login.fail". */
  readonly action: string;
  /** Object references, e.g. "study:7f3a…", "sop:<hash>". */
  readonly objects: readonly string[];
  /** The purpose of use the actor gave (treatment, payment, operations…). */
  readonly purpose: string;
  readonly outcome: AuditOutcome;
}

export interface AuditRecord extends AuditEvent {
  readonly seq: number;
  /** Hex SHA-256 of the previous record (64 zeros for the first). */
  readonly prevHash: string;
  /** Hex SHA-256 over domain tag, prevHash and the canonical event. */
  readonly hash: string;
}

export const GENESIS_HASH = "0".repeat(64);
const DOMAIN = "rayvault-audit-v1\u0000";

/** Canonical bytes of an event: fixed key order, JSON strings; independent of object key order. */
export function canonicalEvent(seq: number, e: AuditEvent): string {
  return JSON.stringify([seq, e.time, e.actor, e.action, [...e.objects], e.purpose, e.outcome]);
}

export function recordHash(seq: number, prevHash: string, e: AuditEvent): string {
  return createHash("sha256").update(DOMAIN).update(prevHash).update(canonicalEvent(seq, e)).digest("hex");
}

/** The record that follows `previous` (undefined for the first record of the log). */
export function chainRecord(previous: Pick<AuditRecord, "seq" | "hash"> | undefined, event: AuditEvent): AuditRecord {
  const seq = previous ? previous.seq + 1 : 1;
  const prevHash = previous ? previous.hash : GENESIS_HASH;
  return { ...event, objects: [...event.objects], seq, prevHash, hash: recordHash(seq, prevHash, event) };
}

export type ChainVerdict =
  | { readonly ok: true; readonly count: number; readonly head: string }
  | { readonly ok: false; readonly firstBad: number; readonly reason: string };

/**
 * Checks records as read from storage, in storage order. Reports the first record that is not what the
 * chain says must be there: edited (its hash), inserted or reordered (sequence), deleted (sequence gap or
 * the link to its predecessor).
 */
/**
 * Where the stored chain starts: record 1 (the genesis), or, after records older than the retention
 * period were pruned, the signed checkpoint that covered the last pruned record.
 */
export interface ChainStart {
  /** Records 1..seq are gone; the first stored record is seq + 1. */
  readonly seq: number;
  /** Hash of record `seq`: the first stored record's prevHash. */
  readonly hash: string;
}

export const GENESIS: ChainStart = { seq: 0, hash: GENESIS_HASH };

export function verifyChain(records: readonly AuditRecord[], start: ChainStart = GENESIS): ChainVerdict {
  let prev: Pick<AuditRecord, "seq" | "hash"> = start;
  for (const r of records) {
    const expectedSeq = prev.seq + 1;
    if (r.seq !== expectedSeq) {
      return { ok: false, firstBad: r.seq, reason: r.seq < expectedSeq ? `record ${r.seq} repeats or is out of order` : `records ${expectedSeq}–${r.seq - 1} are missing here (deleted or moved)` };
    }
    if (r.prevHash !== prev.hash) return { ok: false, firstBad: r.seq, reason: `record ${r.seq} does not link to the record before it` };
    if (recordHash(r.seq, r.prevHash, r) !== r.hash) return { ok: false, firstBad: r.seq, reason: `record ${r.seq} was altered` };
    prev = r;
  }
  return { ok: true, count: records.length, head: prev.hash };
}

// ---- RFC 6962 Merkle tree over record hashes (leaf = 0x00 ‖ data, node = 0x01 ‖ left ‖ right) ----

function leafHash(recordHashHex: string): Buffer {
  return createHash("sha256").update(Buffer.from([0])).update(Buffer.from(recordHashHex, "hex")).digest();
}

function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash("sha256").update(Buffer.from([1])).update(left).update(right).digest();
}

/** Largest power of two smaller than n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function treeHash(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return createHash("sha256").digest();
  if (leaves.length === 1) return leaves[0]!;
  const k = split(leaves.length);
  return nodeHash(treeHash(leaves.slice(0, k)), treeHash(leaves.slice(k)));
}

/** Merkle Tree Hash (RFC 6962 §2.1) of the records' hashes, hex. */
export function merkleRoot(recordHashes: readonly string[]): string {
  return treeHash(recordHashes.map(leafHash)).toString("hex");
}

/** Audit path (RFC 6962 §2.1.1) proving record `index` (0-based) is in the tree of `recordHashes`. */
export function inclusionProof(recordHashes: readonly string[], index: number): string[] {
  const path = (leaves: readonly Buffer[], m: number): Buffer[] => {
    if (leaves.length <= 1) return [];
    const k = split(leaves.length);
    return m < k ? [...path(leaves.slice(0, k), m), treeHash(leaves.slice(k))] : [...path(leaves.slice(k), m - k), treeHash(leaves.slice(0, k))];
  };
  if (index < 0 || index >= recordHashes.length) throw new RangeError("index outside the tree");
  return path(recordHashes.map(leafHash), index).map((b) => b.toString("hex"));
}

/** Verifies an audit path (RFC 9162 §2.1.3.2 algorithm) against a root. */
export function verifyInclusion(recordHashHex: string, index: number, treeSize: number, proof: readonly string[], rootHex: string): boolean {
  if (index < 0 || index >= treeSize) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r = leafHash(recordHashHex);
  for (const p of proof) {
    const node = Buffer.from(p, "hex");
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(node, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = nodeHash(r, node);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && r.toString("hex") === rootHex;
}

// ---- Signed checkpoints ----

export interface Checkpoint {
  /** Records 1..treeSize are covered. */
  readonly treeSize: number;
  readonly root: string;
  /** Hash of record `treeSize`: ties the checkpoint to the chain as well as to the tree. */
  readonly head: string;
  readonly time: string;
  readonly keyId: string;
  /** Base64 Ed25519 signature over `checkpointMessage`. */
  readonly signature: string;
}

/** The exact bytes signed: a small text document, easy to check with any Ed25519 tool. */
export function checkpointMessage(c: Omit<Checkpoint, "signature">): string {
  return `rayvault audit checkpoint v1\ntree-size ${c.treeSize}\nroot ${c.root}\nhead ${c.head}\ntime ${c.time}\nkey ${c.keyId}\n`;
}

/** Signs and checks checkpoint messages (an Ed25519 key pair, or a KMS behind the same shape). */
export interface CheckpointSigner {
  readonly keyId: string;
  sign(message: Uint8Array): Uint8Array;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

/** A signer over an Ed25519 key pair held in memory. */
export function ed25519Signer(keyId: string, privateKey: KeyObject | undefined, publicKey: KeyObject): CheckpointSigner {
  return {
    keyId,
    sign: (m) => {
      if (!privateKey) throw new Error("no private audit key: this signer only verifies");
      return sign(null, m, privateKey);
    },
    verify: (m, s) => verify(null, m, publicKey, s),
  };
}

export function signCheckpoint(records: readonly AuditRecord[], time: string, keyId: string, privateKey: KeyObject): Checkpoint {
  return signCheckpointWith(records, time, { keyId, sign: (m) => sign(null, m, privateKey), verify: () => false });
}

/**
 * Signs the head of the stored chain. `records` run from `start` on; the tree size counts from record 1,
 * and after a prune the root covers the stored records only (the pruned ones are committed to by the
 * anchor's head, through the chain).
 */
export function signCheckpointWith(records: readonly AuditRecord[], time: string, signer: CheckpointSigner, start: ChainStart = GENESIS): Checkpoint {
  const unsigned = { treeSize: start.seq + records.length, root: merkleRoot(records.map((r) => r.hash)), head: records.at(-1)?.hash ?? start.hash, time, keyId: signer.keyId };
  return { ...unsigned, signature: Buffer.from(signer.sign(Buffer.from(checkpointMessage(unsigned)))).toString("base64") };
}

/** True when the signature is valid and the checkpoint matches the first `treeSize` records given. */
export function verifyCheckpoint(c: Checkpoint, records: readonly AuditRecord[], publicKey: KeyObject): boolean {
  return verifyCheckpointWith(c, records, ed25519Signer(c.keyId, undefined, publicKey));
}

/**
 * True when the signature is valid and the checkpoint matches the records given. `records` is the stored
 * chain from `start` on: with the whole log the Merkle root is recomputed; after a prune the root of a
 * checkpoint whose tree includes pruned records cannot be, and its head (the hash of record `treeSize`,
 * which commits to every record before it through the chain) is checked instead — or, for the anchor
 * checkpoint itself, against the chain's start.
 */
export function verifyCheckpointWith(c: Checkpoint, records: readonly AuditRecord[], signer: CheckpointSigner, start: ChainStart = GENESIS): boolean {
  const { signature, ...unsigned } = c;
  if (c.keyId !== signer.keyId) return false;
  if (!signer.verify(Buffer.from(checkpointMessage(unsigned)), Buffer.from(signature, "base64"))) return false;
  if (start.seq + records.length < c.treeSize) return false;
  if (start.seq === 0) {
    const covered = records.slice(0, c.treeSize);
    return merkleRoot(covered.map((r) => r.hash)) === c.root && (covered.at(-1)?.hash ?? GENESIS_HASH) === c.head;
  }
  if (c.treeSize < start.seq) return false; // covers only pruned records: retired with the prune
  if (c.treeSize === start.seq) return c.head === start.hash;
  return records[c.treeSize - start.seq - 1]?.hash === c.head;
}

// ---- Retention ----

/** Years audit records are kept at least (164.316(b)(2)(i), 164.530(j)(2)): six from their creation. */
export const MIN_RETENTION_YEARS = 6;

/** The time before which records may be pruned: `years` before `now`. */
export function retentionHorizon(now: string, years: number): string {
  const d = new Date(now);
  d.setUTCFullYear(d.getUTCFullYear() - years);
  return d.toISOString();
}

export type PrunePlan =
  | { readonly ok: true; readonly anchor: Checkpoint; readonly count: number }
  | { readonly ok: false; readonly reason: string };

/**
 * What a prune of records older than `before` may remove: up to the newest signed checkpoint whose
 * records are all older than `before` and older than the retention horizon (the checkpoint becomes the
 * chain's signed start). `records` is the stored chain from `start`; `checkpoints` those stored.
 */
export function planPrune(records: readonly AuditRecord[], checkpoints: readonly Checkpoint[], start: ChainStart, before: string, horizon: string): PrunePlan {
  if (before > horizon) return { ok: false, reason: `records are kept at least ${MIN_RETENTION_YEARS} years (164.316(b)(2)(i)): choose a date before ${horizon.slice(0, 10)}` };
  // The first stored record at or after `before` bounds what may go.
  const firstKept = records.find((r) => r.time >= before);
  const limit = firstKept ? firstKept.seq - 1 : start.seq + records.length;
  const anchor = [...checkpoints].filter((c) => c.treeSize > start.seq && c.treeSize <= limit).sort((a, b) => b.treeSize - a.treeSize)[0];
  if (!anchor) return { ok: false, reason: "no signed checkpoint covers only records older than that date: nothing can be pruned yet" };
  return { ok: true, anchor, count: anchor.treeSize - start.seq };
}
