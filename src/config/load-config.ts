/**
 * @module config/load-config
 * Loads configuration once, from the environment (RAYVAULT_*), validates it, fills defaults and
 * freezes it. Nothing else in Rayvault reads process.env. Unknown RAYVAULT_* keys are refused.
 */
import { resolve } from "node:path";
import { isAeTitle } from "../core/dicom/ae-title.ts";
import { ErrorCode, RayvaultError } from "../core/errors.ts";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface RayvaultConfig {
  /** Folder for keys, the pseudonym map, the embedded database and the blobs. */
  readonly home: string;
  readonly logLevel: LogLevel;
  /** `embedded:<dir>` (default: `<home>/db`) or `postgres://…`. */
  readonly databaseUrl: string;
  /** PostgreSQL only: the schema Rayvault lives in (default: the server's search path). */
  readonly databaseSchema?: string;
  /** Where encrypted objects are stored (default `<home>/blobs`). */
  readonly blobRoot: string;
  /** RISKY, tests only: "after-blob:N", "after-commit:N" (import file N), "mid-send:N", "after-send:N" (delivery N) kill the process there. */
  readonly testFault?: string;
  /** HTTP port on loopback (default 8080; 0 picks a free one). */
  readonly port: number;
  /** The vault master key from the environment (base64, 32 bytes) instead of the keyring file. */
  readonly masterKey?: string;
  /** Years audit records are kept before `audit prune` may remove them (default and minimum 6). */
  readonly auditRetentionYears: number;
  /** The mail relay (smtp://user:pass@host:587, STARTTLS required; or smtps://); unset: nothing is e-mailed. */
  readonly smtpUrl?: string;
  /** A PEM file of CA certificates to trust for the relay (a private CA). */
  readonly smtpCa?: string;
  /** The sender of every message ("Name <address>"), and its bare address (envelope, certificates). */
  readonly mailFrom: string;
  /** Tesseract language data (eng.traineddata) for pixel cleaning. */
  readonly tessdata: string;
  /** DKIM signing of outgoing mail (RFC 6376): the sender's domain, the DNS selector, the private key's PEM file. */
  readonly dkim?: { readonly domain: string; readonly selector: string; readonly keyPath: string };
  readonly mailFromAddress: string;
  /** Messages above this size are not e-mailed (MB, default 20). */
  readonly mailMaxMb: number;
  /** The address recipients reach the server at, for portal links (default http://127.0.0.1:<port>). */
  readonly publicUrl: string;
  /** A delivery left "sending" by a crash is sent again after this many seconds (default 600). */
  readonly outboxStaleSeconds: number;
  /** Where security alerts are pushed as JSON (https://, or http:// on loopback); queued only when absent. */
  readonly alertWebhook?: string;
  /** Our DICOM AE title (RAYVAULT_DICOM_AE, default RAYVAULT): the called AE we answer to and the calling AE of a push. */
  readonly dicomAeTitle: string;
  /** The DICOM listener, when RAYVAULT_DICOM_PORT is set: host (default 127.0.0.1), port, and DICOM TLS files. */
  readonly dicom?: {
    readonly host: string;
    readonly port: number;
    readonly tls?: { readonly certPath: string; readonly keyPath: string };
  };
  /** CA certificates (PEM file) that DICOM TLS peers must chain to: callers of our listener (then required) and nodes we push to. */
  readonly dicomTlsCa?: string;
  /** The proxies whose X-Forwarded-For is believed (addresses or CIDRs): the client address rate limits count by. */
  readonly trustProxy?: readonly string[];
  /** Hospital single sign-on (OpenID Connect), when RAYVAULT_OIDC_ISSUER is set. */
  readonly oidc?: { readonly issuer: string; readonly clientId: string; readonly clientSecret: string };
}

