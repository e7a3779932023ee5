/**
 * Entry point of `npm run eval -- <name>`: evaluations that score Rayvault against ground truth (not
 * tests: they print figures). `burned-in`: pixel cleaning on the shared burned-in set.
 */
import { runBurnedInEval } from "./burned-in.ts";

const EVALS: Readonly<Record<string, (args: string[]) => Promise<void>>> = { "burned-in": runBurnedInEval };

const [name, ...args] = process.argv.slice(2);
const run = name ? EVALS[name] : undefined;
if (!run) {
  process.stdout.write(`usage: npm run eval -- <${Object.keys(EVALS).join("|")}> [ground-truth dir]\n`);
  process.exit(name ? 1 : 0);
}
await run(args);
