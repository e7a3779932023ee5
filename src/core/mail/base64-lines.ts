/**
 * @module core/mail/base64-lines
 * Streaming base64 for MIME bodies (RFC 2045 §6.8): 76-character lines ending in CRLF, whatever the
 * chunk sizes that arrive, in constant memory. Whole blocks of lines are encoded at once and the line
 * breaks copied in, so a 100 MB body costs a few hundred milliseconds, not millions of small strings.
 */
const LINE = 57; // input bytes per 76-character line

/** Input bytes encoded per step: its base64 string (78 kB) stays small enough for V8's young generation. */
const STEP = LINE * 1024;

/** Base64 of `bytes` (a whole number of lines, or the tail) as CRLF-terminated 76-character lines. */
function encodeLines(bytes: Uint8Array): Buffer {
  const src = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const b64Length = Math.ceil(src.length / 3) * 4;
  const out = Buffer.allocUnsafe(b64Length + Math.ceil(b64Length / 76) * 2);
  let o = 0;
  for (let s = 0; s < src.length; s += STEP) {
    const b64 = Buffer.from(src.subarray(s, Math.min(s + STEP, src.length)).toString("base64"), "latin1");
    for (let i = 0; i < b64.length; i += 76) {
      o += b64.copy(out, o, i, Math.min(i + 76, b64.length));
      out[o++] = 13;
      out[o++] = 10;
    }
  }
  return out;
}

export class Base64Lines {
  #rest: Buffer = Buffer.alloc(0);

  push(chunk: Uint8Array): Buffer {
    const all = this.#rest.length > 0 ? Buffer.concat([this.#rest, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const whole = all.length - (all.length % LINE);
    this.#rest = Buffer.from(all.subarray(whole));
    return whole === 0 ? Buffer.alloc(0) : encodeLines(all.subarray(0, whole));
  }

  finish(): Buffer {
    const out = this.#rest.length > 0 ? encodeLines(this.#rest) : Buffer.alloc(0);
    this.#rest = Buffer.alloc(0);
    return out;
  }
}

/** A whole buffer as base64 lines. */
export function base64Lines(bytes: Uint8Array): string {
  const b = new Base64Lines();
  return Buffer.concat([b.push(bytes), b.finish()]).toString("latin1");
}