const KNOWN_KEYS = new Set(["RAYVAULT_HOME", "RAYVAULT_LOG_LEVEL", "RAYVAULT_DATABASE_URL", "RAYVAULT_DATABASE_SCHEMA", "RAYVAULT_TEST_FAULT", "RAYVAULT_PORT", "RAYVAULT_MASTER_KEY", "RAYVAULT_ALERT_WEBHOOK", "RAYVAULT_AUDIT_RETENTION_YEARS", "RAYVAULT_SMTP_URL", "RAYVAULT_SMTP_CA", "RAYVAULT_DKIM_SELECTOR", "RAYVAULT_DKIM_KEY", "RAYVAULT_MAIL_FROM", "RAYVAULT_MAIL_MAX_MB", "RAYVAULT_OUTBOX_STALE_SECONDS", "RAYVAULT_PUBLIC_URL", "RAYVAULT_TESSDATA", "RAYVAULT_DICOM_PORT", "RAYVAULT_DICOM_HOST", "RAYVAULT_DICOM_AE", "RAYVAULT_DICOM_TLS_CERT", "RAYVAULT_DICOM_TLS_KEY", "RAYVAULT_DICOM_TLS_CA", "RAYVAULT_OIDC_ISSUER", "RAYVAULT_OIDC_CLIENT_ID", "RAYVAULT_OIDC_CLIENT_SECRET", "RAYVAULT_TRUST_PROXY"]);

