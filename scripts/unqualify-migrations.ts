/**
 * @module scripts/unqualify-migrations
 * drizzle-kit writes `"public".` before referenced tables; Rayvault's migrations must run in whatever
 * schema the connection's search path names (RAYVAULT_DATABASE_SCHEMA), so the qualifier is removed.
 * Run by `npm run db:generate`; test/standard/migrations.test.ts fails if a migration still has one.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";

export const MIGRATIONS_DIR = new URL("../src/adapters/db/migrations/", import.meta.url);

if (import.meta.main) {
  for (const name of readdirSync(MIGRATIONS_DIR).filter((n) => n.endsWith(".sql"))) {
    const url = new URL(name, MIGRATIONS_DIR);
    const sql = readFileSync(url, "utf8");
    const fixed = sql.replaceAll('"public".', "");
    if (fixed !== sql) {
      writeFileSync(url, fixed);
      process.stdout.write(`unqualified ${name}\n`);
    }
  }
}
