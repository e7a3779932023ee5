/**
 * @module bench/ingest/ingest-bench
 * The `ingest` benchmark: 200 CT slices and 20 X-ray-sized radiographs pushed by dcmtk `storescu`
 * (TCP_NODELAY=1) into Rayvault's DICOM listener (scanning, encryption and indexing on), a real Orthanc
 * (its own SQLite index and storage) and dcmtk `storescp` (files only, no fsync), in the same run, on
 * the same files. Prints images/s and MB/s per set and Rayvault's ratio to each peer. For Rayvault it
 * also prints when everything acknowledged was searchable (the index commit follows the acknowledgement).
 * Each receiver first takes a warm-up association (200 CT slices of another patient, timed apart and
 * printed, not counted): the measured pushes are of a running server, not of one still compiling its
 * code (Node's JIT and WebAssembly tiers; Orthanc and storescp are native and gain little from it).
 * After 20 slices, V8 was still compiling the embedded database's WebAssembly in the background during
 * the CT push (a V8 thread ran ~0.6 s of each second there, on a 2-core machine); `--warmup 20` shows a
 * listener that cold.
 * The receivers take turns over several rounds (a fresh server each time) and the table gives each
 * rate's median with its range, and the ratio of the medians with the range of the rounds' own ratios:
 * on a small shared machine one run alone swings by a quarter. Rayvault runs on its embedded database,
 * or, with RAYVAULT_DATABASE_URL=postgres://…, on that server (a fresh schema per run, dropped after).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ctSliceFile, xrayFile } from "../../test/fixtures/synthetic-dicom.ts";
import { machineInfo, renderMachine } from "../lib/machine.ts";
import { fmt, renderTable } from "../lib/table.ts";

const WORK = fileURLToPath(new URL("../.work/ingest/", import.meta.url));
/** The benchmarks' input sets (CT slices, radiographs) are made once here and shared with `portal`. */
const BIN = fileURLToPath(new URL("../../bin/rayvault.js", import.meta.url));
const ENV = { ...process.env, TCP_NODELAY: "1" };

export const INGEST_USAGE = `npm run bench -- ingest [--ct N] [--xray N] [--warmup N] [--rounds N] [--peers rayvault,orthanc,storescp]

  --ct N       CT slices (512×512, 16-bit, 0.5 MB each); default 200 (0: none)
  --xray N     radiographs (2048×2500, 16-bit, 10 MB each); default 20 (0: none)
  --warmup N   CT slices of another patient each receiver takes first, not counted; default 200 (0: none)
  --rounds N   rounds in which every receiver runs once, in turn; default 3
  --peers      which receivers to run; default all three

Rayvault uses its embedded database, or the PostgreSQL server in RAYVAULT_DATABASE_URL (a schema of
its own per run). BENCH_NODE_FLAGS passes Node flags to its listener (--cpu-prof --cpu-prof-dir=DIR).`;

interface SetTiming { images: number; mb: number; seconds: number }
interface PeerResult { peer: string; warm?: SetTiming | undefined; ct?: SetTiming | undefined; xray?: SetTiming | undefined; indexedS?: number; note?: string }

const sleep = (ms: number): Promise<void> => new Promise((ok) => setTimeout(ok, ms));

export async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

export function inputs(ct: number, xray: number, warmup = 0): { ct: string[]; xray: string[]; warm: string[]; ctMB: number; xrayMB: number; warmMB: number } {
  const dir = join(WORK, "in");
  const ctDir = join(dir, `ct-${ct}`);
  // Patients apart from the CT's (900), so each radiograph is its own study and series.
  const xrDir = join(dir, `xray-${xray}-own-patients`);
  const warmDir = join(dir, `warm-ct-${warmup}`);
  if (!existsSync(ctDir)) {
    mkdirSync(ctDir, { recursive: true });
    for (let i = 0; i < ct; i++) writeFileSync(join(ctDir, `ct${String(i).padStart(4, "0")}.dcm`), ctSliceFile(900, i));
  }
  if (!existsSync(xrDir)) {
    mkdirSync(xrDir, { recursive: true });
    for (let i = 0; i < xray; i++) writeFileSync(join(xrDir, `xr${String(i).padStart(3, "0")}.dcm`), xrayFile(1900 + i));
  }
  if (warmup > 0 && !existsSync(warmDir)) {
    mkdirSync(warmDir, { recursive: true });
    for (let i = 0; i < warmup; i++) writeFileSync(join(warmDir, `w${String(i).padStart(4, "0")}.dcm`), ctSliceFile(901, i));
  }
  const list = (d: string): string[] => readdirSync(d).sort().map((f) => join(d, f));
  const mb = (fs: string[]): number => fs.reduce((a, f) => a + statSync(f).size, 0) / 1e6;
  const cts = list(ctDir);
  const xrs = list(xrDir);
  const warm = warmup > 0 ? list(warmDir) : [];
  return { ct: cts, xray: xrs, warm, ctMB: mb(cts), xrayMB: mb(xrs), warmMB: mb(warm) };
}

