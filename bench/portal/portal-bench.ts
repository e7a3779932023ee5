/**
 * @module bench/portal/portal-bench
 * The `portal` benchmark: the browser's hot paths, over HTTP on loopback, against Orthanc's REST API in
 * the same run on the same files. Upload: the CT slices and the radiographs of `ingest`, sent to
 * Rayvault's /api/uploads as one multipart request per set (what the portal's drop zone sends; streamed
 * to disk, scanned, encrypted, indexed, audited) and to Orthanc's POST /instances one file per request
 * (what Orthanc Explorer sends). Previews: every CT slice and radiograph rendered as PNG by
 * /api/instances/{id}/preview (access decision and audit first) and by Orthanc's /instances/{id}/preview.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, rayvaultCli, setArgs, waitFor, type inputs } from "../ingest/ingest-bench.ts";
import { machineInfo, renderMachine } from "../lib/machine.ts";
import { fmt, renderTable } from "../lib/table.ts";

const WORK = fileURLToPath(new URL("../.work/portal/", import.meta.url));
const BIN = fileURLToPath(new URL("../../bin/rayvault.js", import.meta.url));

export const PORTAL_USAGE = `npm run bench -- portal [--ct N] [--xray N] [--peers rayvault,orthanc]

  --ct N       CT slices (512×512, 16-bit, 0.5 MB each); default 200
  --xray N     radiographs (2048×2500, 16-bit, 10 MB each); default 20
  --peers      which servers to run; default both`;

type Set = ReturnType<typeof inputs>;
interface Timing { readonly n: number; readonly mb: number; readonly seconds: number }
interface PeerResult { peer: string; ctUp?: Timing; xrUp?: Timing; ctPreview?: Timing; xrPreview?: Timing; note?: string }

const timed = async (n: number, mb: number, f: () => Promise<void>): Promise<Timing> => {
  const t = performance.now();
  await f();
  return { n, mb, seconds: (performance.now() - t) / 1000 };
};

async function runRayvault(set: Set): Promise<PeerResult> {
  const home = join(WORK, "rayvault-home");
  rmSync(home, { recursive: true, force: true });
  const cli = rayvaultCli(home);
  cli(["user", "add", "tech", "--role", "technologist", "--role", "radiologist"], "violet tractor lantern quietly 91\n");
  const token = cli(["user", "token", "tech"]).trim().split("\n").at(-1)!;
  const http = await freePort();
  const base = `http://127.0.0.1:${http}`;
  const child = spawn(process.execPath, [BIN, "start"], { env: { ...process.env, RAYVAULT_HOME: home, RAYVAULT_PORT: String(http) }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const headers = { authorization: `Bearer ${token}`, "x-purpose-of-use": "treatment" };
  try {
    await waitFor(() => /listening on/.test(out), "rayvault to start");
    const upload = async (files: string[]): Promise<void> => {
      const form = new FormData();
      form.append("purpose", "treatment");
      for (const f of files) form.append("file", new Blob([readFileSync(f)], { type: "application/dicom" }), basename(f));
      const r = await fetch(`${base}/api/uploads`, { method: "POST", headers, body: form });
      const body = (await r.json()) as { files?: Array<{ status: string }> };
      if (r.status !== 200 || body.files?.some((x) => x.status !== "imported")) throw new Error(`upload: ${r.status} ${JSON.stringify(body).slice(0, 300)}`);
    };
    const ctUp = await timed(set.ct.length, set.ctMB, () => upload(set.ct));
    const xrUp = await timed(set.xray.length, set.xrayMB, () => upload(set.xray));
    // Every stored instance, by its series' modality (the first radiograph shares the CT slices' patient).
    const studies = ((await (await fetch(`${base}/api/studies`, { headers })).json()) as { studies: Array<{ id: string }> }).studies;
    const byModality: Record<string, string[]> = {};
    for (const s of studies) {
      const d = (await (await fetch(`${base}/api/studies/${s.id}`, { headers })).json()) as { series: Array<{ modality: string; instances: Array<{ id: string }> }> };
      for (const x of d.series) (byModality[x.modality === "CT" ? "CT" : "XR"] ??= []).push(...x.instances.map((i) => i.id));
    }
    const [ctIds, xrIds] = [byModality["CT"] ?? [], byModality["XR"] ?? []];
    if (ctIds.length !== set.ct.length || xrIds.length !== set.xray.length) throw new Error(`stored ${ctIds.length} CT and ${xrIds.length} radiographs`);
    const preview = (list: string[]) => async (): Promise<void> => {
      for (const id of list) {
        const r = await fetch(`${base}/api/instances/${id}/preview`, { headers });
        if (r.status !== 200) throw new Error(`preview: ${r.status}`);
        await r.arrayBuffer();
      }
    };
    const ctPreview = await timed(ctIds.length, 0, preview(ctIds));
    const xrPreview = await timed(xrIds.length, 0, preview(xrIds));
    return { peer: "rayvault", ctUp, xrUp, ctPreview, xrPreview };
  } finally {
    child.kill("SIGTERM");
    await new Promise((ok) => child.once("exit", ok));
  }
}

async function runOrthanc(set: Set): Promise<PeerResult> {
  const dir = join(WORK, "orthanc");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const http = await freePort();
  const base = `http://127.0.0.1:${http}`;
  writeFileSync(join(dir, "orthanc.json"), JSON.stringify({ Name: "bench", StorageDirectory: join(dir, "db"), IndexDirectory: join(dir, "db"), DicomServerEnabled: false, HttpPort: http, RemoteAccessAllowed: false, AuthenticationEnabled: false, Plugins: [], StorageCompression: false }));
  const child: ChildProcess = spawn("Orthanc", [join(dir, "orthanc.json")], { stdio: "ignore" });
  try {
    await waitFor(() => fetch(`${base}/system`).then((r) => r.ok, () => false), "Orthanc to start");
    const ids: Record<string, string[]> = { ct: [], xray: [] };
    const upload = (which: "ct" | "xray", files: string[]) => async (): Promise<void> => {
      for (const f of files) {
        const r = await fetch(`${base}/instances`, { method: "POST", headers: { "content-type": "application/dicom" }, body: readFileSync(f) });
        if (r.status !== 200) throw new Error(`Orthanc upload: ${r.status}`);
        ids[which]!.push(((await r.json()) as { ID: string }).ID);
      }
    };
    const ctUp = await timed(set.ct.length, set.ctMB, upload("ct", set.ct));
    const xrUp = await timed(set.xray.length, set.xrayMB, upload("xray", set.xray));
    const preview = (list: string[]) => async (): Promise<void> => {
      for (const id of list) {
        const r = await fetch(`${base}/instances/${id}/preview`, { headers: { accept: "image/png" } });
        if (r.status !== 200) throw new Error(`Orthanc preview: ${r.status}`);
        await r.arrayBuffer();
      }
    };
    return { peer: "orthanc", ctUp, xrUp, ctPreview: await timed(ids["ct"]!.length, 0, preview(ids["ct"]!)), xrPreview: await timed(ids["xray"]!.length, 0, preview(ids["xray"]!)) };
  } finally {
    child.kill();
  }
}

export async function portalBench(args: readonly string[]): Promise<number> {
  const parsed = setArgs(args, PORTAL_USAGE, "rayvault,orthanc");
  if (!parsed) return 0;
  const { set, peers } = parsed;
  const version = (spawnSync("Orthanc", ["--version"], { encoding: "utf8" }).stdout || "").split("\n").find((l) => /\d/.test(l))?.trim() ?? "not found";
  process.stdout.write(`${renderMachine(machineInfo({ orthanc: version }))}\n\n`);
  process.stdout.write(`input: ${set.ct.length} CT slices (${fmt(set.ctMB, 1)} MB), ${set.xray.length} radiographs (${fmt(set.xrayMB, 1)} MB); HTTP on loopback, one client\n\n`);
  const results: PeerResult[] = [];
  for (const p of peers) {
    try {
      results.push(p === "rayvault" ? await runRayvault(set) : await runOrthanc(set));
    } catch (e) {
      results.push({ peer: p, note: `failed: ${(e as Error).message}` });
    }
  }
  const rate = (t?: Timing): number | undefined => (t ? t.n / t.seconds : undefined);
  const rv = results.find((r) => r.peer === "rayvault");
  const ratio = (r: PeerResult, k: keyof Omit<PeerResult, "peer" | "note">): string => (r.peer === "rayvault" || !rv ? "" : fmt(rate(rv[k]) !== undefined && rate(r[k]) ? rate(rv[k])! / rate(r[k])! : undefined, 2));
  const rows = results.map((r) => [
    r.peer, fmt(rate(r.ctUp), 1), fmt(r.ctUp ? r.ctUp.mb / r.ctUp.seconds : undefined, 1), fmt(rate(r.xrUp), 2), fmt(r.xrUp ? r.xrUp.mb / r.xrUp.seconds : undefined, 1),
    fmt(rate(r.ctPreview), 1), fmt(rate(r.xrPreview), 2), ratio(r, "ctUp"), ratio(r, "xrUp"), ratio(r, "ctPreview"), ratio(r, "xrPreview"), r.note ?? "",
  ]);
  process.stdout.write(`${renderTable([
    { title: "server" }, { title: "CT up img/s", align: "right" }, { title: "CT up MB/s", align: "right" }, { title: "XR up img/s", align: "right" }, { title: "XR up MB/s", align: "right" },
    { title: "CT preview/s", align: "right" }, { title: "XR preview/s", align: "right" },
    { title: "rv/CT up", align: "right" }, { title: "rv/XR up", align: "right" }, { title: "rv/CT prev", align: "right" }, { title: "rv/XR prev", align: "right" }, { title: "note" },
  ], rows)}\n`);
  mkdirSync(WORK, { recursive: true });
  writeFileSync(join(WORK, "portal-results.json"), JSON.stringify({ machine: machineInfo({}), results }, null, 2));
  return results.some((r) => r.note?.startsWith("failed")) ? 1 : 0;
}
