/**
 * @module core/mail/delivery-report
 * Reads what comes back after a message left: delivery status notifications (DSN, RFC 3464) from mail
 * relays — failed, delayed, delivered — and message disposition notifications (MDN, RFC 8098) from the
 * recipient's system, including the Direct Project's "processed" and "dispatched" (Implementation
 * Guide for Delivery Notification). Only the outcome, the status code and the identifiers of our
 * message are kept; the report's addresses and diagnostic text (which may name the recipient) are not.
 */

export type ReportOutcome = "delivered" | "relayed" | "delayed" | "failed" | "processed" | "dispatched" | "displayed" | "deleted" | "denied";

export interface DeliveryReport {
  readonly kind: "dsn" | "mdn";
  readonly outcome: ReportOutcome;
  /** RFC 3463 enhanced status code of a DSN (e.g. 5.1.1); undefined for MDNs. */
  readonly statusCode?: string;
  /** ENVID our relay passed back (we set it to the delivery's id). */
  readonly envelopeId?: string;
  /** Message-IDs of our message that the report names (Original-Message-ID, or the returned headers). */
  readonly messageIds: readonly string[];
}

/** The parts of a multipart/report that carry meaning, as text; found by the adapter that parses MIME. */
export interface ReportParts {
  /** The report-type parameter of the multipart/report. */
  readonly reportType: string;
  /** The message/delivery-status or message/disposition-notification body. */
  readonly fields: string;
  /** The returned headers (text/rfc822-headers) or message (message/rfc822), when the report has them. */
  readonly original?: string;
  /** In-Reply-To / References of the report itself (MDNs often reply to our Message-ID). */
  readonly inReplyTo?: readonly string[];
}

/** Header-style field blocks (RFC 3464 section 2.1): blank lines separate them; folded lines joined. */
export function fieldBlocks(text: string): Array<Map<string, string>> {
  const blocks: Array<Map<string, string>> = [];
  let current = new Map<string, string>();
  let last = "";
  for (const line of text.replace(/\r\n/g, "\n").split("\n")) {
    if (line.trim() === "") {
      if (current.size > 0) blocks.push(current);
      current = new Map();
      last = "";
      continue;
    }
    if (/^[ \t]/.test(line) && last) {
      current.set(last, `${current.get(last) ?? ""} ${line.trim()}`.trim());
      continue;
    }
    const i = line.indexOf(":");
    if (i <= 0) continue;
    last = line.slice(0, i).trim().toLowerCase();
    current.set(last, line.slice(i + 1).trim());
  }
  if (current.size > 0) blocks.push(current);
  return blocks;
}

const MESSAGE_ID = /<[^<>\s@]+@[^<>\s]+>/g;

function messageIdsIn(headers: string | undefined): string[] {
  if (!headers) return [];
  const id = fieldBlocks(headers)[0]?.get("message-id");
  return id ? (id.match(MESSAGE_ID) ?? []) : [];
}

const DSN_ACTIONS: Readonly<Record<string, ReportOutcome>> = { failed: "failed", delayed: "delayed", delivered: "delivered", relayed: "relayed", expanded: "delivered" };
const MDN_DISPOSITIONS: readonly ReportOutcome[] = ["processed", "dispatched", "displayed", "deleted", "denied", "failed"];

/**
 * Interprets a report; undefined when it is not a DSN or MDN we can read (the caller says so). With
 * several recipients in one DSN (we send one per message) the worst outcome counts.
 */
