/**
 * Builds the portal (web/ → web/dist) with Vite when the build is missing or older than its sources.
 * Run by `npm start` (prestart), `npm test` and `npm run build:web` (`--force` rebuilds).
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const web = fileURLToPath(new URL("../web/", import.meta.url));
const built = join(web, "dist", "index.html");

function newest(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((n) => newest(join(path, n))));
}

const sources = ["src", "index.html", "vite.config.ts", "public"].map((n) => join(web, n)).filter((p) => existsSync(p));
const stale = !existsSync(built) || process.argv.includes("--force") || Math.max(...sources.map(newest)) > statSync(built).mtimeMs;
if (stale) {
  const { build } = await import("vite");
  await build({ configFile: join(web, "vite.config.ts"), logLevel: "warn" });
  console.log(`portal built: ${join(web, "dist")}`);
}
