/**
 * @module bench/lib/measure
 * Runs one external command and measures it: wall-clock (hrtime around the child) and peak RSS of the
 * child tree (GNU /usr/bin/time %M, else Python's getrusage(RUSAGE_CHILDREN), else not measured).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type RssMethod = "gnu-time" | "python-rusage" | "none";

export interface Command {
  readonly cmd: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
}

export interface Measured {
  readonly wallS: number;
  /** Peak resident set size of the largest process in the child tree, bytes (undefined if not measured). */
  readonly peakRssBytes: number | undefined;
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

const GNU_TIME = "/usr/bin/time";
const PY_RUSAGE =
  "import resource,subprocess,sys\n" +
  "r=subprocess.run(sys.argv[2:]).returncode\n" +
  "open(sys.argv[1],'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n" +
  "sys.exit(r)";

let cached: RssMethod | undefined;

/** How peak RSS is measured on this machine; BENCH_RSS=gnu-time|python-rusage|none overrides. */
export function rssMethod(): RssMethod {
  if (cached) return cached;
  const forced = process.env["BENCH_RSS"];
  if (forced === "gnu-time" || forced === "python-rusage" || forced === "none") return (cached = forced);
  if (existsSync(GNU_TIME) && spawnSync(GNU_TIME, ["-f", "%M", "true"], { encoding: "utf8" }).status === 0) return (cached = "gnu-time");
  if (spawnSync("python3", ["-c", "import resource"], { encoding: "utf8" }).status === 0) return (cached = "python-rusage");
  return (cached = "none");
}

export function describeRssMethod(m: RssMethod): string {
  switch (m) {
    case "gnu-time":
      return `${GNU_TIME} -f "%e %M" (max RSS of the largest process in the child tree)`;
    case "python-rusage":
      return "python3 getrusage(RUSAGE_CHILDREN).ru_maxrss (no /usr/bin/time; wall times then include ~0.03 s of Python start-up)";
    case "none":
      return "not measured (neither /usr/bin/time nor python3 available)";
  }
}

/** Runs `c` to completion; never throws on a non-zero exit. */
export function runMeasured(c: Command): Measured {
  const method = rssMethod();
  const scratch = mkdtempSync(join(tmpdir(), "rayvault-bench-measure-"));
  const rssFile = join(scratch, "rss");
  let cmd = c.cmd;
  let args: string[] = [...c.args];
  if (method === "gnu-time") {
    args = ["-f", "%e %M", "-o", rssFile, c.cmd, ...c.args];
    cmd = GNU_TIME;
  } else if (method === "python-rusage") {
    args = ["-c", PY_RUSAGE, rssFile, c.cmd, ...c.args];
    cmd = "python3";
  }
  try {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, {
      cwd: c.cwd,
      env: { ...process.env, ...c.env },
      encoding: "utf8",
      maxBuffer: 512 * 1024 * 1024,
    });
    const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.error) throw r.error;
    let peakRssBytes: number | undefined;
    if (method !== "none" && existsSync(rssFile)) {
      const text = readFileSync(rssFile, "utf8").trim().split(/\s+/);
      // GNU time with -o also writes "Command exited with non-zero status N" on its first line.
      const kib = Number(text[text.length - 1]);
      if (Number.isFinite(kib) && kib > 0) peakRssBytes = kib * 1024;
    }
    return { wallS, peakRssBytes, status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** First line of a command's output (for version strings); "unavailable" if it cannot run. */
export function firstLine(cmd: string, args: readonly string[], pick: RegExp = /\S/): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.error) return "unavailable";
  const line = `${r.stdout}\n${r.stderr}`.split("\n").find((l) => pick.test(l));
  return line?.trim() ?? "unknown";
}
