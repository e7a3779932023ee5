/**
 * @module bench/deid/tools
 * The de-identifiers the benchmark compares: how each is prepared (untimed: copies, certificate,
 * pseudonym home), the exact command that is timed, and how its outputs map back to input files.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { firstLine, type Command, type Measured } from "../lib/measure.ts";
import type { InputSet } from "./inputs.ts";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
/** The command users run (bin/rayvault.js): it enables Node's compile cache before loading the CLI. */
export const RAYVAULT_CLI = join(REPO, "bin/rayvault.js");

export interface Collected {
  /** Input file name → output file path, for every output the tool wrote. */
  readonly outputs: Map<string, string>;
  /** Why files were not written (refusal codes, failures), without PHI. */
  readonly problems: string[];
}

export interface PreparedRun {
  readonly command: Command;
  collect(m: Measured): Collected;
  cleanup(): void;
}

export interface DeidTool {
  readonly id: string;
  /** What the tool does in this benchmark, printed under the tables. */
  readonly note: string;
  /** Exit statuses that mean "ran as intended". */
  readonly okStatus: readonly number[];
  available(): boolean;
  version(): string;
  prepare(set: InputSet, outDir: string, workDir: string): PreparedRun;
}

/** "gdcmanon: gdcm 3.0.21 $Date$" → "gdcm 3.0.21". */
function gdcmVersion(): string {
  return firstLine("gdcmanon", ["--version"]).replace(/^gdcmanon:\s*/, "").replace(/\$Date\$/, "").trim();
}

function have(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

/** Outputs that kept their input's name in `outDir` (gdcmanon, dcmodify). */
function sameNameOutputs(set: InputSet, outDir: string, m: Measured, tool: string): Collected {
  const outputs = new Map<string, string>();
  const problems: string[] = [];
  for (const f of set.files) {
    const out = join(outDir, f.name);
    if (existsSync(out) && statSync(out).size > 0) outputs.set(f.name, out);
  }
  const missing = set.files.length - outputs.size;
  if (missing > 0) problems.push(`${missing} output(s) missing`);
  if (m.status !== 0) problems.push(`${tool} exited ${m.status}: ${m.stderr.trim().split("\n").slice(-1)[0] ?? ""}`.slice(0, 200));
  return { outputs, problems };
}

const rayvault: DeidTool = {
  id: "rayvault",
  note: "rayvault deid --json (PS3.15 Basic Profile, pseudonyms, date shift, verify-after-write); fresh RAYVAULT_HOME in a temp dir per run; wall time includes Node start-up",
  okStatus: [0, 3],
  available: () => existsSync(RAYVAULT_CLI),
  version: () => {
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version?: string };
    const head = spawnSync("git", ["-C", REPO, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).stdout.trim();
    const dirty = spawnSync("git", ["-C", REPO, "status", "--porcelain", "--", "src"], { encoding: "utf8" }).stdout.trim() !== "";
    return `${pkg.version ?? "?"} (git ${head || "?"}${dirty ? ", src/ has uncommitted changes" : ""})`;
  },
  prepare(set, outDir) {
    const home = mkdtempSync(join(tmpdir(), "rayvault-bench-home-"));
    return {
      command: { cmd: process.execPath, args: [RAYVAULT_CLI, "deid", set.dir, "--out", outDir, "--json"], env: { RAYVAULT_HOME: home } },
      collect(m) {
        const outputs = new Map<string, string>();
        const problems: string[] = [];
        let report: { files?: { path: string; status: string; output?: string; code?: string }[] } | undefined;
        try {
          report = JSON.parse(m.stdout) as typeof report;
        } catch {
          problems.push(`no JSON report (exit ${m.status}): ${m.stderr.trim().split("\n").slice(-1)[0] ?? ""}`.slice(0, 200));
        }
        const refused = new Map<string, number>();
        for (const f of report?.files ?? []) {
          if (f.status === "written" && f.output) outputs.set(basename(f.path), join(outDir, f.output));
          else refused.set(f.code ?? "?", (refused.get(f.code ?? "?") ?? 0) + 1);
        }
        for (const [code, n] of refused) problems.push(`${n} refused (${code})`);
        return { outputs, problems };
      },
      cleanup: () => rmSync(home, { recursive: true, force: true }),
    };
  },
};

/**
 * The hand-written header list shared by `gdcmanon --dumb` and `dcmodify`: empty the Type 2 attributes,
 * remove the Type 3 ones. Dates other than birth date, UIDs, descriptions and serials are not in it.
 */
const EMPTY = ["0010,0010", "0010,0020", "0010,0030", "0008,0050", "0008,0090"] as const; // name, id, birth date, accession, referring
const REMOVE = ["0008,0080", "0008,0081", "0010,1040", "0008,0094", "0010,2154"] as const; // institution, its address, patient address, phones

const gdcmanonDumb: DeidTool = {
  id: "gdcmanon --dumb",
  note: `gdcmanon --dumb with the same hand-written list as dcmodify (--empty ${EMPTY.length} tags, --remove ${REMOVE.length}); dumb mode has no "all private tags" switch, so private data is left (naming the generator's private tag would be cheating)`,
  okStatus: [0],
  available: () => have("gdcmanon"),
  version: () => gdcmVersion(),
  prepare(set, outDir) {
    mkdirSync(outDir, { recursive: true });
    const args = ["--dumb", ...EMPTY.flatMap((t) => ["--empty", t]), ...REMOVE.flatMap((t) => ["--remove", t]), "-i", set.dir, "-o", outDir];
    return { command: { cmd: "gdcmanon", args }, collect: (m) => sameNameOutputs(set, outDir, m, "gdcmanon"), cleanup: () => undefined };
  },
};

/** A self-signed RSA-2048 certificate for gdcmanon -e, made once per day under `workDir`. */
function ensureCertificate(workDir: string): string {
  const dir = join(workDir, "cert");
  const cert = join(dir, "cert.pem");
  const fresh = existsSync(cert) && Date.now() - statSync(cert).mtimeMs < 12 * 3600 * 1000;
  if (!fresh) {
    mkdirSync(dir, { recursive: true });
    const r = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "key.pem"), "-out", cert, "-subj", "/CN=bench", "-days", "1"], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`openssl could not make the gdcmanon certificate: ${r.stderr.trim()}`);
  }
  return cert;
}

