/**
 * @module interfaces/cli/main
 * The `rayvault` command line: parses arguments, builds the adapters from configuration, calls the
 * use-cases and prints their reports (human text or the documented JSON). Exit codes: 0 done,
 * 1 bad input or usage, 3 refused (fail closed). Holds no policy of its own.
 */
import { Command, CommanderError, Option } from "commander";
import { assertSupportedNode } from "../../config/runtime.ts";
import { loadConfig } from "../../config/load-config.ts";
import { errorCodeOf, safeMessageOf } from "../../core/errors.ts";
import { parseProfileOptions } from "../../core/deid/profile.ts";
import { deidDeps, scanDeps } from "../../config/compose.ts";
import { scanFiles } from "../../app/scan-files.ts";
import { deidentifyFiles } from "../../app/deidentify-files.ts";
import { NO_SUCH_PATH } from "../../ports/input-catalog.ts";
import { renderDeidReport, renderScanReport, scanReportJson, deidReportJson } from "./render.ts";

assertSupportedNode(process.versions.node);

export const ExitCode = { Ok: 0, BadInput: 1, Refused: 3 } as const;

function write(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name("rayvault")
    .description("Self-hosted gateway that lets clinics share X-rays without breaking HIPAA")
    .version("0.1.0")
    .exitOverride()
    .showHelpAfterError();

  program
    .command("start")
    .description("run the gateway (API + portal); the server arrives with the vault issue (#3)")
    .action(() => {
      const config = loadConfig(process.env);
      write(`Rayvault 0.1.0 on Node ${process.versions.node}. Data folder: ${config.home}`);
      write("The server (API, portal, vault) arrives with the vault issue (#3). Available now:");
      write("  npm run rayvault -- scan <path…> [--json]             find PHI in DICOM, photos, text");
      write("  npm run rayvault -- deid <path…> --out <dir> [--json]  de-identify (PS3.15 Basic Profile)");
      process.exitCode = ExitCode.Ok;
    });

  program
    .command("scan")
    .description("find PHI in DICOM files, DICOMDIR sets, zip archives, photos and free text")
    .argument("<paths...>", "files or folders")
    .option("--json", "print the JSON report (schema: docs/reference/scan-json.md)")
    .option("--show-values", "print identifying values in full (operator only; off by default)")
    .action(async (paths: string[], opts: { json?: boolean; showValues?: boolean }) => {
      const report = await scanFiles(paths, scanDeps());
      const showValues = opts.showValues === true;
      write(opts.json ? JSON.stringify(scanReportJson(report, showValues), null, 2) : renderScanReport(report, showValues));
      process.exitCode = report.files.some((f) => f.error) ? ExitCode.BadInput : ExitCode.Ok;
    });

  program
    .command("deid")
    .description("de-identify DICOM files, DICOMDIR sets and photos into --out, verifying every output")
    .argument("<paths...>", "files or folders")
    .requiredOption("--out <dir>", "output folder (nothing is written outside it)")
    .addOption(new Option("--profile <name>", "confidentiality profile").choices(["basic"]).default("basic"))
    .option("--option <name>", "a PS3.15 profile option, e.g. retain-longitudinal-modified-dates (repeat for several)", (v: string, all: string[]) => [...all, v], [] as string[])
    .option("--allow-burned-in-risk", "RISKY: write images whose burned-in text risk is high although pixels are not cleaned")
    .option("--json", "print the JSON report (schema: docs/reference/deid-json.md)")
    .action(async (paths: string[], opts: { out: string; option: string[]; json?: boolean; allowBurnedInRisk?: boolean }) => {
      const options = parseProfileOptions(opts.option);
      const config = loadConfig(process.env);
      const deps = deidDeps(config);
      try {
        const report = await deidentifyFiles({ paths, outDir: opts.out, options, allowBurnedInRisk: opts.allowBurnedInRisk === true }, deps);
        write(opts.json ? JSON.stringify(deidReportJson(report), null, 2) : renderDeidReport(report));
        const missing = report.files.some((f) => f.code === "RV_UNSUPPORTED_INPUT" && f.reason === NO_SUCH_PATH);
        process.exitCode = missing || report.files.length === 0 ? ExitCode.BadInput : report.files.some((f) => f.status !== "written") ? ExitCode.Refused : ExitCode.Ok;
        if (report.files.length === 0) process.stderr.write("rayvault: no files found in the given paths\n");
      } finally {
        deps.close();
      }
    });

  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv], { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? ExitCode.Ok : ExitCode.BadInput;
      return;
    }
    process.stderr.write(`rayvault: ${errorCodeOf(e)}: ${safeMessageOf(e)}\n`);
    process.exitCode = ExitCode.BadInput;
  }
}

if (import.meta.main) await main(process.argv.slice(2));
