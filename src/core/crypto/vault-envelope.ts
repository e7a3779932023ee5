/**
 * @module core/crypto/vault-envelope
 * The encrypted blob format of the vault: one random AES-256 data key per object, wrapped (RFC 3394
 * AES key wrap) by a master key; the plaintext in fixed-size AES-256-GCM segments, each with its own
 * nonce (7-byte per-object prefix ‖ 32-bit counter ‖ final flag, as Tink's streaming AEAD), so any size
 * streams in constant memory and truncation, reordering and splicing are detected. The key block
 * (key id + wrapped key) has a fixed size and is not authenticated by the segments, so rotating the
 * master key rewrites only the header, and destroying it shreds the object. Pure: no I/O.
 *
 * Layout (all integers big endian):
 *   "RVLT" | version u8 = 1 | segmentSize u32 | noncePrefix[7]   ← fixed part: AAD of every segment
 *   keyId[32] (UTF-8, NUL-padded) | wrappedKey[40]                 ← key block, replaceable in place
 *   segment* : ciphertext (segmentSize, the last one shorter) ‖ tag[16]
 */
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from "node:crypto";
import { ErrorCode, RayvaultError } from "../errors.ts";

export const MAGIC = new Uint8Array([0x52, 0x56, 0x4c, 0x54]); // "RVLT"
export const VERSION = 1;
export const FIXED_HEADER_LENGTH = 4 + 1 + 4 + 7;
export const KEY_ID_LENGTH = 32;
export const WRAPPED_KEY_LENGTH = 40;
export const HEADER_LENGTH = FIXED_HEADER_LENGTH + KEY_ID_LENGTH + WRAPPED_KEY_LENGTH;
export const TAG_LENGTH = 16;
export const DEFAULT_SEGMENT_SIZE = 1024 * 1024;
const MIN_SEGMENT = 4096;
const MAX_SEGMENT = 64 * 1024 * 1024;
/** RFC 3394 default initial value. */
const KW_IV = Buffer.from("a6a6a6a6a6a6a6a6", "hex");

export interface EnvelopeHeader {
  readonly segmentSize: number;
  readonly noncePrefix: Uint8Array;
  readonly keyId: string;
  readonly wrappedKey: Uint8Array;
  /** The authenticated fixed part, as stored. */
  readonly fixed: Uint8Array;
}

function fail(message: string): RayvaultError {
  return new RayvaultError(ErrorCode.VaultCorrupt, message);
}

/**
 * Wraps a 32-byte data key under a 32-byte master key (AES-256 key wrap, RFC 3394). The master key may be
 * given as a key object, prepared once for many objects (from bytes, OpenSSL prepares it on every call).
 */
export function wrapKey(masterKey: Uint8Array | KeyObject, dataKey: Uint8Array): Uint8Array {
  const masterLength = masterKey instanceof Uint8Array ? masterKey.length : masterKey.symmetricKeySize;
  if (masterLength !== 32 || dataKey.length !== 32) throw new RayvaultError(ErrorCode.KeyMissing, "keys must be 32 bytes");
  const c = createCipheriv("id-aes256-wrap", masterKey, KW_IV);
  return new Uint8Array(Buffer.concat([c.update(dataKey), c.final()]));
}

/** Unwraps a data key; a wrong master key or a damaged key block is refused (RFC 3394 integrity check). */
export function unwrapKey(masterKey: Uint8Array, wrapped: Uint8Array): Uint8Array {
  try {
    const d = createDecipheriv("id-aes256-wrap", masterKey, KW_IV);
    return new Uint8Array(Buffer.concat([d.update(wrapped), d.final()]));
  } catch (cause) {
    throw new RayvaultError(ErrorCode.KeyMissing, "the data key does not unwrap with this master key (wrong key, or shredded)", { cause });
  }
}

function encodeKeyBlock(keyId: string, wrappedKey: Uint8Array): Uint8Array {
  const id = new TextEncoder().encode(keyId);
  if (id.length === 0 || id.length > KEY_ID_LENGTH) throw new RayvaultError(ErrorCode.UsageInvalid, `key id must be 1–${KEY_ID_LENGTH} bytes`);
  if (wrappedKey.length !== WRAPPED_KEY_LENGTH) throw new RayvaultError(ErrorCode.KeyMissing, "wrapped key has the wrong length");
  const block = new Uint8Array(KEY_ID_LENGTH + WRAPPED_KEY_LENGTH);
  block.set(id, 0);
  block.set(wrappedKey, KEY_ID_LENGTH);
  return block;
}

/** The key block to write over bytes [FIXED_HEADER_LENGTH, HEADER_LENGTH) when the master key rotates. */
export function rewrapKeyBlock(header: EnvelopeHeader, oldMaster: Uint8Array, newMaster: Uint8Array, newKeyId: string): Uint8Array {
  return encodeKeyBlock(newKeyId, wrapKey(newMaster, unwrapKey(oldMaster, header.wrappedKey)));
}

