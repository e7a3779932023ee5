/**
 * @module core/errors
 * The error catalog: every failure Rayvault reports has a stable code listed here and in
 * docs/reference/errors.md. Messages carry references (tags, hashed ids, paths), never PHI values.
 */

/** Every error code, with the one-line meaning documented in docs/reference/errors.md. */
export const ErrorCode = {
  /** Input is not a DICOM file, or its structure is broken (truncated, bad length, bad VR). */
  DicomMalformed: "RV_DICOM_MALFORMED",
  /** The transfer syntax is unknown, so the dataset cannot be read safely. */
  DicomUnsupportedTransferSyntax: "RV_DICOM_UNSUPPORTED_TRANSFER_SYNTAX",
  /** A value is larger than Rayvault accepts (absurd length, inflation bomb). */
  InputTooLarge: "RV_INPUT_TOO_LARGE",
  /** An archive entry or DICOMDIR reference points outside its set (`..`, absolute path). */
  UnsafePath: "RV_UNSAFE_PATH",
  /** A zip archive is broken or exceeds the extraction limits. */
  ArchiveRejected: "RV_ARCHIVE_REJECTED",
  /** The file kind is not one Rayvault reads (not DICOM, photo, zip or text). */
  UnsupportedInput: "RV_UNSUPPORTED_INPUT",
  /** De-identification met something it cannot make safe (encapsulated document, unknown construct). */
  DeidUnsupported: "RV_DEID_UNSUPPORTED",
  /** Verification after de-identification found an identifier left in the output. */
  DeidResidualPhi: "RV_DEID_RESIDUAL_PHI",
  /** A photo could not be decoded or re-encoded. */
  PhotoUnreadable: "RV_PHOTO_UNREADABLE",
  /** Options given together contradict each other, or an option is unknown. */
  UsageInvalid: "RV_USAGE_INVALID",
  /** A key is missing, unreadable or wrong. */
  KeyMissing: "RV_KEY_MISSING",
  /** Stored state (pseudonym map) failed its integrity check. */
  StateCorrupt: "RV_STATE_CORRUPT",
  /** Not authenticated, or not allowed. */
  AccessDenied: "RV_ACCESS_DENIED",
  /** The database named by the configuration cannot be reached. */
  DatabaseUnavailable: "RV_DATABASE_UNAVAILABLE",
  /** The object asked for does not exist. */
  NotFound: "RV_NOT_FOUND",
  /** A vault object failed authentication: corrupted, truncated, reordered or spliced. */
  VaultCorrupt: "RV_VAULT_CORRUPT",
  /** Another run holds the lock on shared state (pseudonym map); wait for it or remove a stale lock. */
  StateLocked: "RV_STATE_LOCKED",
  /** A delivery (an alert webhook, later a message) was not accepted by the other side. */
  DeliveryFailed: "RV_DELIVERY_FAILED",
  /** The pixel data could not be decoded (a preview, later pixel cleaning): nothing is made from it. */
  PixelsUndecodable: "RV_PIXELS_UNDECODABLE",
  /** Text recognition (OCR) could not run or failed: an image is never declared free of text without it. */
  OcrFailed: "RV_OCR_FAILED",
  /** Too many requests of one kind (portal codes): wait, or ask the sender. */
  RateLimited: "RV_RATE_LIMITED",
  /** A portal link that can no longer be used: expired, revoked or its downloads used up. */
  LinkGone: "RV_LINK_GONE",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class RayvaultError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RayvaultError";
    this.code = code;
  }

  static assert(condition: unknown, code: ErrorCode, message: string): asserts condition {
    if (!condition) throw new RayvaultError(code, message);
  }
}

/** A DICOM stream that cannot be parsed; `offset` is the byte position where parsing stopped. */
export class MalformedDicomError extends RayvaultError {
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(ErrorCode.DicomMalformed, `${message} (at byte ${offset})`);
    this.name = "MalformedDicomError";
    this.offset = offset;
  }
}

export class UnsupportedTransferSyntaxError extends RayvaultError {
  constructor(uid: string) {
    super(ErrorCode.DicomUnsupportedTransferSyntax, `unsupported transfer syntax ${uid}`);
    this.name = "UnsupportedTransferSyntaxError";
  }
}

/** The code of any thrown value, for CLI/HTTP edges; unknown errors are reported as generic. */
export function errorCodeOf(error: unknown): string {
  return error instanceof RayvaultError ? error.code : "RV_INTERNAL";
}

/** A message safe to print: ours as written; foreign errors reduced to their class name. */
export function safeMessageOf(error: unknown): string {
  if (error instanceof RayvaultError) return error.message;
  if (error instanceof Error) return `internal error (${error.name})`;
  return "internal error";
}

/** The other side refused a delivery; `permanent` (an SMTP 5xx reply) means retrying cannot succeed. */
export class DeliveryRefusedError extends RayvaultError {
  readonly permanent: boolean;

  constructor(message: string, permanent: boolean, cause?: unknown) {
    super(ErrorCode.DeliveryFailed, message, { cause });
    this.name = "DeliveryRefusedError";
    this.permanent = permanent;
  }
}
