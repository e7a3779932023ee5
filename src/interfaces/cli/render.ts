/**
 * @module interfaces/cli/render
 * Turns scan and de-identification reports into the documented JSON schemas (version 1) and into
 * human-readable text. Identifying values appear only when the operator passes --show-values.
 */
import { presentFinding } from "../../core/phi/phi-finding.ts";
import type { ScanReport } from "../../app/scan-files.ts";
import type { DeidReport } from "../../app/deidentify-files.ts";

export const REPORT_SCHEMA_VERSION = 1;

export function scanReportJson(report: ScanReport, showValues: boolean): Record<string, unknown> {
  return {
    version: REPORT_SCHEMA_VERSION,
    files: report.files.map((f) => ({
      path: f.path,
      kind: f.kind,
      findings: f.findings.map((x) => presentFinding(x, showValues)),
      ...(f.burnedIn ? { burnedIn: f.burnedIn } : {}),
      ...(f.pixelText ? { pixelText: f.pixelText } : {}),
      warnings: f.warnings,
      ...(f.error ? { error: f.error } : {}),
    })),
    summary: {
      files: report.files.length,
      withFindings: report.files.filter((f) => f.findings.length > 0).length,
      findings: report.files.reduce((n, f) => n + f.findings.length, 0),
      errors: report.files.filter((f) => f.error).length,
    },
  };
}

export function renderScanReport(report: ScanReport, showValues: boolean): string {
  const lines: string[] = [];
  for (const f of report.files) {
    if (f.error) {
      lines.push(`${f.path}: ERROR ${f.error.code}: ${f.error.message}`);
      continue;
    }
    lines.push(`${f.path}: ${f.kind}, ${f.findings.length} finding(s)${f.burnedIn ? `, burned-in text risk ${f.burnedIn.likelihood}` : ""}`);
    for (const x of f.findings) {
      const shown = showValues ? ` = ${JSON.stringify(x.value)}` : ` [${x.value.length} chars]`;
      lines.push(`  ${x.where}  ${x.field}  ${x.category}  ${x.action}${shown}`);
    }
    if (f.burnedIn && f.burnedIn.likelihood !== "low") lines.push(`  burned-in: ${f.burnedIn.reasons.join("; ")}`);
    if (f.pixelText) {
      const t = f.pixelText;
      lines.push(t.regions.length === 0 ? "  pixels: no text found" : `  pixels: ${t.lines} text line(s) read (${t.identifierLines} with a header identifier), ${t.textLikeLines} text-like; regions ${t.regions.map((r) => `[${r.join(",")}]`).join(" ")}`);
    }
  }
  const withFindings = report.files.filter((f) => f.findings.length > 0).length;
  const errors = report.files.filter((f) => f.error).length;
  lines.push(`${report.files.length} file(s) scanned, ${withFindings} with findings, ${errors} unusable`);
  return lines.join("\n");
}

export function deidReportJson(report: DeidReport): Record<string, unknown> {
  const written = report.files.filter((f) => f.status === "written").length;
  return {
    version: REPORT_SCHEMA_VERSION,
    out: report.outDir,
    files: report.files,
    summary: { files: report.files.length, written, refused: report.files.length - written },
  };
}

export function renderDeidReport(report: DeidReport): string {
  const lines = report.files.map((f) =>
    f.status === "written"
      ? `written  ${f.path} -> ${f.output ?? "?"} (${f.findings} finding(s) handled${f.method ? `, ${f.method}` : ""}${f.pixelRegions !== undefined ? `, pixels: ${f.pixelRegions === 0 ? "no text found" : `${f.pixelRegions} text region(s) cleaned${f.decompressedFrom ? `, decompressed from ${f.decompressedFrom} (written uncompressed)` : ""}`}` : f.burnedIn && f.burnedIn !== "low" ? `, burned-in risk ${f.burnedIn}` : ""})`
      : `REFUSED  ${f.path}: ${f.code ?? "?"}: ${f.reason ?? "?"}`,
  );
  const written = report.files.filter((f) => f.status === "written").length;
  lines.push(`${written} written, ${report.files.length - written} refused, into ${report.outDir}`);
  return lines.join("\n");
}
