/**
 * @module interfaces/cli/main
 * The `rayvault` command line: parses arguments, builds the adapters from configuration, calls the
 * use-cases and prints their reports (human text or the documented JSON). Exit codes: 0 done,
 * 1 bad input or usage, 3 refused (fail closed). Holds no policy of its own.
 */
import { Command, CommanderError, Option } from "commander";
import { assertSupportedNode, tuneServerHeap } from "../../config/runtime.ts";
import { loadConfig } from "../../config/load-config.ts";
import { ErrorCode, errorCodeOf, RayvaultError, safeMessageOf } from "../../core/errors.ts";
import { parseProfileOptions } from "../../core/deid/profile.ts";
import { userInfo } from "node:os";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { deidDeps, pixelDeps, scanDeps } from "../../config/compose.ts";
import { Role, type AccessSubject } from "../../core/access/decide-access.ts";
import { AlertKind } from "../../core/alerts/alert.ts";
import type { RayvaultConfig } from "../../config/load-config.ts";
import type { VaultDeps } from "../../config/compose-vault.ts";

/** The vault (database engines included) is loaded only by the commands that use it. */
async function openVault(config: RayvaultConfig): Promise<VaultDeps> {
  const { vaultDeps } = await import("../../config/compose-vault.ts");
  return vaultDeps(config);
}

/** The DICOM listener of `rayvault start`: receiver (import), routing, and DICOM TLS when configured. */
async function startDicom(config: RayvaultConfig, deps: VaultDeps): Promise<{ close(): Promise<void> }> {
  const dicom = config.dicom!;
  const { startStoreScp } = await import("../dicom/store-scp.ts");
  const { dicomReceiver, recoverReceived, rehearseFiling } = await import("../../app/receive-dicom.ts");
  const { routeStudies } = await import("../../app/route-studies.ts");
  const receiver = dicomReceiver(deps, { aeTitle: config.dicomAeTitle, route: async (node, studies) => {
    await routeStudies(node, studies, deps);
  } });
  const { dicomTlsMaterial } = await import("../../config/compose-vault.ts");
  const m = dicomTlsMaterial(config);
  const tls = m.cert && m.key ? { key: m.key, cert: m.cert, ...(m.ca ? { ca: m.ca } : {}), requireClientCert: m.ca !== undefined } : undefined;
  // What an earlier process acknowledged but had not yet indexed is indexed before anything new comes in.
  const recovered = await recoverReceived(deps);
  if (recovered > 0) write(`DICOM: indexed ${recovered} instance(s) received before the last stop`);
  // The embedded database's WebAssembly compiled for filing before the first images, not while they arrive.
  if (config.databaseUrl.startsWith("embedded:")) await rehearseFiling(deps);
  const scp = await startStoreScp({ host: dicom.host, port: dicom.port, ...(tls ? { tls } : {}) }, receiver);
  write(`DICOM: AE ${config.dicomAeTitle} listening on ${dicom.host}:${scp.port}${tls ? " (DICOM TLS)" : ""}; accepted callers: rayvault dicom node add --inbound`);
  return { close: async () => {
    await scp.close();
    await receiver.drain();
  } };
}

/** Runs a command against the vault and closes it (the database) whatever happens. */
async function withVault(f: (deps: VaultDeps) => Promise<void>): Promise<void> {
  const deps = await openVault(loadConfig(process.env));
  try {
    await f(deps);
  } finally {
    await deps.close();
  }
}
import { scanFiles } from "../../app/scan-files.ts";
import { deidentifyFiles } from "../../app/deidentify-files.ts";
import { NO_SUCH_PATH } from "../../ports/input-catalog.ts";
import { registerDeliveryCommands, registerPolicyCommands } from "./policy-commands.ts";
import { registerDicomCommands } from "./dicom-commands.ts";
import { renderDeidReport, renderScanReport, scanReportJson, deidReportJson } from "./render.ts";

assertSupportedNode(process.versions.node);

export const ExitCode = { Ok: 0, BadInput: 1, Refused: 3 } as const;

