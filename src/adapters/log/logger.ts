/**
 * @module adapters/log/logger
 * The process logger: pino, JSON lines on standard error, at RAYVAULT_LOG_LEVEL. It never carries PHI or
 * secrets: requests are logged as method, route pattern (`/api/instances/:id`, never the URL with its
 * query string, where one-time tokens travel), status and time; authorization and cookie headers are
 * never serialised, and any field named like a secret is redacted as a second line of defence.
 */
import pino, { type Logger } from "pino";
import type { LogLevel } from "../../config/load-config.ts";
import { errorCodeOf, safeMessageOf } from "../../core/errors.ts";

export type { Logger };

/** Field paths censored wherever they appear (one level deep, and in request headers). */
const REDACT = [
  "password", "token", "totp", "secret", "key", "cookie", "authorization",
  "*.password", "*.token", "*.totp", "*.secret", "*.key", "*.cookie", "*.authorization",
  "req.headers.authorization", "req.headers.cookie", "res.headers[\"set-cookie\"]",
];

interface RequestLike {
  readonly id?: unknown;
  readonly method?: string;
  readonly routeOptions?: { readonly url?: string };
}

export function createLogger(level: LogLevel, destination: pino.DestinationStream = pino.destination(2)): Logger {
  return pino(
    {
      level,
      base: { service: "rayvault" },
      redact: { paths: REDACT, censor: "[redacted]" },
      serializers: {
        // The route pattern, not the URL: ids stay references, query strings (tokens) never appear.
        req: (req: RequestLike) => ({ id: req.id, method: req.method, route: req.routeOptions?.url ?? "(no route)" }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        // Only the code and the safe message: a driver's error text may quote the values it was given.
        err: (e: unknown) => ({ code: errorCodeOf(e), message: safeMessageOf(e) }),
      },
    },
    destination,
  );
}