/** storescu of one set, timed (none for an empty set: `--xray 0`); throws when a store fails. */
function push(files: string[], port: number, aec: string, mb: number): SetTiming | undefined {
  if (files.length === 0) return undefined;
  const t = performance.now();
  const r = spawnSync("storescu", ["-aet", "BENCH", "-aec", aec, "127.0.0.1", String(port), ...files], { env: ENV, encoding: "utf8" });
  const seconds = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`storescu into ${aec} failed: ${(r.stdout + r.stderr).slice(0, 400)}`);
  return { images: files.length, mb, seconds };
}

/** The warm-up association, timed apart (not counted in the figures). */
function warmUp(set: ReturnType<typeof inputs>, port: number, aec: string): SetTiming | undefined {
  return push(set.warm, port, aec, set.warmMB);
}

/** The rayvault CLI on a benchmark's own home: stdout, or an error with what it printed. */
export function rayvaultCli(home: string, env: Record<string, string> = {}): (args: string[], input?: string) => string {
  return (args, input = "") => {
    const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env, RAYVAULT_HOME: home }, input, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`rayvault ${args[0]}: ${r.stdout}${r.stderr}`);
    return r.stdout;
  };
}

export async function waitFor(check: () => boolean | Promise<boolean>, what: string, seconds = 120): Promise<void> {
  for (let i = 0; i < seconds * 10; i++) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Runs of Rayvault in this benchmark: each on a PostgreSQL server gets a schema of its own. */
let serverRuns = 0;

/**
 * With RAYVAULT_DATABASE_URL naming a PostgreSQL server, each run of Rayvault lives in a fresh schema
 * (dropped after it), as each starts with a fresh home; otherwise the embedded default.
 */
async function databaseFor(): Promise<{ readonly env: Record<string, string>; drop(): Promise<void> }> {
  const url = process.env["RAYVAULT_DATABASE_URL"];
  if (!url?.startsWith("postgres")) return { env: {}, drop: async () => undefined };
  const schema = `bench_ingest_${process.pid}_${++serverRuns}`;
  return {
    env: { RAYVAULT_DATABASE_SCHEMA: schema },
    async drop() {
      const { default: pg } = await import("pg");
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    },
  };
}

async function runRayvault(set: ReturnType<typeof inputs>): Promise<PeerResult> {
  const home = join(WORK, "rayvault-home");
  rmSync(home, { recursive: true, force: true });
  const db = await databaseFor();
  try {
    return await runRayvaultIn(set, home, db.env);
  } finally {
    await db.drop();
  }
}

async function runRayvaultIn(set: ReturnType<typeof inputs>, home: string, dbEnv: Record<string, string>): Promise<PeerResult> {
  const cli = rayvaultCli(home, dbEnv);
  cli(["dicom", "node", "add", "--name", "bench modality", "--ae", "BENCH", "--inbound"]);
  cli(["user", "add", "reader", "--role", "radiologist"], "violet tractor lantern quietly 91\n");
  const token = cli(["user", "token", "reader"]).trim().split("\n").at(-1)!;
  const [port, http] = [await freePort(), await freePort()];
  // BENCH_NODE_FLAGS (such as "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the listener.
  const flags = (process.env.BENCH_NODE_FLAGS ?? "").split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...flags, BIN, "start"], { env: { ...ENV, ...dbEnv, RAYVAULT_HOME: home, RAYVAULT_PORT: String(http), RAYVAULT_DICOM_PORT: String(port) }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  try {
    await waitFor(() => /DICOM: AE \S+ listening/.test(out), "rayvault to start");
    const warm = warmUp(set, port, "RAYVAULT");
    const ct = push(set.ct, port, "RAYVAULT", set.ctMB);
    const t = performance.now();
    const xray = push(set.xray, port, "RAYVAULT", set.xrayMB);
    const total = set.warm.length + set.ct.length + set.xray.length;
    await waitFor(async () => {
      const r = await fetch(`http://127.0.0.1:${http}/dicomweb/studies?limit=1000`, { headers: { authorization: `Bearer ${token}`, "x-purpose-of-use": "treatment" } });
      if (r.status !== 200) return false;
      const studies = (await r.json()) as Array<Record<string, { Value?: number[] }>>;
      return studies.reduce((a, s) => a + (s["00201208"]?.Value?.[0] ?? 0), 0) >= total;
    }, "rayvault's index");
    const indexedS = (ct?.seconds ?? 0) + (performance.now() - t) / 1000;
    return { peer: "rayvault", warm, ct, xray, indexedS };
  } finally {
    child.kill("SIGTERM");
    await new Promise((ok) => child.once("exit", ok));
  }
}

async function runOrthanc(set: ReturnType<typeof inputs>): Promise<PeerResult> {
  const dir = join(WORK, "orthanc");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const [port, http] = [await freePort(), await freePort()];
  writeFileSync(join(dir, "orthanc.json"), JSON.stringify({ Name: "bench", StorageDirectory: join(dir, "db"), IndexDirectory: join(dir, "db"), DicomAet: "ORTHANC", DicomPort: port, HttpPort: http, RemoteAccessAllowed: false, AuthenticationEnabled: false, Plugins: [], StorageCompression: false }));
  const child: ChildProcess = spawn("Orthanc", [join(dir, "orthanc.json")], { env: ENV, stdio: "ignore" });
  try {
    await waitFor(() => fetch(`http://127.0.0.1:${http}/system`).then((r) => r.ok, () => false), "Orthanc to start");
    return { peer: "orthanc", warm: warmUp(set, port, "ORTHANC"), ct: push(set.ct, port, "ORTHANC", set.ctMB), xray: push(set.xray, port, "ORTHANC", set.xrayMB) };
  } finally {
    child.kill();
  }
}

async function runStorescp(set: ReturnType<typeof inputs>): Promise<PeerResult> {
  const dir = join(WORK, "storescp");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child = spawn("storescp", ["+xa", "-od", dir, String(port)], { env: ENV, stdio: "ignore" });
  try {
    await waitFor(() => spawnSync("echoscu", ["127.0.0.1", String(port)], { env: ENV }).status === 0, "storescp to start");
    return { peer: "storescp", warm: warmUp(set, port, "ANY-SCP"), ct: push(set.ct, port, "ANY-SCP", set.ctMB), xray: push(set.xray, port, "ANY-SCP", set.xrayMB), note: "no fsync, no index" };
  } finally {
    child.kill();
  }
}

/**
 * `--ct N --xray N --peers a,b` of the benchmarks that take the shared input sets, and `--warmup N --rounds N`
 * for those that pass their defaults (the others refuse them); undefined after printing --help.
 */
export function setArgs(
  args: readonly string[], usage: string, defaultPeers: string, repeat?: { readonly warmup: number; readonly rounds: number },
): { set: ReturnType<typeof inputs>; peers: string[]; rounds: number } | undefined {
  const text = { type: "string" } as const;
  const options = { ct: text, xray: text, peers: text, help: { type: "boolean" } as const, ...(repeat ? { warmup: text, rounds: text } : {}) };
  const { values } = parseArgs({ args: [...args], options }) as { values: Partial<Record<"ct" | "xray" | "peers" | "warmup" | "rounds", string>> & { help?: boolean } };
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return undefined;
  }
  return { set: inputs(Number(values.ct ?? 200), Number(values.xray ?? 20), Number(values.warmup ?? repeat?.warmup ?? 0)), peers: (values.peers ?? defaultPeers).split(","), rounds: Math.max(1, Number(values.rounds ?? repeat?.rounds ?? 1)) };
}

