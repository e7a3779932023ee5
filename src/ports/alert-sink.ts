/**
 * @module ports/alert-sink
 * Where alerts go: a durable queue the officers review and acknowledge (the database), from which they
 * are also pushed to a webhook when one is configured (retried until delivered).
 */
import type { Alert } from "../core/alerts/alert.ts";

export interface StoredAlert extends Alert {
  readonly acknowledgedAt: string | null;
  readonly acknowledgedBy: string | null;
  readonly deliveredAt: string | null;
}

export interface AlertQueue {
  raise(alert: Alert): Promise<void>;
  /** Newest first; only the unacknowledged ones unless `all`. */
  list(all: boolean): Promise<StoredAlert[]>;
  /** False when there is no such unacknowledged alert. */
  acknowledge(id: string, by: string, at: string): Promise<boolean>;
  undelivered(): Promise<Alert[]>;
  markDelivered(id: string, at: string): Promise<void>;
}

/** Pushes one alert out (a webhook); throws when it was not accepted. */
export interface AlertPusher {
  push(alert: Alert): Promise<void>;
}
