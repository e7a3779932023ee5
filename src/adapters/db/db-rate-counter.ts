/**
 * @module adapters/db/db-rate-counter
 * The RateCounter in the database: one upsert per request (a new window when the stored one has ended),
 * atomic under concurrent requests from any instance; ended windows are deleted now and then.
 */
import { lt, sql } from "drizzle-orm";
import type { RateCounter } from "../../ports/rate-counter.ts";
import type { Db } from "./open-database.ts";
import { rateCounters } from "./schema.ts";

export function dbRateCounter(db: Db, nowMs: () => number = Date.now): RateCounter {
  let hits = 0;
  return {
    async hit(key, windowMs) {
      const now = nowMs();
      const [r] = await db
        .insert(rateCounters)
        .values({ key, count: 1, resetAt: now + windowMs })
        .onConflictDoUpdate({
          target: rateCounters.key,
          set: {
            count: sql`case when ${rateCounters.resetAt} <= ${now} then 1 else ${rateCounters.count} + 1 end`,
            resetAt: sql`case when ${rateCounters.resetAt} <= ${now} then ${now + windowMs} else ${rateCounters.resetAt} end`,
          },
        })
        .returning({ count: rateCounters.count, resetAt: rateCounters.resetAt });
      if (++hits % 1000 === 0) await db.delete(rateCounters).where(lt(rateCounters.resetAt, now));
      return { count: r!.count, ttlMs: Math.max(0, r!.resetAt - now) };
    },
  };
}