const gdcmanonEncrypt: DeidTool = {
  id: "gdcmanon -e",
  note: "gdcmanon -e --certificate (GDCM's PS3.15 Basic Profile, originals kept AES-256 encrypted in EncryptedAttributesSequence); leaks are plaintext hits only",
  okStatus: [0],
  available: () => have("gdcmanon") && have("openssl"),
  version: () => gdcmVersion(),
  prepare(set, outDir, workDir) {
    const cert = ensureCertificate(workDir);
    mkdirSync(outDir, { recursive: true });
    return {
      command: { cmd: "gdcmanon", args: ["-e", "--certificate", cert, "-i", set.dir, "-o", outDir] },
      collect: (m) => sameNameOutputs(set, outDir, m, "gdcmanon"),
      cleanup: () => undefined,
    };
  },
};

const dcmodify: DeidTool = {
  id: "dcmodify",
  note: `dcmodify -nb -imt -ep with a hand-written tag list (-ma "tag=" for ${EMPTY.length}, -ea for ${REMOVE.length}), NOT a profile; edits in place, so each run works on a copy made before timing (copy not timed); one process for the whole set`,
  okStatus: [0],
  available: () => have("dcmodify"),
  version: () => firstLine("dcmodify", ["--version"], /dcmtk/i).replace(/\$/g, "").replace(/^dcmtk:\s*/, "dcmtk ").trim(),
  prepare(set, outDir) {
    cpSync(set.dir, outDir, { recursive: true });
    const args = ["-nb", "-imt", "-ep", ...EMPTY.flatMap((t) => ["-ma", `(${t})=`]), ...REMOVE.flatMap((t) => ["-ea", `(${t})`]), ...set.files.map((f) => f.name)];
    return { command: { cmd: "dcmodify", args, cwd: outDir }, collect: (m) => sameNameOutputs(set, outDir, m, "dcmodify"), cleanup: () => undefined };
  },
};

export const DEID_TOOLS: readonly DeidTool[] = [rayvault, gdcmanonDumb, gdcmanonEncrypt, dcmodify];