export function interpretReport(parts: ReportParts): DeliveryReport | undefined {
  const type = parts.reportType.toLowerCase();
  const blocks = fieldBlocks(parts.fields);
  if (type === "delivery-status") {
    const perMessage = blocks[0];
    const recipients = blocks.slice(1).filter((b) => b.has("action"));
    if (!perMessage || recipients.length === 0) return undefined;
    const rank: ReportOutcome[] = ["failed", "delayed", "relayed", "delivered"];
    let worst: { outcome: ReportOutcome; status?: string } | undefined;
    for (const r of recipients) {
      const outcome = DSN_ACTIONS[(r.get("action") ?? "").toLowerCase()];
      if (!outcome) continue;
      const status = /^[245]\.\d{1,3}\.\d{1,3}/.exec(r.get("status") ?? "")?.[0];
      if (!worst || rank.indexOf(outcome) < rank.indexOf(worst.outcome)) worst = { outcome, ...(status ? { status } : {}) };
    }
    if (!worst) return undefined;
    const envid = perMessage.get("original-envelope-id");
    return {
      kind: "dsn", outcome: worst.outcome, ...(worst.status ? { statusCode: worst.status } : {}), ...(envid ? { envelopeId: envid.replace(/[^A-Za-z0-9._-]/g, "") } : {}),
      messageIds: [...new Set([...messageIdsIn(parts.original), ...(parts.inReplyTo ?? [])])],
    };
  }
  if (type === "disposition-notification") {
    const f = blocks[0];
    const disposition = f?.get("disposition");
    if (!f || !disposition) return undefined;
    // "automatic-action/MDN-sent-automatically; processed/error" → processed (modifiers after "/").
    const type = disposition.split(";")[1]?.trim().split("/")[0]?.trim().toLowerCase() as ReportOutcome | undefined;
    if (!type || !MDN_DISPOSITIONS.includes(type)) return undefined;
    const original = f.get("original-message-id")?.match(MESSAGE_ID) ?? [];
    return { kind: "mdn", outcome: type, messageIds: [...new Set([...original, ...messageIdsIn(parts.original), ...(parts.inReplyTo ?? [])])] };
  }
  return undefined;
}

/** What a report means for the delivery: reached the recipient, did not, or not yet known. */
export function reportEffect(r: DeliveryReport): "delivered" | "bounced" | "pending" {
  // An MDN "deleted" or "denied" still reached the recipient's system; only "failed" did not.
  if (r.outcome === "failed") return "bounced";
  if (r.outcome === "delayed") return "pending";
  return "delivered";
}

function contentType(value: string | undefined): { type: string; params: Map<string, string> } {
  const [type = "text/plain", ...rest] = (value ?? "text/plain").split(";");
  const params = new Map<string, string>();
  for (const m of rest.join(";").matchAll(/([A-Za-z][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/g)) params.set(m[1]!.toLowerCase(), m[2] ?? m[3] ?? "");
  return { type: type.trim().toLowerCase(), params };
}

function splitEntity(raw: string): { headers: Map<string, string>; body: string } {
  const text = raw.replace(/\r\n/g, "\n");
  const end = text.indexOf("\n\n");
  const head = end < 0 ? text : text.slice(0, end);
  return { headers: fieldBlocks(head)[0] ?? new Map<string, string>(), body: end < 0 ? "" : text.slice(end + 2) };
}

function decodeBody(body: string, encoding: string | undefined): string {
  const e = (encoding ?? "7bit").trim().toLowerCase();
  if (e === "base64") return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("latin1");
  if (e === "quoted-printable") return body.replace(/=\n/g, "").replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
  return body;
}

/**
 * The parts of a multipart/report message (RFC 6522) that matter, from the raw message; undefined when
 * the message is not a report (an old-style bounce, an ordinary reply). Encrypted reports (a Direct MDN
 * inside S/MIME) are `"encrypted"`: the caller decrypts them first or says it cannot.
 */
export function reportPartsOf(raw: string): ReportParts | "encrypted" | undefined {
  const top = splitEntity(raw);
  const ct = contentType(top.headers.get("content-type"));
  if (ct.type === "application/pkcs7-mime" || ct.type === "application/x-pkcs7-mime" || ct.type === "multipart/encrypted") return "encrypted";
  if (ct.type !== "multipart/report") return undefined;
  const boundary = ct.params.get("boundary");
  const reportType = ct.params.get("report-type");
  if (!boundary || !reportType) return undefined;
  const delimiter = `\n--${boundary}`;
  const sections = `\n${top.body}`.split(delimiter).slice(1);
  let fields: string | undefined;
  let original: string | undefined;
  for (const section of sections) {
    if (section.startsWith("--")) break;
    const part = splitEntity(section.replace(/^[ \t]*\n/, ""));
    const pct = contentType(part.headers.get("content-type")).type;
    const body = decodeBody(part.body, part.headers.get("content-transfer-encoding"));
    if (pct === "message/delivery-status" || pct === "message/disposition-notification" || pct === "message/global-delivery-status" || pct === "message/global-disposition-notification") fields ??= body;
    else if (pct === "text/rfc822-headers" || pct === "message/rfc822" || pct === "message/global-headers" || pct === "message/global") original ??= body;
  }
  if (fields === undefined) return undefined;
  const replyIds = [top.headers.get("in-reply-to"), top.headers.get("references")].flatMap((v) => v?.match(MESSAGE_ID) ?? []);
  return { reportType, fields, ...(original !== undefined ? { original } : {}), ...(replyIds.length > 0 ? { inReplyTo: replyIds } : {}) };
}