export function loadConfig(env: Readonly<Record<string, string | undefined>>): RayvaultConfig {
  const unknown = Object.keys(env).filter((k) => k.startsWith("RAYVAULT_") && !KNOWN_KEYS.has(k));
  if (unknown.length > 0) {
    throw new RayvaultError(ErrorCode.UsageInvalid, `configuration: unknown setting ${unknown.sort().join(", ")}`);
  }
  const home = env["RAYVAULT_HOME"] ?? "rayvault-data";
  if (home.trim() === "") throw new RayvaultError(ErrorCode.UsageInvalid, "configuration: RAYVAULT_HOME is empty");
  const logLevel = env["RAYVAULT_LOG_LEVEL"] ?? "warn";
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new RayvaultError(ErrorCode.UsageInvalid, `configuration: RAYVAULT_LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}`);
  }
  const absHome = resolve(home);
  const databaseUrl = env["RAYVAULT_DATABASE_URL"] ?? `embedded:${resolve(absHome, "db")}`;
  if (!/^(embedded:|postgres(ql)?:\/\/)/.test(databaseUrl)) {
    throw new RayvaultError(ErrorCode.UsageInvalid, "configuration: RAYVAULT_DATABASE_URL must be embedded:<dir> or postgres://…");
  }
  const fault = env["RAYVAULT_TEST_FAULT"];
  if (fault !== undefined && !/^(after-blob|after-commit|mid-send|after-send):\d+$/.test(fault)) throw new RayvaultError(ErrorCode.UsageInvalid, "configuration: RAYVAULT_TEST_FAULT is after-blob:N, after-commit:N, mid-send:N or after-send:N");
  const schema = env["RAYVAULT_DATABASE_SCHEMA"];
  const port = Number(env["RAYVAULT_PORT"] ?? "8080");
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RayvaultError(ErrorCode.UsageInvalid, "configuration: RAYVAULT_PORT must be 0–65535");
  const webhook = env["RAYVAULT_ALERT_WEBHOOK"];
  if (webhook !== undefined && !isAllowedWebhook(webhook)) {
    throw new RayvaultError(ErrorCode.UsageInvalid, "configuration: RAYVAULT_ALERT_WEBHOOK must be an https:// URL (or http:// on 127.0.0.1, ::1 or localhost)");
  }
  const retention = Number(env["RAYVAULT_AUDIT_RETENTION_YEARS"] ?? "6");
  if (!Number.isInteger(retention) || retention < 6 || retention > 100) {
    throw new RayvaultError(ErrorCode.UsageInvalid, "configuration: RAYVAULT_AUDIT_RETENTION_YEARS must be a whole number of years, at least 6 (45 CFR 164.316(b)(2)(i))");
  }
  const smtpUrl = env["RAYVAULT_SMTP_URL"];
  if (smtpUrl !== undefined && !/^smtps?:\/\/[^/]+/.test(smtpUrl)) throw new RayvaultError(ErrorCode.UsageInvalid, "configuration: RAYVAULT_SMTP_URL must be smtp://host:port (STARTTLS) or smtps://host:port");
  const mailFrom = env["RAYVAULT_MAIL_FROM"] ?? "Rayvault <rayvault@localhost>";
  if (!/^[^<>\r\n]*<[^@<>\s]+@[^@<>\s]+>$|^[^@<>\s]+@[^@<>\s]+$/.test(mailFrom)) throw new RayvaultError(ErrorCode.UsageInvalid, "configuration: RAYVAULT_MAIL_FROM must be an address or Name <address>");
  const mailMaxMb = Number(env["RAYVAULT_MAIL_MAX_MB"] ?? "20");
  if (!(mailMaxMb > 0 && mailMaxMb <= 1024)) throw new RayvaultError(ErrorCode.UsageInvalid, "configuration: RAYVAULT_MAIL_MAX_MB must be 1–1024");
  const dkimSelector = env["RAYVAULT_DKIM_SELECTOR"];
  const dkimKey = env["RAYVAULT_DKIM_KEY"];
  if ((dkimSelector === undefined) !== (dkimKey === undefined)) throw new RayvaultError(ErrorCode.UsageInvalid, "configuration: DKIM needs both RAYVAULT_DKIM_SELECTOR and RAYVAULT_DKIM_KEY");
  if (dkimSelector !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(dkimSelector)) throw new RayvaultError(ErrorCode.UsageInvalid, "configuration: RAYVAULT_DKIM_SELECTOR must be a DNS label");
  const publicUrl = env["RAYVAULT_PUBLIC_URL"] ?? `http://127.0.0.1:${port === 0 ? 8080 : port}`;
  if (!/^https?:\/\/[^/\s]+/.test(publicUrl)) throw new RayvaultError(ErrorCode.UsageInvalid, "configuration: RAYVAULT_PUBLIC_URL must be an http(s) URL");
  const staleSeconds = Number(env["RAYVAULT_OUTBOX_STALE_SECONDS"] ?? "600");
  if (!Number.isInteger(staleSeconds) || staleSeconds < 0) throw new RayvaultError(ErrorCode.UsageInvalid, "configuration: RAYVAULT_OUTBOX_STALE_SECONDS must be a whole number of seconds");
  const dicomAe = env["RAYVAULT_DICOM_AE"] ?? "RAYVAULT";
  if (!isAeTitle(dicomAe)) throw new RayvaultError(ErrorCode.UsageInvalid, "configuration: RAYVAULT_DICOM_AE must be 1–16 printable ASCII characters, no backslash, no leading or trailing spaces");
  const dicomPortText = env["RAYVAULT_DICOM_PORT"];
  const dicomPort = dicomPortText === undefined ? undefined : Number(dicomPortText);
  if (dicomPort !== undefined && !(Number.isInteger(dicomPort) && dicomPort >= 0 && dicomPort <= 65535)) throw new RayvaultError(ErrorCode.UsageInvalid, "configuration: RAYVAULT_DICOM_PORT must be 0–65535");
  const dicomCert = env["RAYVAULT_DICOM_TLS_CERT"];
  const dicomKey = env["RAYVAULT_DICOM_TLS_KEY"];
  if ((dicomCert === undefined) !== (dicomKey === undefined)) throw new RayvaultError(ErrorCode.UsageInvalid, "configuration: DICOM TLS needs both RAYVAULT_DICOM_TLS_CERT and RAYVAULT_DICOM_TLS_KEY");
  const dicomHost = env["RAYVAULT_DICOM_HOST"] ?? "127.0.0.1";
  if (!/^[A-Za-z0-9.:-]{1,253}$/.test(dicomHost)) throw new RayvaultError(ErrorCode.UsageInvalid, "configuration: RAYVAULT_DICOM_HOST must be an address to listen on");
  const oidcKeys = ["RAYVAULT_OIDC_ISSUER", "RAYVAULT_OIDC_CLIENT_ID", "RAYVAULT_OIDC_CLIENT_SECRET"].map((k) => env[k]);
  if (oidcKeys.some((v) => v !== undefined) && !oidcKeys.every((v) => v !== undefined && v !== "")) throw new RayvaultError(ErrorCode.UsageInvalid, "configuration: single sign-on needs RAYVAULT_OIDC_ISSUER, RAYVAULT_OIDC_CLIENT_ID and RAYVAULT_OIDC_CLIENT_SECRET");
  const [issuer, clientId, clientSecret] = oidcKeys;
  if (issuer !== undefined && !/^https:\/\/[^/\s]+|^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(issuer)) throw new RayvaultError(ErrorCode.UsageInvalid, "configuration: RAYVAULT_OIDC_ISSUER must be an https:// URL (or http:// on loopback)");
  const trustProxy = env["RAYVAULT_TRUST_PROXY"]?.split(",").map((x) => x.trim()).filter((x) => x !== "");
  if (trustProxy?.some((x) => !/^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(x))) throw new RayvaultError(ErrorCode.UsageInvalid, "configuration: RAYVAULT_TRUST_PROXY is a comma-separated list of proxy addresses or CIDRs (e.g. 10.0.0.5,10.1.0.0/16)");
  return Object.freeze({
    home: absHome,
    ...(trustProxy && trustProxy.length > 0 ? { trustProxy } : {}),
    ...(issuer && clientId && clientSecret ? { oidc: { issuer, clientId, clientSecret } } : {}),
    dicomAeTitle: dicomAe,
    ...(dicomPort !== undefined ? { dicom: { host: dicomHost, port: dicomPort, ...(dicomCert && dicomKey ? { tls: { certPath: resolve(dicomCert), keyPath: resolve(dicomKey) } } : {}) } } : {}),
    ...(env["RAYVAULT_DICOM_TLS_CA"] ? { dicomTlsCa: resolve(env["RAYVAULT_DICOM_TLS_CA"]) } : {}),
    mailFrom,
    mailFromAddress: (/<([^>]+)>$/.exec(mailFrom)?.[1] ?? mailFrom).toLowerCase(),
    mailMaxMb,
    tessdata: resolve(env["RAYVAULT_TESSDATA"] ?? "/usr/share/tesseract-ocr/5/tessdata"),
    ...(dkimSelector && dkimKey ? { dkim: { domain: (/@([^@>]+)>?$/.exec(mailFrom)?.[1] ?? "localhost").toLowerCase(), selector: dkimSelector, keyPath: resolve(dkimKey) } } : {}),
    outboxStaleSeconds: staleSeconds,
    publicUrl,
    ...(smtpUrl ? { smtpUrl } : {}),
    ...(env["RAYVAULT_SMTP_CA"] ? { smtpCa: resolve(env["RAYVAULT_SMTP_CA"]) } : {}),
    auditRetentionYears: retention,
    logLevel: logLevel as LogLevel,
    databaseUrl,
    blobRoot: resolve(absHome, "blobs"),
    port,
    ...(env["RAYVAULT_MASTER_KEY"] ? { masterKey: env["RAYVAULT_MASTER_KEY"] } : {}),
    ...(schema ? { databaseSchema: schema } : {}),
    ...(webhook ? { alertWebhook: webhook } : {}),
    ...(fault ? { testFault: fault } : {}),
  });
}

function isAllowedWebhook(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === "https:" || (u.protocol === "http:" && ["127.0.0.1", "[::1]", "localhost"].includes(u.hostname));
  } catch {
    return false;
  }
}
