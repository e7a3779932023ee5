/**
 * @module bench/run
 * Entry point of `npm run bench -- <name> [options]`: the registry of benchmarks (name → function)
 * and the listing shown with no argument or --help. Add a benchmark by adding an entry to BENCHMARKS.
 */
import { DEID_USAGE, deidBench } from "./deid/deid-bench.ts";
import { VAULT_ENVELOPE_USAGE, vaultEnvelopeBench } from "./vault/envelope-bench.ts";
import { VAULT_USAGE, vaultBench } from "./vault/vault-bench.ts";
import { MAIL_USAGE, mailBench } from "./mail/mail-bench.ts";
import { OCR_USAGE, ocrBench } from "./ocr/ocr-bench.ts";
import { INGEST_USAGE, ingestBench } from "./ingest/ingest-bench.ts";
import { PORTAL_USAGE, portalBench } from "./portal/portal-bench.ts";

interface Benchmark {
  /** One line for the listing. */
  readonly summary: string;
  readonly usage: string;
  /** Runs the benchmark with its own arguments; returns (or resolves to) the process exit code. */
  readonly run: (args: readonly string[]) => number | Promise<number>;
}

const BENCHMARKS: Readonly<Record<string, Benchmark>> = {
  deid: {
    summary: "de-identification: rayvault vs gdcmanon (--dumb, -e) and dcmodify on 20 X-rays and 200 CT slices; speed, peak RSS, leaks",
    usage: DEID_USAGE,
    run: deidBench,
  },
  vault: {
    summary: "vault: store/read 1 GiB vs cp+sync and openssl; import files/s vs cp+sync; audit appends/s (32 writers) vs fsync rate",
    usage: VAULT_USAGE,
    run: vaultBench,
  },
  smime: {
    summary: "S/MIME: a 100 MB study signed and encrypted, streamed, vs openssl cms -encrypt -stream (and sign|encrypt); time, peak RSS",
    usage: MAIL_USAGE,
    run: (args) => mailBench("smime", args),
  },
  pgp: {
    summary: "PGP/MIME: a 100 MB study signed and encrypted, armored, vs gpg -z 0 --encrypt (and --sign --encrypt --armor); time, peak RSS",
    usage: MAIL_USAGE,
    run: (args) => mailBench("pgp", args),
  },
  "vault-envelope": {
    summary: "vault format: AES-256-GCM segmented encrypt/decrypt throughput vs openssl speed -evp aes-256-gcm (one core)",
    usage: VAULT_ENVELOPE_USAGE,
    run: vaultEnvelopeBench,
  },
  ingest: {
    summary: "DICOM receive: 200 CT slices + 20 radiographs by storescu (TCP_NODELAY) into rayvault (scan, encrypt, index), Orthanc and storescp; images/s, MB/s, ratios",
    usage: INGEST_USAGE,
    run: ingestBench,
  },
  portal: {
    summary: "portal: upload of 200 CT slices + 20 radiographs over HTTP (one multipart request per set) and PNG previews of each, vs Orthanc's REST API (POST /instances, /preview); images/s, ratios",
    usage: PORTAL_USAGE,
    run: portalBench,
  },
  ocr: {
    summary: "burned-in text: find + clean + prove per image (2048×2500 CR, 3000×3000 DX, a labelled X-ray) vs the tesseract CLI (1 thread) on the same rendering",
    usage: OCR_USAGE,
    run: ocrBench,
  },
};

function listing(): string {
  const names = Object.keys(BENCHMARKS);
  const width = Math.max(...names.map((n) => n.length));
  return [
    "usage: npm run bench -- <benchmark> [options]   (npm run bench -- <benchmark> --help for its options)",
    "",
    "benchmarks:",
    ...names.map((n) => `  ${n.padEnd(width)}  ${BENCHMARKS[n]!.summary}`),
    "",
    "Outputs and cached inputs go to bench/.work/ (git-ignored).",
  ].join("\n");
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${listing()}\n`);
    return 0;
  }
  const bench = BENCHMARKS[name];
  if (!bench) {
    process.stderr.write(`bench: unknown benchmark "${name}"\n\n${listing()}\n`);
    return 1;
  }
  return await bench.run(rest);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
