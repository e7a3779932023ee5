/**
 * @module core/mail/base64-lines
 * Streaming base64 for MIME bodies (RFC 2045 §6.8): 76-character lines ending in CRLF, whatever the
 * chunk sizes that arrive, in constant memory.
 */
const LINE = 57; // input bytes per 76-character line

export class Base64Lines {
  #rest: Buffer = Buffer.alloc(0);

  push(chunk: Uint8Array): Buffer {
    const all = this.#rest.length > 0 ? Buffer.concat([this.#rest, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const whole = all.length - (all.length % LINE);
    this.#rest = Buffer.from(all.subarray(whole));
    if (whole === 0) return Buffer.alloc(0);
    const out: string[] = [];
    for (let i = 0; i < whole; i += LINE) out.push(all.subarray(i, i + LINE).toString("base64"));
    return Buffer.from(`${out.join("\r\n")}\r\n`, "latin1");
  }

  finish(): Buffer {
    const out = this.#rest.length > 0 ? Buffer.from(`${this.#rest.toString("base64")}\r\n`, "latin1") : Buffer.alloc(0);
    this.#rest = Buffer.alloc(0);
    return out;
  }
}

/** A whole buffer as base64 lines. */
export function base64Lines(bytes: Uint8Array): string {
  const b = new Base64Lines();
  return Buffer.concat([b.push(bytes), b.finish()]).toString("latin1");
}
