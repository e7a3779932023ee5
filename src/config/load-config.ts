/**
 * @module config/load-config
 * Loads configuration once, from the environment (RAYVAULT_*), validates it, fills defaults and
 * freezes it. Nothing else in Rayvault reads process.env. Unknown RAYVAULT_* keys are refused.
 */
import { resolve } from "node:path";
import { ErrorCode, RayvaultError } from "../core/errors.ts";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface RayvaultConfig {
  /** Folder for keys, the pseudonym map and (later) the embedded database and blobs. */
  readonly home: string;
  readonly logLevel: LogLevel;
}

const KNOWN_KEYS = new Set(["RAYVAULT_HOME", "RAYVAULT_LOG_LEVEL"]);

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
  return Object.freeze({ home: resolve(home), logLevel: logLevel as LogLevel });
}
