/**
 * @module scripts/generate-migration
 * `npm run db:generate -- <name>`: drizzle-kit generates the next SQL migration from the schema, then
 * the schema qualifiers are removed (scripts/unqualify-migrations.ts).
 */
import { execFileSync } from "node:child_process";

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  process.stderr.write("usage: npm run db:generate -- <name_in_snake_case>\n");
  process.exit(1);
}
execFileSync("npx", ["drizzle-kit", "generate", "--name", name], { stdio: "inherit" });
execFileSync(process.execPath, [new URL("./unqualify-migrations.ts", import.meta.url).pathname], { stdio: "inherit" });
