/**
 * @module ports/rate-counter
 * Fixed-window request counters shared by every instance of the server (the rate limits on sign-in,
 * codes and links must hold however many stateless instances run behind the load balancer).
 */
export interface RateCounter {
  /** Counts one request under `key` in its current window (a new window once the last has ended): the count so far and the time left. */
  hit(key: string, windowMs: number): Promise<{ readonly count: number; readonly ttlMs: number }>;
}
