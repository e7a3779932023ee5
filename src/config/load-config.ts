/**
 * @module config/load-config
 * Loads configuration once, from the environment (RAYVAULT_*), validates it, fills defaults and
 * freezes it. Nothing else in Rayvault reads process.env.
 */
import { resolve } from "node:path";
import { z } from "zod";
import { ErrorCode, RayvaultError } from "../core/errors.ts";

const ConfigSchema = z
  .object({
    home: z.string().min(1),
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "silent"]),
  })
  .strict();

export type RayvaultConfig = Readonly<z.infer<typeof ConfigSchema>>;

export function loadConfig(env: Readonly<Record<string, string | undefined>>): RayvaultConfig {
  const parsed = ConfigSchema.safeParse({
    home: resolve(env["RAYVAULT_HOME"] ?? "rayvault-data"),
    logLevel: env["RAYVAULT_LOG_LEVEL"] ?? "warn",
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RayvaultError(ErrorCode.UsageInvalid, `configuration: ${issue?.path.join(".") ?? "?"} ${issue?.message ?? "invalid"}`);
  }
  return Object.freeze(parsed.data);
}
