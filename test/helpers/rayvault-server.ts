/**
 * @module test/helpers/rayvault-server
 * Runs `rayvault start` (the command users run) in a child process with its own environment and waits
 * for it to say where it listens: HTTP, and the DICOM listener when RAYVAULT_DICOM_PORT is set.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { BIN } from "./run-cli.ts";

export interface RunningRayvault {
  readonly http: string;
  readonly dicomPort: number;
  readonly child: ChildProcess;
  /** Everything the server printed so far (stdout then stderr). */
  output(): string;
  /** SIGTERM, and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL: a crash, nothing flushed. */
  kill9(): Promise<void>;
}

/** A TCP port free on loopback now (for servers whose address must be known before they start). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startRayvault(env: Record<string, string>): Promise<RunningRayvault> {
  const child = spawn(process.execPath, [BIN, "start"], { env: { ...process.env, RAYVAULT_PORT: "0", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const wantDicom = env["RAYVAULT_DICOM_PORT"] !== undefined;
  const { http, dicomPort } = await new Promise<{ http: string; dicomPort: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`rayvault did not start: ${out}${err}`)), 90_000);
    const check = (): void => {
      const h = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      const d = /DICOM: AE \S+ listening on [^:\s]+:(\d+)/.exec(out);
      if (h && (!wantDicom || d)) {
        clearTimeout(timer);
        resolve({ http: h[1]!, dicomPort: d ? Number(d[1]) : 0 });
      }
    };
    child.stdout.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`rayvault exited ${code}: ${out}${err}`));
    });
  });
  return {
    http, dicomPort, child,
    output: () => out + err,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
    kill9: async () => {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/** The one-time setup link a first start prints just after it starts listening (waited for, up to 10 s). */
export async function setupLinkOf(server: RunningRayvault): Promise<string> {
  const link = /(http:\/\/127\.0\.0\.1:\d+\/setup\?token=[A-Za-z0-9_-]+)/;
  for (let i = 0; i < 100 && !link.test(server.output()); i++) await new Promise((r) => setTimeout(r, 100));
  const m = link.exec(server.output());
  if (!m) throw new Error(`no setup link printed: ${server.output()}`);
  return m[1]!;
}