/** A key block whose wrapped key is destroyed: the object can never be decrypted again. */
export function shreddedKeyBlock(keyId: string): Uint8Array {
  return encodeKeyBlock(keyId, new Uint8Array(WRAPPED_KEY_LENGTH));
}

export function parseHeader(bytes: Uint8Array): EnvelopeHeader {
  if (bytes.length < HEADER_LENGTH) throw fail("vault object shorter than its header");
  if (!MAGIC.every((b, i) => bytes[i] === b)) throw fail("not a vault object (bad magic)");
  if (bytes[4] !== VERSION) throw fail(`unsupported vault format version ${bytes[4]}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const segmentSize = dv.getUint32(5);
  if (segmentSize < MIN_SEGMENT || segmentSize > MAX_SEGMENT) throw fail("vault object has an invalid segment size");
  const idBytes = bytes.subarray(FIXED_HEADER_LENGTH, FIXED_HEADER_LENGTH + KEY_ID_LENGTH);
  const end = idBytes.indexOf(0);
  return {
    segmentSize,
    noncePrefix: bytes.slice(9, 16),
    keyId: new TextDecoder().decode(end < 0 ? idBytes : idBytes.subarray(0, end)),
    wrappedKey: bytes.slice(FIXED_HEADER_LENGTH + KEY_ID_LENGTH, HEADER_LENGTH),
    fixed: bytes.slice(0, FIXED_HEADER_LENGTH),
  };
}

function nonce(prefix: Uint8Array, counter: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  n.set(prefix, 0);
  n.writeUInt32BE(counter, 7);
  n[11] = last ? 1 : 0;
  return n;
}

/** Ciphertext size of a plaintext of `length` bytes (header included). */
export function encryptedLength(length: number, segmentSize: number): number {
  const segments = Math.max(1, Math.ceil(length / segmentSize));
  return HEADER_LENGTH + length + segments * TAG_LENGTH;
}

export interface EncryptorInit {
  readonly masterKey: Uint8Array | KeyObject;
  readonly keyId: string;
  /** 32 random bytes: the object's data key. */
  readonly dataKey: Uint8Array;
  /** 7 random bytes. */
  readonly noncePrefix: Uint8Array;
  readonly segmentSize?: number;
}

/**
 * Streaming encryption: `push` plaintext in any chunk sizes and write what it returns; `finish` returns
 * the last segment. Holds at most one segment of plaintext.
 */
export class VaultEncryptor {
  readonly header: Uint8Array;
  /** The data key as a key object: prepared once, not for every segment. */
  readonly #key: KeyObject;
  readonly #prefix: Uint8Array;
  readonly #aad: Uint8Array;
  readonly #segmentSize: number;
  /** Plaintext of the segment being filled: allocated at the first partial segment (`sealAll` needs none). */
  #pending: Buffer | undefined;
  #filled = 0;
  #counter = 0;
  #finished = false;

  constructor(init: EncryptorInit) {
    const segmentSize = init.segmentSize ?? DEFAULT_SEGMENT_SIZE;
    if (segmentSize < MIN_SEGMENT || segmentSize > MAX_SEGMENT) throw new RayvaultError(ErrorCode.UsageInvalid, "segment size out of range");
    if (init.dataKey.length !== 32 || init.noncePrefix.length !== 7) throw new RayvaultError(ErrorCode.UsageInvalid, "data key must be 32 bytes and nonce prefix 7");
    const fixed = new Uint8Array(FIXED_HEADER_LENGTH);
    fixed.set(MAGIC, 0);
    fixed[4] = VERSION;
    new DataView(fixed.buffer).setUint32(5, segmentSize);
    fixed.set(init.noncePrefix, 9);
    const header = new Uint8Array(HEADER_LENGTH);
    header.set(fixed, 0);
    header.set(encodeKeyBlock(init.keyId, wrapKey(init.masterKey, init.dataKey)), FIXED_HEADER_LENGTH);
    this.header = header;
    this.#key = createSecretKey(init.dataKey);
    this.#prefix = init.noncePrefix;
    this.#aad = fixed;
    this.#segmentSize = segmentSize;
  }

  /** Seals one segment given as pieces; returns their ciphertexts, then the tag (written in that order). */
  #seal(plain: readonly Uint8Array[], last: boolean): Uint8Array[] {
    if (this.#counter > 0xffffffff) throw new RayvaultError(ErrorCode.InputTooLarge, "object too large for one vault envelope");
    const c = createCipheriv("aes-256-gcm", this.#key, nonce(this.#prefix, this.#counter++, last));
    c.setAAD(this.#aad);
    const out = plain.map((p) => c.update(p));
    c.final();
    out.push(c.getAuthTag());
    return out;
  }

  /**
   * Adds plaintext; returns the pieces of the complete segments it produced (possibly none), to be
   * written in order.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.#finished) throw new RayvaultError(ErrorCode.UsageInvalid, "encryptor already finished");
    const out: Uint8Array[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      // A full segment is sealed only once more data arrives, so the final one is always marked final.
      if (this.#filled === this.#segmentSize) {
        out.push(...this.#seal([this.#pending!], false));
        this.#filled = 0;
      }
      // Fast path: a whole segment with more data after it in this chunk is sealed without copying.
      if (this.#filled === 0 && chunk.length - pos > this.#segmentSize) {
        out.push(...this.#seal([chunk.subarray(pos, pos + this.#segmentSize)], false));
        pos += this.#segmentSize;
        continue;
      }
      const n = Math.min(this.#segmentSize - this.#filled, chunk.length - pos);
      this.#pending ??= Buffer.allocUnsafe(this.#segmentSize);
      this.#pending.set(chunk.subarray(pos, pos + n), this.#filled);
      this.#filled += n;
      pos += n;
    }
    return out;
  }

  /** Seals the final segment (empty if the plaintext was empty); returns its pieces. */
  finish(): Uint8Array[] {
    if (this.#finished) throw new RayvaultError(ErrorCode.UsageInvalid, "encryptor already finished");
    this.#finished = true;
    return this.#seal([this.#pending?.subarray(0, this.#filled) ?? new Uint8Array(0)], true);
  }

  /**
   * Seals a whole plaintext held in memory, in one piece or in several (the fragments it arrived in),
   * in place: the same pieces `push` and `finish` would return for their concatenation, without copying
   * the plaintext into segments first. Only on a fresh encryptor.
   */
  sealAll(plaintext: Uint8Array | readonly Uint8Array[]): Uint8Array[] {
    if (this.#finished || this.#counter > 0 || this.#filled > 0) throw new RayvaultError(ErrorCode.UsageInvalid, "sealAll needs a fresh encryptor");
    this.#finished = true;
    const parts = plaintext instanceof Uint8Array ? [plaintext] : plaintext;
    let remaining = parts.reduce((a, p) => a + p.length, 0);
    const out: Uint8Array[] = [];
    let part = 0;
    let at = 0;
    do {
      // A segment is final when nothing follows it, as with push/finish.
      const take = Math.min(this.#segmentSize, remaining);
      const pieces: Uint8Array[] = [];
      for (let need = take; need > 0; ) {
        const p = parts[part]!;
        const n = Math.min(need, p.length - at);
        if (n > 0) pieces.push(p.subarray(at, at + n));
        at += n;
        need -= n;
        if (at === p.length) {
          part++;
          at = 0;
        }
      }
      remaining -= take;
      out.push(...this.#seal(pieces, remaining === 0));
    } while (remaining > 0);
    return out;
  }
}

/**
 * Streaming decryption: `push` ciphertext (after the header) in any chunk sizes; it returns verified
 * plaintext segment by segment. `finish` throws unless the final segment was seen: a truncated object
 * never decrypts to a prefix that looks complete.
 */
export class VaultDecryptor {
  readonly #key: KeyObject;
  readonly #header: EnvelopeHeader;
  readonly #buffer: Buffer;
  #filled = 0;
  #counter = 0;
  #sawFinal = false;

  constructor(header: EnvelopeHeader, masterKey: Uint8Array) {
    this.#header = header;
    this.#key = createSecretKey(unwrapKey(masterKey, header.wrappedKey));
    this.#buffer = Buffer.alloc(header.segmentSize + TAG_LENGTH);
  }

  #open(sealed: Uint8Array, last: boolean): Uint8Array {
    const d = createDecipheriv("aes-256-gcm", this.#key, nonce(this.#header.noncePrefix, this.#counter, last));
    d.setAAD(this.#header.fixed);
    d.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH));
    try {
      const plain = d.update(sealed.subarray(0, sealed.length - TAG_LENGTH));
      d.final();
      this.#counter++;
      return plain;
    } catch (cause) {
      throw new RayvaultError(ErrorCode.VaultCorrupt, `vault segment ${this.#counter} failed authentication (corrupted, reordered, truncated or spliced)`, { cause });
    }
  }

  push(chunk: Uint8Array): Uint8Array[] {
    if (this.#sawFinal && chunk.length > 0) throw fail("data after the final vault segment");
    const out: Uint8Array[] = [];
    const full = this.#header.segmentSize + TAG_LENGTH;
    let pos = 0;
    while (pos < chunk.length) {
      // A full sealed segment is opened only once more data arrives: it is not the last.
      if (this.#filled === full) {
        out.push(this.#open(this.#buffer, false));
        this.#filled = 0;
      }
      // Fast path: a whole sealed segment with more data after it in this chunk is opened in place.
      if (this.#filled === 0 && chunk.length - pos > full) {
        out.push(this.#open(chunk.subarray(pos, pos + full), false));
        pos += full;
        continue;
      }
      const n = Math.min(full - this.#filled, chunk.length - pos);
      this.#buffer.set(chunk.subarray(pos, pos + n), this.#filled);
      this.#filled += n;
      pos += n;
    }
    return out;
  }

  finish(): Uint8Array {
    if (this.#filled < TAG_LENGTH) throw fail("vault object is truncated (no final segment)");
    const plain = this.#open(this.#buffer.subarray(0, this.#filled), true);
    this.#sawFinal = true;
    return plain;
  }
}
