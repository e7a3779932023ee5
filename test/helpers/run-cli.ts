/**
 * @module test/helpers/run-cli
 * Runs the real `rayvault` CLI in a child process (same Node as the tests) with its own RAYVAULT_HOME,
 * and finds the shared sample data when it is there.
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));
/** The command users run: bin/rayvault.js (pinned Node, compile cache), not the module behind it. */
export const BIN = join(REPO, "bin/rayvault.js");
export const CLI = join(REPO, "src/interfaces/cli/main.ts");
export const SHARED_DATA = fileURLToPath(new URL("../../../shared/data/", import.meta.url));
export const HAVE_SHARED_DATA = existsSync(join(SHARED_DATA, "dev"));
export const NO_SHARED_DATA_REASON = "../shared/data/dev is absent (a user's machine): skipped";

export interface CliResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `rayvault-${prefix}-`));
}

export function runCli(args: readonly string[], env: Record<string, string> = {}): CliResult {
  const home = env["RAYVAULT_HOME"] ?? tempDir("home");
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    env: { ...process.env, RAYVAULT_HOME: home, ...env },
    maxBuffer: 256 * 1024 * 1024,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The CLI without blocking this process: for tests whose servers (SMTP, webhooks) live in the test
 * process and must answer while the CLI runs. `out` is stdout then stderr.
 */
export function runCliAsync(args: readonly string[], env: Record<string, string>, stdin = ""): Promise<{ readonly status: number; readonly out: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ status: error ? Number(error.code ?? -1) : 0, out: stdout + stderr });
    });
    child.stdin!.end(stdin);
  });
}

/** Runs an external tool; returns its exit status and output (never throws on a non-zero exit). */
export function runTool(cmd: string, args: readonly string[], options: { readonly env?: NodeJS.ProcessEnv; readonly input?: Uint8Array | string } = {}): CliResult {
  const r = spawnSync(cmd, args, { encoding: "latin1", maxBuffer: 256 * 1024 * 1024, ...(options.env ? { env: options.env } : {}), ...(options.input !== undefined ? { input: options.input } : {}) });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function haveTool(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}