export async function ingestBench(args: readonly string[]): Promise<number> {
  const parsed = setArgs(args, INGEST_USAGE, "rayvault,orthanc,storescp", { warmup: 200, rounds: 3 });
  if (!parsed) return 0;
  const { set, peers } = parsed;
  const version = (cmd: string, a: string[]): string => (spawnSync(cmd, a, { encoding: "utf8" }).stdout || "").split("\n").find((l) => /\d/.test(l))?.trim() ?? "not found";
  process.stdout.write(`${renderMachine(machineInfo({ storescu: version("storescu", ["--version"]), orthanc: version("Orthanc", ["--version"]) }))}\n\n`);
  process.stdout.write(`input: ${set.ct.length} CT slices (${fmt(set.ctMB, 1)} MB), ${set.xray.length} radiographs (${fmt(set.xrayMB, 1)} MB); storescu with TCP_NODELAY=1, one association per set, after a warm-up association of ${set.warm.length} CT slices of another patient (not counted)\n\n`);
  const rounds: PeerResult[][] = [];
  for (let round = 0; round < parsed.rounds; round++) {
    const results: PeerResult[] = [];
    for (const p of peers) {
      // The receiver before left its files in the page cache (Orthanc and storescp do not fsync): written
      // back now, so that no receiver's fsyncs queue behind another's writeback.
      spawnSync("sync");
      try {
        results.push(p === "rayvault" ? await runRayvault(set) : p === "orthanc" ? await runOrthanc(set) : await runStorescp(set));
      } catch (e) {
        results.push({ peer: p, note: `failed: ${(e as Error).message}` });
      }
    }
    rounds.push(results);
  }
  const rate = (s?: SetTiming): number | undefined => (s ? s.images / s.seconds : undefined);
  const mbps = (s?: SetTiming): number | undefined => (s ? s.mb / s.seconds : undefined);
  const median = (xs: number[]): number | undefined => {
    const v = [...xs].sort((a, b) => a - b);
    return v.length === 0 ? undefined : v.length % 2 ? v[v.length >> 1] : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
  };
  const defined = (xs: Array<number | undefined>): number[] => xs.filter((x): x is number => x !== undefined);
  /** Median and range over the rounds: "12.3 (11.0–13.1)". */
  const summary = (xs: Array<number | undefined>, digits: number): string => {
    const v = defined(xs);
    if (v.length === 0) return "—";
    return v.length === 1 ? fmt(v[0], digits) : `${fmt(median(v), digits)} (${fmt(Math.min(...v), digits)}–${fmt(Math.max(...v), digits)})`;
  };
  const of = (peer: string): PeerResult[] => rounds.map((r) => r.find((x) => x.peer === peer)!);
  const ratio = (peer: string, set: "ct" | "xray"): string => {
    const ours = defined(of("rayvault").map((r) => rate(r[set])));
    const theirs = defined(of(peer).map((r) => rate(r[set])));
    if (ours.length === 0 || theirs.length === 0) return "—";
    const perRound = defined(rounds.map((r) => {
      const a = rate(r.find((x) => x.peer === "rayvault")?.[set]);
      const b = rate(r.find((x) => x.peer === peer)?.[set]);
      return a !== undefined && b !== undefined ? a / b : undefined;
    }));
    const m = fmt(median(ours)! / median(theirs)!, 2);
    return perRound.length > 1 ? `${m} (${fmt(Math.min(...perRound), 2)}–${fmt(Math.max(...perRound), 2)})` : m;
  };
  const hasOurs = peers.includes("rayvault");
  const rows = peers.map((peer) => {
    const rs = of(peer);
    const failed = rs.find((r) => r.note?.startsWith("failed"));
    const searchable = defined(rs.map((r) => r.indexedS));
    return [
      peer, summary(rs.map((r) => rate(r.ct)), 1), summary(rs.map((r) => mbps(r.ct)), 1), summary(rs.map((r) => rate(r.xray)), 2), summary(rs.map((r) => mbps(r.xray)), 1),
      peer === "rayvault" || !hasOurs ? "" : ratio(peer, "ct"), peer === "rayvault" || !hasOurs ? "" : ratio(peer, "xray"),
      [
        rs.some((r) => r.warm) ? `warm-up ${summary(rs.map((r) => rate(r.warm)), 1)} img/s` : "",
        failed?.note ?? rs.find((r) => r.note)?.note ?? "",
        searchable.length > 0 ? `all searchable after ${summary(searchable, 2)} s` : "",
      ].filter(Boolean).join("; "),
    ];
  });
  process.stdout.write(`${rounds.length} round(s); each figure is the median over the rounds with its range; a ratio is of the medians, with the range of the rounds' own ratios\n\n`);
  process.stdout.write(`${renderTable([
    { title: "receiver" }, { title: "CT img/s", align: "right" }, { title: "CT MB/s", align: "right" }, { title: "XR img/s", align: "right" }, { title: "XR MB/s", align: "right" },
    { title: "rayvault/CT", align: "right" }, { title: "rayvault/XR", align: "right" }, { title: "note" },
  ], rows)}\n`);
  mkdirSync(WORK, { recursive: true });
  writeFileSync(join(WORK, "ingest-results.json"), JSON.stringify({ machine: machineInfo({}), rounds }, null, 2));
  return rounds.flat().some((r) => r.note?.startsWith("failed")) ? 1 : 0;
}