/** Standard input as text without its final newline (for passwords: never on the command line). */
async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of process.stdin) parts.push(c as Buffer);
  return Buffer.concat(parts).toString("utf8").replace(/\r?\n$/, "");
}

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
    .description("run the gateway on loopback: API, first-administrator setup, sign-in (RAYVAULT_PORT, default 8080); the DICOM listener too when RAYVAULT_DICOM_PORT is set")
    .action(async () => {
      tuneServerHeap();
      const config = loadConfig(process.env);
      const deps = await openVault(config);
      const { buildServer } = await import("../http/server.ts");
      const { offerSetup } = await import("../../app/sessions.ts");
      const { createLogger } = await import("../../adapters/log/logger.ts");
      // Uploads wait in the home's uploads folder only while they are imported; a crash leaves them, so sweep.
      const uploadDir = join(config.home, "uploads");
      rmSync(uploadDir, { recursive: true, force: true });
      const server = buildServer(deps, createLogger(config.logLevel), { uploadDir, ...(config.trustProxy ? { trustProxy: config.trustProxy } : {}) });
      await server.listen({ host: "127.0.0.1", port: config.port });
      const address = server.server.address();
      const base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : config.port}`;
      write(`Rayvault 0.1.0 on Node ${process.versions.node}, data in ${config.home} (${config.databaseUrl.startsWith("embedded:") ? "embedded database" : "PostgreSQL"})`);
      write(`listening on ${base}  (health: ${base}/healthz, API: ${base}/api/openapi.json)`);
      // Alerts whose push failed are retried every minute.
      const { deliverAlerts } = await import("../../app/alerts.ts");
      const retry = setInterval(() => void deliverAlerts(deps).catch(() => undefined), 60_000);
      retry.unref();
      const setup = await offerSetup(deps);
      if (setup) write(`no administrator yet: open this one-time link within 24 hours to create one:\n  ${base}/setup?token=${setup}`);
      const scp = config.dicom ? await startDicom(config, deps) : undefined;
      const stop = (): void => {
        void (scp?.close() ?? Promise.resolve()).then(() => server.close()).then(() => deps.close()).then(() => process.exit(0));
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });

  program
    .command("scan")
    .description("find PHI in DICOM files, DICOMDIR sets, zip archives, photos and free text")
    .argument("<paths...>", "files or folders")
    .option("--json", "print the JSON report (schema: docs/reference/scan-json.md)")
    .option("--show-values", "print identifying values in full (operator only; off by default)")
    .option("--pixels", "also search DICOM pixels for burned-in text (OCR and stroke shapes; slower) and report its regions")
    .action(async (paths: string[], opts: { json?: boolean; showValues?: boolean; pixels?: boolean }) => {
      const pixels = opts.pixels ? pixelDeps(loadConfig(process.env)) : undefined;
      let report;
      try {
        report = await scanFiles(paths, { ...scanDeps(), ...(pixels ? { pixels } : {}) });
      } finally {
        await pixels?.recognizer.close();
      }
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
    .option("--keep-markers", "with --option clean-pixels: keep laterality and view markers (L, R, AP, PA, LAT…) that stand alone")
    .option("--json", "print the JSON report (schema: docs/reference/deid-json.md)")
    .action(async (paths: string[], opts: { out: string; option: string[]; json?: boolean; allowBurnedInRisk?: boolean; keepMarkers?: boolean }) => {
      const options = parseProfileOptions(opts.option);
      const config = loadConfig(process.env);
      const deps = deidDeps(config);
      try {
        const report = await deidentifyFiles({ paths, outDir: opts.out, options, allowBurnedInRisk: opts.allowBurnedInRisk === true, keepMarkers: opts.keepMarkers === true }, deps);
        write(opts.json ? JSON.stringify(deidReportJson(report), null, 2) : renderDeidReport(report));
        const missing = report.files.some((f) => f.code === "RV_UNSUPPORTED_INPUT" && f.reason === NO_SUCH_PATH);
        process.exitCode = missing || report.files.length === 0 ? ExitCode.BadInput : report.files.some((f) => f.status !== "written") ? ExitCode.Refused : ExitCode.Ok;
        if (report.files.length === 0) process.stderr.write("rayvault: no files found in the given paths\n");
      } finally {
        deps.close();
      }
    });

  program
    .command("import")
    .description("store DICOM files and photos in the encrypted vault, indexed, with an audit record each")
    .argument("<paths...>", "files, folders, zip or .gz archives")
    .requiredOption("--purpose <purpose>", "purpose of use: treatment, operations (personal or non-medical purposes are refused)")
    .option("--photo-patient-stdin", "read the MRN of the patient the photos show from standard input (photos need it)")
    .option("--json", "print the JSON report")
    .action(async (paths: string[], opts: { purpose: string; json?: boolean; photoPatientStdin?: boolean }) => {
      const photoPatientMrn = opts.photoPatientStdin ? await readStdin() : undefined;
      await withVault(async (deps) => {
        const { importFiles } = await import("../../app/import-files.ts");
        // The local operator acts as an integration principal: it may import, not read.
        const actor = { id: `operator:${userInfo().username}`, roles: [Role.Integration], mfa: false };
        const report = await importFiles({ paths, purpose: opts.purpose, actor, ...(photoPatientMrn !== undefined ? { photoPatientMrn } : {}) }, deps);
        // Sign the new head of the audit log, so records cannot later vanish from its end unseen.
        const { checkpointAudit } = await import("../../app/verify-vault.ts");
        await checkpointAudit(deps);
        if (opts.json) write(JSON.stringify({ version: 1, ...report }, null, 2));
        else if (report.refusal) write(`REFUSED: ${report.refusal.reason} (${report.refusal.rule})`);
        else {
          for (const f of report.files) write(f.status === "refused" ? `REFUSED  ${f.path}: ${f.code ?? "?"}: ${f.reason ?? "?"}` : `${f.status.padEnd(10)}${f.path} -> instance ${f.instance ?? "?"}`);
          const imported = report.files.filter((f) => f.status === "imported").length;
          const dup = report.files.filter((f) => f.status === "duplicate").length;
          write(`${imported} imported, ${dup} already in the vault, ${report.files.length - imported - dup} refused`);
        }
        process.exitCode = report.refusal || report.files.some((f) => f.status === "refused") ? ExitCode.Refused : ExitCode.Ok;
      });
    });

  const care = program.command("care").description("care relationships: which user treats which patient (a clinician sees only these)");
  const operator = (): AccessSubject => ({ id: `operator:${userInfo().username}`, roles: [Role.Integration], mfa: false });
  care
    .command("assign")
    .description("record that a user treats a patient; the patient's MRN is read from standard input (never from the command line)")
    .requiredOption("--user <username>", "the treating user")
    .addOption(new Option("--relationship <kind>", "how they treat the patient").choices(["attending", "referring", "ordering", "consulting"]).makeOptionMandatory())
    .option("--until <date>", "planned end (YYYY-MM-DD); default: until ended")
    .option("--purpose <purpose>", "purpose of use of this change", "operations")
    .action(async (opts: { user: string; relationship: string; until?: string; purpose: string }) => {
      const mrn = await readStdin();
      await withVault(async (deps) => {
        const { assignCare } = await import("../../app/manage-care.ts");
        const r = await assignCare({ actor: operator(), purpose: opts.purpose, username: opts.user, mrn, kind: opts.relationship, ...(opts.until ? { until: opts.until } : {}) }, deps);
        write(`care relationship ${r.id}: ${opts.user} is ${r.kind} for patient ${r.patientId}${r.endsAt ? ` until ${r.endsAt}` : ""}`);
      });
    });
  care
    .command("end")
    .description("end a user's care relationships with a patient (MRN on standard input)")
    .requiredOption("--user <username>", "the user")
    .option("--purpose <purpose>", "purpose of use of this change", "operations")
    .action(async (opts: { user: string; purpose: string }) => {
      const mrn = await readStdin();
      await withVault(async (deps) => {
        const { endCare } = await import("../../app/manage-care.ts");
        const n = await endCare({ actor: operator(), purpose: opts.purpose, username: opts.user, mrn }, deps);
        write(n === 0 ? "no open care relationship to end" : `ended ${n} care relationship(s)`);
      });
    });
  care
    .command("list")
    .description("a user's care relationships (patient references, no PHI)")
    .requiredOption("--user <username>", "the user")
    .option("--purpose <purpose>", "purpose of use", "operations")
    .option("--json", "print JSON")
    .action(async (opts: { user: string; purpose: string; json?: boolean }) => {
      await withVault(async (deps) => {
        const { listCare } = await import("../../app/manage-care.ts");
        const rels = await listCare({ actor: operator(), purpose: opts.purpose, username: opts.user }, deps);
        if (opts.json) write(JSON.stringify({ version: 1, relationships: rels }, null, 2));
        else for (const r of rels) write(`${r.id}  ${r.kind.padEnd(10)} patient ${r.patientId}  from ${r.startsAt}${r.endsAt ? ` until ${r.endsAt}` : ""}${r.endedAt ? `  ENDED ${r.endedAt}` : ""}`);
      });
    });

  const vault = program.command("vault").description("the encrypted object store");
  vault
    .command("verify")
    .description("read every stored object through authentication and match it with the index")
    .option("--json", "print the JSON report")
    .action(async (opts: { json?: boolean }) => {
      await withVault(async (deps) => {
        const { verifyVault } = await import("../../app/verify-vault.ts");
        const v = await verifyVault(deps);
        if (v.problems.length > 0) {
          const { raiseAlert } = await import("../../app/alerts.ts");
          await raiseAlert(AlertKind.VaultCorrupt, v.problems.slice(0, 20).map((p) => `blob:${p.blob}`), deps);
        }
        if (opts.json) write(JSON.stringify({ version: 1, ...v }, null, 2));
        else {
          for (const p of v.problems) write(`${p.problem.toUpperCase()}  blob ${p.blob}${p.reason ? `: ${p.reason}` : ""}`);
          write(`${v.checked} object(s) checked, ${v.problems.length} problem(s)`);
        }
        process.exitCode = v.problems.length > 0 ? ExitCode.Refused : ExitCode.Ok;
      });
    });

  vault
    .command("rotate")
    .description("make a new master key, re-wrap every object's data key with it, retire the old key")
    .action(async () => {
      await withVault(async (deps) => {
        const { rotateMasterKey } = await import("../../app/manage-keys.ts");
        const r = await rotateMasterKey(`operator:${userInfo().username}`, deps);
        write(`new master key ${r.newKeyId}; ${r.rewrapped} object(s) re-wrapped; retired: ${r.retired.join(", ") || "none"}`);
      });
    });
  vault
    .command("shred")
    .description("destroy one object's data key: it can never be decrypted again")
    .argument("<blob-id>")
    .action(async (blobId: string) => {
      await withVault(async (deps) => {
        const { shredObject } = await import("../../app/manage-keys.ts");
        await shredObject(`operator:${userInfo().username}`, blobId, deps);
        write(`shredded ${blobId}`);
      });
    });

  const audit = program.command("audit").description("the tamper-evident audit log");
  audit
    .command("verify")
    .description("check the hash chain; names the first edited, deleted, inserted or reordered record")
    .option("--json", "print the JSON verdict")
    .action(async (opts: { json?: boolean }) => {
      await withVault(async (deps) => {
        const { verifyAudit } = await import("../../app/verify-vault.ts");
        const v = await verifyAudit(deps);
        if (!v.ok) {
          const { raiseAlert } = await import("../../app/alerts.ts");
          await raiseAlert(AlertKind.AuditTampered, [v.chain.ok ? `checkpoint:${v.failedCheckpoints[0]?.treeSize ?? 0}` : `audit:${v.chain.firstBad}`], deps);
        }
        if (opts.json) write(JSON.stringify({ version: 1, ...v }, null, 2));
        else {
          const c = v.chain;
          write(c.ok ? `audit chain intact: ${c.count} record(s), head ${c.head.slice(0, 16)}…` : `AUDIT LOG TAMPERED at record ${c.firstBad}: ${c.reason}`);
          for (const f of v.failedCheckpoints) write(`CHECKPOINT ${f.treeSize} FAILS: ${f.reason}`);
          write(`${v.checkpoints} signed checkpoint(s) checked`);
        }
        process.exitCode = v.ok ? ExitCode.Ok : ExitCode.Refused;
      });
    });

  const alerts = program.command("alerts").description("security alerts for the privacy and security officers (lockouts, break-glass, tampering)");
  alerts
    .command("list")
    .description("alerts not yet acknowledged, newest first (references only)")
    .option("--all", "include acknowledged alerts")
    .option("--json", "print JSON")
    .action(async (opts: { all?: boolean; json?: boolean }) => {
      await withVault(async (deps) => {
        const { listAlerts } = await import("../../app/alerts.ts");
        const list = await listAlerts(opts.all === true, deps);
        if (opts.json) write(JSON.stringify({ version: 1, alerts: list }, null, 2));
        else {
          for (const a of list) write(`${a.id}  ${a.time}  ${a.severity.toUpperCase().padEnd(8)} ${a.kind}  ${a.refs.join(" ")}${a.acknowledgedAt ? `  acknowledged by ${a.acknowledgedBy ?? "?"}` : ""}\n    ${a.summary}`);
          write(`${list.length} alert(s)`);
        }
      });
    });
  alerts
    .command("ack")
    .description("acknowledge an alert (audited)")
    .argument("<alert-id>")
    .action(async (id: string) => {
      await withVault(async (deps) => {
        const { acknowledgeAlert } = await import("../../app/alerts.ts");
        await acknowledgeAlert(id, `operator:${userInfo().username}`, deps);
        write(`acknowledged ${id}`);
      });
    });
  alerts
    .command("deliver")
    .description("push queued alerts to RAYVAULT_ALERT_WEBHOOK (the server also retries every minute)")
    .action(async () => {
      await withVault(async (deps) => {
        const { deliverAlerts } = await import("../../app/alerts.ts");
        const r = await deliverAlerts(deps);
        write(`${r.delivered} delivered, ${r.pending} still queued${deps.alertPusher ? "" : " (no RAYVAULT_ALERT_WEBHOOK configured)"}`);
        process.exitCode = r.pending > 0 ? ExitCode.Refused : ExitCode.Ok;
      });
    });

  const user = program.command("user").description("workforce users: unique accounts, argon2id passwords, TOTP");
  user
    .command("add")
    .description("create a user; the password is read from standard input; prints the TOTP enrolment link once when MFA applies")
    .argument("<username>")
    .requiredOption("--role <role>", "a role (repeat for several): clinician, radiologist, technologist, billing, front-desk, privacy-officer, administrator, integration", (v: string, all: string[]) => [...all, v], [] as string[])
    .option("--require-mfa", "require a second factor even for roles that do not need one")
    .action(async (username: string, opts: { role: string[]; requireMfa?: boolean }) => {
      const password = await readStdin();
      await withVault(async (deps) => {
        const { addUser } = await import("../../app/manage-users.ts");
        const r = await addUser({ username, roles: opts.role, password, requireMfa: opts.requireMfa === true, actor: `operator:${userInfo().username}` }, deps);
        write(`user ${username} created (${r.id})`);
        if (r.totpUri) write(`enrol this in an authenticator app now; it is not shown again:\n${r.totpUri}`);
      });
    });
  user
    .command("login")
    .description("check a user's credentials (password on standard input), as the portal will; audited")
    .argument("<username>")
    .option("--totp <code>", "the current 6-digit code")
    .action(async (username: string, opts: { totp?: string }) => {
      const password = await readStdin();
      await withVault(async (deps) => {
        const { loginUser } = await import("../../app/manage-users.ts");
        const r = await loginUser({ username, password, ...(opts.totp ? { totp: opts.totp } : {}) }, deps);
        write(r.outcome === "ok" ? `ok: ${username} (${(r.roles ?? []).join(", ")})` : `refused: ${r.outcome}${r.alert ? " (account locked; the security officer is alerted)" : ""}`);
        process.exitCode = r.outcome === "ok" ? ExitCode.Ok : ExitCode.Refused;
      });
    });

  user
    .command("token")
    .description("create an API token for a user (an integration); shown once")
    .argument("<username>")
    .action(async (username: string) => {
      await withVault(async (deps) => {
        const { createApiToken } = await import("../../app/sessions.ts");
        const t = await createApiToken(username, `operator:${userInfo().username}`, deps);
        write(`token ${t.id} (send as "Authorization: Bearer <token>"; not shown again):\n${t.token}`);
      });
    });
  user
    .command("token-revoke")
    .description("revoke an API token by its id")
    .argument("<token-id>")
    .action(async (id: string) => {
      await withVault(async (deps) => {
        const { revokeApiToken } = await import("../../app/sessions.ts");
        await revokeApiToken(id, `operator:${userInfo().username}`, deps);
        write(`revoked ${id}`);
      });
    });

  audit
    .command("export")
    .description("export the audit log: CSV, FHIR R4 AuditEvent bundle, or DICOM/IHE ATNA messages")
    .addOption(new Option("--format <format>", "output format").choices(["csv", "fhir", "atna"]).makeOptionMandatory())
    .option("--out <file>", "write to a file (mode 0600) instead of standard output")
    .action(async (opts: { format: "csv" | "fhir" | "atna"; out?: string }) => {
      await withVault(async (deps) => {
        const { auditAtna, auditCsv, auditFhirBundle } = await import("../../core/audit/audit-export.ts");
        const records = await deps.audit.all();
        const text = opts.format === "csv" ? auditCsv(records) : opts.format === "fhir" ? `${JSON.stringify(auditFhirBundle(records), null, 1)}\n` : `${auditAtna(records)}\n`;
        if (opts.out) {
          const { writeFileSync } = await import("node:fs");
          writeFileSync(opts.out, text, { mode: 0o600 });
        } else process.stdout.write(text);
        process.exitCode = ExitCode.Ok;
      });
    });

  audit
    .command("prune")
    .description("remove audit records past their retention (at least 6 years, RAYVAULT_AUDIT_RETENTION_YEARS), archived first; the chain then starts at a signed checkpoint")
    .requiredOption("--before <date>", "remove records older than this date (YYYY-MM-DD), up to the newest signed checkpoint before it")
    .requiredOption("--archive <file>", "write the removed records (JSON lines, the anchor checkpoint first) to this new file, mode 0600")
    .action(async (opts: { before: string; archive: string }) => {
      if (Number.isNaN(Date.parse(opts.before))) throw new RayvaultError(ErrorCode.UsageInvalid, "--before must be a date (YYYY-MM-DD)");
      const config = loadConfig(process.env);
      await withVault(async (deps) => {
        const { pruneAudit } = await import("../../app/verify-vault.ts");
        const { closeSync, fsyncSync, openSync, writeSync } = await import("node:fs");
        const r = await pruneAudit({ before: new Date(opts.before).toISOString(), retentionYears: config.auditRetentionYears, actor: `operator:${userInfo().username}` }, deps, async (records, anchor) => {
          const fd = openSync(opts.archive, "wx", 0o600);
          try {
            writeSync(fd, `${JSON.stringify({ anchor })}\n`);
            for (const rec of records) writeSync(fd, `${JSON.stringify(rec)}\n`);
            fsyncSync(fd);
          } finally {
            closeSync(fd);
          }
        });
        write(r.ok ? `pruned records ${r.through - r.pruned + 1}–${r.through}, archived in ${opts.archive}; the chain now starts at checkpoint ${r.through}` : `NOT PRUNED: ${r.reason}`);
        process.exitCode = r.ok ? ExitCode.Ok : ExitCode.Refused;
      });
    });

  audit
    .command("checkpoint")
    .description("sign the current head of the audit log (Merkle root + Ed25519)")
    .action(async () => {
      await withVault(async (deps) => {
        const { checkpointAudit } = await import("../../app/verify-vault.ts");
        const c = await checkpointAudit(deps);
        write(c ? `checkpoint signed: ${c.treeSize} record(s), root ${c.root.slice(0, 16)}…, key ${c.keyId}` : "nothing to sign (empty or broken chain: run audit verify)");
        process.exitCode = c ? ExitCode.Ok : ExitCode.Refused;
      });
    });

  const kit = {
    withVault, write, readStdin, operator: `operator:${userInfo().username}`,
    exit: (code: 0 | 1 | 3): void => {
      process.exitCode = code;
    },
  };
  registerPolicyCommands(program, kit);
  registerDeliveryCommands(program, kit);
  registerDicomCommands(program, kit);
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
