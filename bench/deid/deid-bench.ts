/**
 * @module bench/deid/deid-bench
 * The `deid` benchmark: runs rayvault and its peers on the same input sets, times them, measures peak
 * RSS, counts planted identifiers left in every output, prints one table per set and saves JSON.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { describeRssMethod, firstLine, rssMethod, runMeasured } from "../lib/measure.ts";
import { machineInfo, renderMachine } from "../lib/machine.ts";
import { fmt, renderTable } from "../lib/table.ts";
import { ensureInputSet, SET_SPECS, type InputSet } from "./inputs.ts";
import { addLeaks, emptySummary, leaksIn, needlesFor, renderKinds, type LeakSummary } from "./leaks.ts";
import { DEID_TOOLS, RAYVAULT_CLI, type DeidTool } from "./tools.ts";

const WORK = fileURLToPath(new URL("../.work/", import.meta.url));
const RESULTS = join(WORK, "deid-results.json");

export const DEID_USAGE = `npm run bench -- deid [--runs N] [--sets xray,ct] [--regen] [--keep]

  --runs N     time each tool N times (median wall, max RSS); default 3
  --sets LIST  only these input sets (xray = A, ct = B); default both
  --regen      regenerate the input sets even if the cache is valid
  --keep       keep the outputs under bench/.work/deid/out (deleted by default)`;

interface ToolResult {
  tool: string;
  status: "ok" | "failed" | "unavailable";
  exitStatus?: number;
  walls?: number[];
  wallS?: number;
  filesPerS?: number;
  mbPerS?: number;
  peakRssMB?: number;
  written?: number;
  problems?: string[];
  leaks?: LeakSummary;
  /** rayvault files/s ÷ this tool's files/s. */
  rayvaultRatio?: number;
}

