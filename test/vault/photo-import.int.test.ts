/**
 * Photos into the vault (`rayvault import --photo-patient-stdin`), on the embedded database and on
 * PostgreSQL: a phone photo of a film, with GPS, owner, serial number and a rotation, is attached to the
 * patient named by the MRN given on standard input, stored with its metadata stripped and the rotation
 * applied (exiftool and sharp read the object after Python's `cryptography` decrypted it from the format
 * description), idempotent, refused without a patient, and its MRN is nowhere in clear at rest.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import sharp from "sharp";
import { BIN, haveTool, runCli, runTool, tempDir } from "../helpers/run-cli.ts";
import { havePostgres, NO_POSTGRES, PG_URL, scratchSchemas } from "../helpers/postgres.ts";

const havePg = await havePostgres();
const newSchema = scratchSchemas("rv_photo");
const MRN = "MRN88123457";
const DECRYPT = new URL("../helpers/vault-decrypt.py", import.meta.url).pathname;

const envs: Record<string, { skip: string | false; make: () => Record<string, string> }> = {
  embedded: { skip: false, make: () => ({ RAYVAULT_HOME: tempDir("photo-vault") }) },
  postgres: { skip: havePg ? false : NO_POSTGRES, make: () => ({ RAYVAULT_HOME: tempDir("photo-vault-pg"), RAYVAULT_DATABASE_URL: PG_URL, RAYVAULT_DATABASE_SCHEMA: newSchema() }) },
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).map((f) => join(dir, f)).filter((f) => statSync(f).isFile());
}

/** A 60 × 40 JPEG with a phone's metadata and EXIF orientation 6 (to be turned 90°). */
async function phonePhoto(dir: string): Promise<string> {
  const src = join(dir, "IMG_4471.jpg");
  await sharp({ create: { width: 60, height: 40, channels: 3, background: "#888" } }).jpeg().toFile(src);
  const e = runTool("exiftool", ["-overwrite_original", "-GPSLatitude=41.88", "-GPSLatitudeRef=N", "-GPSLongitude=87.62", "-GPSLongitudeRef=W",
    "-Make=Apple", "-Model=iPhone 15", "-SerialNumber=F2LXK9", "-OwnerName=Jane Doe", `-Comment=${MRN} chest film`, "-Orientation#=6", src]);
  assert.equal(e.status, 0, e.stderr);
  return src;
}

const importPhoto = (env: Record<string, string>, path: string, mrn?: string): ReturnType<typeof spawnSync> =>
  spawnSync(process.execPath, [BIN, "import", path, "--purpose", "treatment", "--json", ...(mrn === undefined ? [] : ["--photo-patient-stdin"])], { input: mrn === undefined ? "" : `${mrn}\n`, env: { ...process.env, ...env }, encoding: "utf8" });

for (const [name, db] of Object.entries(envs)) {
  describe(`photo import: ${name}`, { skip: db.skip || (haveTool("exiftool") ? false : "exiftool not installed") }, () => {
    it("stores the photo stripped and upright, attached to the MRN's patient, once", async () => {
      const env = db.make();
      const src = await phonePhoto(tempDir("photo-in"));

      const refused = importPhoto(env, src);
      assert.equal(refused.status, 3);
      assert.match(String(refused.stdout), /a photo names no patient/);

      const r = importPhoto(env, src, MRN);
      assert.equal(r.status, 0, String(r.stdout) + String(r.stderr));
      const file = (JSON.parse(String(r.stdout)) as { files: Array<{ status: string; instance: string; findings: number }> }).files[0]!;
      assert.equal(file.status, "imported");
      assert.ok(file.findings >= 4, `metadata findings: ${file.findings}`);
      const again = JSON.parse(String(importPhoto(env, src, MRN).stdout)) as { files: Array<{ status: string; instance: string }> };
      assert.deepEqual([again.files[0]!.status, again.files[0]!.instance], ["duplicate", file.instance]);
      assert.deepEqual(JSON.parse(runCli(["vault", "verify", "--json"], env).stdout), { version: 1, checked: 1, problems: [] });

      // Decrypt the object independently and look at what the vault keeps.
      const home = env["RAYVAULT_HOME"]!;
      const ring = JSON.parse(readFileSync(join(home, "keys", "vault-keyring.json"), "utf8")) as { keys: Record<string, string> };
      const master = Buffer.from(Object.values(ring.keys)[0]!, "base64").toString("hex");
      const blob = filesUnder(join(home, "blobs")).find((f) => f.endsWith(".rv"))!;
      const plain = join(tempDir("photo-plain"), "stored.jpg");
      const dec = spawnSync("/usr/bin/python3", [DECRYPT, master, blob, plain], { encoding: "utf8" });
      assert.equal(dec.status, 0, dec.stderr);
      const tags = JSON.parse(runTool("exiftool", ["-a", "-G1", "-s", "-j", plain]).stdout) as Array<Record<string, unknown>>;
      const left = Object.keys(tags[0]!).filter((k) => !/^(SourceFile|ExifTool:|System:|File:|Composite:|JFIF:)/.test(k));
      assert.deepEqual(left, [], "no metadata kept in the vault");
      const meta = await sharp(plain).metadata();
      assert.deepEqual([meta.width, meta.height], [40, 60], "the rotation is applied to the pixels");

      for (const f of filesUnder(home)) assert.equal(readFileSync(f).includes(Buffer.from(MRN)), false, `MRN in clear in ${f}`);
      const audit = JSON.parse(runCli(["audit", "verify", "--json"], env).stdout) as { ok: boolean };
      assert.equal(audit.ok, true);
      assert.match(runCli(["audit", "export", "--format", "csv"], env).stdout, /photo\.import/);
    });
  });
}