interface SetResult {
  set: string;
  label: string;
  files: number;
  inputMB: number;
  reusedCache: boolean;
  generateS: number;
  selfCheck: { needlesFound: number; needlesSearched: number };
  results: ToolResult[];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function log(msg: string): void {
  process.stderr.write(`[bench deid] ${msg}\n`);
}

/** Fixed cost of one rayvault invocation: `rayvault --version`, median of 3 (part of every rayvault wall time). */
function rayvaultStartup(): { wallS: number; peakRssMB: number | undefined } {
  const ms = [1, 2, 3].map(() => runMeasured({ cmd: process.execPath, args: [RAYVAULT_CLI, "--version"] }));
  const rss = ms[ms.length - 1]?.peakRssBytes;
  return { wallS: median(ms.map((m) => m.wallS)), peakRssMB: rss === undefined ? undefined : rss / 1e6 };
}

/** Every planted needle must be found in the inputs, or the leak counter would be blind. */
function selfCheck(set: InputSet): { needlesFound: number; needlesSearched: number } {
  const s = emptySummary();
  for (const f of set.files) addLeaks(s, leaksIn(readFileSync(join(set.dir, f.name)), needlesFor(f)));
  return { needlesFound: s.total, needlesSearched: s.needlesSearched };
}

function countLeaks(set: InputSet, outputs: Map<string, string>): LeakSummary {
  const s = emptySummary();
  for (const f of set.files) {
    const out = outputs.get(f.name);
    if (out) addLeaks(s, leaksIn(readFileSync(out), needlesFor(f)));
  }
  return s;
}

function runTool(tool: DeidTool, set: InputSet, runs: number, keep: boolean): ToolResult {
  if (!tool.available()) return { tool: tool.id, status: "unavailable" };
  const outDir = join(WORK, "deid", "out", set.id, tool.id.replace(/[^\w]+/g, "-").replace(/^-|-$/g, ""));
  const walls: number[] = [];
  let peak = 0;
  let last: ToolResult = { tool: tool.id, status: "failed" };
  for (let r = 1; r <= runs; r++) {
    rmSync(outDir, { recursive: true, force: true });
    const prepared = tool.prepare(set, outDir, WORK);
    try {
      spawnSync("sync"); // flush earlier tools' writes so they are not charged to this one
      const m = runMeasured(prepared.command);
      walls.push(m.wallS);
      peak = Math.max(peak, m.peakRssBytes ?? 0);
      const collected = prepared.collect(m);
      const ok = tool.okStatus.includes(m.status);
      log(`${set.id}: ${tool.id} run ${r}/${runs}: ${m.wallS.toFixed(2)} s, exit ${m.status}, ${collected.outputs.size}/${set.files.length} written`);
      last = { tool: tool.id, status: ok ? "ok" : "failed", exitStatus: m.status, written: collected.outputs.size, problems: collected.problems };
      if (r === runs) last.leaks = countLeaks(set, collected.outputs);
    } finally {
      prepared.cleanup();
    }
  }
  if (!keep) rmSync(outDir, { recursive: true, force: true });
  const wallS = median(walls);
  const mb = set.totalBytes / 1e6;
  return {
    ...last,
    walls,
    wallS,
    filesPerS: set.files.length / wallS,
    mbPerS: mb / wallS,
    ...(rssMethod() === "none" || peak === 0 ? {} : { peakRssMB: peak / 1e6 }),
  };
}

function renderSet(s: SetResult): string {
  const columns = [
    { title: "tool" }, { title: "exit", align: "right" as const }, { title: "written", align: "right" as const },
    { title: "wall s", align: "right" as const }, { title: "files/s", align: "right" as const }, { title: "MB/s", align: "right" as const },
    { title: "peak RSS MB", align: "right" as const }, { title: "leaks", align: "right" as const }, { title: "files w/ leaks", align: "right" as const },
    { title: "rayvault ÷ peer", align: "right" as const }, { title: "leaked kinds (count)" },
  ];
  const rows = s.results.map((r) =>
    r.status === "unavailable"
      ? [r.tool, "-", "-", "-", "-", "-", "-", "-", "-", "-", "not installed"]
      : [
          r.tool, String(r.exitStatus ?? "?"), `${r.written ?? 0}/${s.files}`, fmt(r.wallS), fmt(r.filesPerS, 1), fmt(r.mbPerS, 1), fmt(r.peakRssMB, 0),
          String(r.leaks?.total ?? "n/a"), `${r.leaks?.filesWithLeaks ?? 0}/${r.leaks?.filesChecked ?? 0}`,
          r.tool === "rayvault" ? "-" : r.rayvaultRatio === undefined ? "n/a" : `${r.rayvaultRatio.toFixed(2)}x`,
          r.leaks ? renderKinds(r.leaks) : "n/a",
        ],
  );
  const head = `Set ${s.label}: ${s.files} files, ${s.inputMB.toFixed(1)} MB in${s.reusedCache ? " (cached inputs)" : `, generated in ${s.generateS.toFixed(1)} s`}`;
  const problems = s.results.flatMap((r) => (r.problems ?? []).map((p) => `  ${r.tool}: ${p}`));
  const check = `  leak-counter self-check on the inputs: ${s.selfCheck.needlesFound}/${s.selfCheck.needlesSearched} planted strings found`;
  return [head, renderTable(columns, rows), check, ...(problems.length > 0 ? ["  problems:", ...problems] : [])].join("\n");
}

export function deidBench(argv: readonly string[]): number {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      runs: { type: "string", default: "3" },
      sets: { type: "string", default: SET_SPECS.map((s) => s.id).join(",") },
      regen: { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${DEID_USAGE}\n`);
    return 0;
  }
  const runs = Number.parseInt(values.runs, 10);
  if (!Number.isInteger(runs) || runs < 1 || runs > 10) throw new Error("--runs must be 1..10");
  const wantedSets = values.sets.split(",").map((s) => s.trim());
  const specs = SET_SPECS.filter((s) => wantedSets.includes(s.id));
  if (specs.length !== wantedSets.length) throw new Error(`--sets: known sets are ${SET_SPECS.map((s) => s.id).join(", ")}`);

  const t0 = process.hrtime.bigint();
  mkdirSync(WORK, { recursive: true });
  const versions: Record<string, string> = {};
  for (const t of DEID_TOOLS) versions[t.id.split(" ")[0]!] ??= t.available() ? t.version() : "not installed";
  versions["openssl"] = firstLine("openssl", ["version"]);
  const machine = machineInfo(versions);
  const method = rssMethod();
  const startup = rayvaultStartup();

  const sets: SetResult[] = [];
  for (const spec of specs) {
    log(`${spec.id}: preparing inputs`);
    const set = ensureInputSet(spec, join(WORK, "deid", "inputs"), values.regen);
    log(`${spec.id}: ${set.files.length} files, ${(set.totalBytes / 1e6).toFixed(1)} MB, ${set.reused ? "reused cache" : `generated in ${set.generateS.toFixed(1)} s`}`);
    const check = selfCheck(set); // also warms the page cache for every tool alike
    const results = DEID_TOOLS.map((t) => runTool(t, set, runs, values.keep));
    const rv = results.find((r) => r.tool === "rayvault")?.filesPerS;
    for (const r of results) if (r.tool !== "rayvault" && rv !== undefined && r.filesPerS) r.rayvaultRatio = rv / r.filesPerS;
    sets.push({
      set: set.id, label: set.label, files: set.files.length, inputMB: set.totalBytes / 1e6, reusedCache: set.reused, generateS: set.generateS,
      selfCheck: check, results,
    });
  }

  const notes = [
    "files/s and MB/s use input files and input MB (10^6 bytes) over wall-clock seconds; runs are sequential, one tool at a time",
    `peak RSS: ${describeRssMethod(method)}; MB = 10^6 bytes`,
    "leaks = planted strings of the file's own synthetic patient found anywhere in the output bytes (latin1): PatientName and",
    "  ReferringPhysicianName components of 3+ chars, PatientID, birth and study dates, accession, institution, address, phone,",
    "  the private (0009,1001) text, DeviceSerialNumber, original SOP Instance/Study/Series/Frame of Reference UIDs",
    ...DEID_TOOLS.map((t) => `${t.id}: ${t.note}`),
    "rayvault ÷ peer = rayvault files/s divided by the peer's files/s (above 1 = rayvault faster)",
    `rayvault start-up alone (\`rayvault --version\`, median of 3): ${startup.wallS.toFixed(2)} s, peak RSS ${fmt(startup.peakRssMB, 0)} MB; it is included in each rayvault wall time above`,
  ];
  const out = [
    "",
    `Benchmark deid, ${new Date().toISOString()}, ${runs} run(s) per tool${runs > 1 ? " (median wall, max RSS)" : ""}`,
    renderMachine(machine),
    "",
    ...sets.flatMap((s) => [renderSet(s), ""]),
    "Notes:",
    ...notes.map((n) => (n.startsWith("  ") ? `  ${n}` : `- ${n}`)),
    "",
  ];
  process.stdout.write(out.join("\n"));
  const totalS = Number(process.hrtime.bigint() - t0) / 1e9;
  writeFileSync(RESULTS, JSON.stringify({ benchmark: "deid", date: new Date().toISOString(), runs, totalS, machine, rssMethod: method, rayvaultStartup: startup, sets, notes }, null, 2));
  process.stdout.write(`Results saved to ${RESULTS} (whole benchmark ${totalS.toFixed(0)} s)\n`);
  const failed = sets.some((s) => s.results.some((r) => r.status === "failed")) || sets.some((s) => s.selfCheck.needlesFound !== s.selfCheck.needlesSearched);
  return failed ? 1 : 0;
}
