/**
 * Reading PHI through the server (PostgreSQL, so the CLI and the server share the database): every
 * download passes the access decision — role, purpose of use, care relationship, break-glass — and is
 * audited before a byte leaves, refusals included with the rule that refused them.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { syntheticPatient, xrayFile } from "../fixtures/synthetic-dicom.ts";
import { spawnSync } from "node:child_process";
import { BIN, runCli, tempDir } from "../helpers/run-cli.ts";
import { havePostgres, NO_POSTGRES, PG_URL, scratchSchemas } from "../helpers/postgres.ts";

function cliIn(env: Record<string, string>, args: string[], input: string): number {
  return spawnSync(process.execPath, [BIN, ...args], { input, env: { ...process.env, ...env }, encoding: "utf8" }).status ?? -1;
}

const havePg = await havePostgres();
const newSchema = scratchSchemas("rv_read");
const PASS = "violet tractor lantern quietly 91";

describe("reading stored images through the server", { skip: havePg ? false : NO_POSTGRES }, () => {
  const schema = havePg ? newSchema() : "unused";
  const env = { RAYVAULT_HOME: tempDir("read"), RAYVAULT_DATABASE_URL: PG_URL, RAYVAULT_DATABASE_SCHEMA: schema };
  const dir = tempDir("read-in");
  const original = xrayFile(41, 64, 64);
  let instance = "";
  let server: ChildProcess;
  let base = "";

  before(async () => {
    writeFileSync(join(dir, "xr.dcm"), original);
    const imported = runCli(["import", dir, "--purpose", "treatment", "--json"], env);
    assert.equal(imported.status, 0, imported.stdout + imported.stderr);
    instance = (JSON.parse(imported.stdout) as { files: Array<{ instance: string }> }).files[0]!.instance;
    for (const [user, role] of [["rad", "radiologist"], ["clin", "clinician"], ["bill", "billing"]] as const) {
      assert.equal(cliIn(env, ["user", "add", user, "--role", role], `${PASS}\n`), 0);
    }
    server = spawn(process.execPath, [BIN, "start"], { env: { ...process.env, ...env, RAYVAULT_PORT: "0" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    await new Promise<void>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`no start: ${out}`)), 60_000);
      server.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) {
          base = m[1]!;
          clearTimeout(timer);
          ok();
        }
      });
    });
  });

  after(() => {
    server.kill("SIGTERM");
  });

  const login = async (username: string): Promise<string> => {
    const r = await fetch(`${base}/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username, password: PASS }) });
    assert.equal(r.status, 200, `${username}: ${await r.text()}`);
    return (r.headers.get("set-cookie") ?? "").split(";")[0]!;
  };
  const download = (cookie: string, purpose?: string): Promise<Response> =>
    fetch(`${base}/api/instances/${instance}`, { headers: { cookie, ...(purpose ? { "x-purpose-of-use": purpose } : {}) } });

  it("lets a radiologist download for treatment, byte for byte, and refuses other purposes", async () => {
    const cookie = await login("rad");
    const ok = await download(cookie, "treatment");
    assert.equal(ok.status, 200);
    assert.ok(Buffer.from(await ok.arrayBuffer()).equals(Buffer.from(original)));
    const personal = await download(cookie, "personal");
    assert.equal(personal.status, 403);
    assert.match(((await personal.json()) as { message: string }).message, /purpose-refused/);
    assert.match(((await (await download(cookie)).json()) as { message: string }).message, /purpose-required/);
  });

  it("refuses billing, and a clinician without a care relationship until break-glass", async () => {
    assert.equal((await download(await login("bill"), "payment")).status, 403);
    const cookie = await login("clin");
    const refused = await download(cookie, "treatment");
    assert.match(((await refused.json()) as { message: string }).message, /care-relationship/);
    const thin = await fetch(`${base}/api/break-glass`, { method: "POST", headers: { "content-type": "application/json", cookie }, body: JSON.stringify({ reason: "need", minutes: 30 }) });
    assert.equal(thin.status, 400);
    const declared = await fetch(`${base}/api/break-glass`, { method: "POST", headers: { "content-type": "application/json", cookie }, body: JSON.stringify({ reason: "trauma bay, unconscious patient, prior films needed", minutes: 30 }) });
    assert.equal(declared.status, 200);
    const emergency = await download(cookie, "emergency-treatment");
    assert.equal(emergency.status, 200);
    assert.ok(Buffer.from(await emergency.arrayBuffer()).equals(Buffer.from(original)));
  });

  it("lets a clinician see the patients they treat: care assigned by MRN, then ended", async () => {
    assert.equal(cliIn(env, ["user", "add", "dr.own", "--role", "clinician"], `${PASS}\n`), 0);
    const cookie = await login("dr.own");
    assert.match(((await (await download(cookie, "treatment")).json()) as { message: string }).message, /care-relationship/);
    const mrn = syntheticPatient(41).id;
    const assign = spawnSync(process.execPath, [BIN, "care", "assign", "--user", "dr.own", "--relationship", "attending"], { input: `${mrn}\n`, env: { ...process.env, ...env }, encoding: "utf8" });
    assert.equal(assign.status, 0, assign.stdout + assign.stderr);
    assert.doesNotMatch(assign.stdout, new RegExp(mrn), "the MRN is not echoed");
    const ok = await download(cookie, "treatment");
    assert.equal(ok.status, 200);
    assert.ok(Buffer.from(await ok.arrayBuffer()).equals(Buffer.from(original)));
    // Another clinician is still refused: the relationship is this user's.
    assert.equal((await download(await login("clin"), "treatment")).status, 403);
    const unknown = spawnSync(process.execPath, [BIN, "care", "assign", "--user", "dr.own", "--relationship", "attending"], { input: "MRN-NOT-THERE\n", env: { ...process.env, ...env }, encoding: "utf8" });
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /RV_NOT_FOUND: no patient in the vault has that MRN/);
    const end = spawnSync(process.execPath, [BIN, "care", "end", "--user", "dr.own"], { input: `${mrn}\n`, env: { ...process.env, ...env }, encoding: "utf8" });
    assert.match(end.stdout, /ended 1 care relationship/);
    assert.equal((await download(cookie, "treatment")).status, 403);
    const listed = JSON.parse(runCli(["care", "list", "--user", "dr.own", "--json"], env).stdout) as { relationships: Array<{ kind: string; endedAt: string | null }> };
    assert.equal(listed.relationships.length, 1);
    assert.ok(listed.relationships[0]!.endedAt !== null);
  });

  it("serves an integration by API token, and stops when the token is revoked", async () => {
    assert.equal(cliIn(env, ["user", "add", "pacs-bridge", "--role", "integration"], `${PASS}\n`), 0);
    const made = spawnSync(process.execPath, [BIN, "user", "token", "pacs-bridge"], { env: { ...process.env, ...env }, encoding: "utf8" });
    const token = /\n(rv_[A-Za-z0-9_-]+)/.exec(made.stdout)?.[1];
    const id = /token (tok-[0-9a-f]+)/.exec(made.stdout)?.[1];
    assert.ok(token && id, made.stdout + made.stderr);
    const me = await fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    assert.deepEqual(((await me.json()) as { roles: string[] }).roles, ["integration"]);
    // An integration may import and search, not download.
    const dl = await fetch(`${base}/api/instances/${instance}`, { headers: { authorization: `Bearer ${token}`, "x-purpose-of-use": "treatment" } });
    assert.equal(dl.status, 403);
    assert.equal(runCli(["user", "token-revoke", id], env).status, 0);
    assert.equal((await fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${token}` } })).status, 401);
    assert.equal((await fetch(`${base}/api/me`, { headers: { authorization: "Bearer rv_forged-token-value-xxxxxxxx" } })).status, 401);
  });

  it("has audited every attempt, with the rule", () => {
    const r = runCli(["audit", "export", "--format", "csv"], env);
    const lines = r.stdout.trim().split("\r\n").slice(1);
    const rows = lines.map((l) => l.split(","));
    const downloads = rows.filter((x) => x[3]!.startsWith("study.download")).map((x) => `${x[3]} ${x[6]}`);
    assert.deepEqual(downloads, [
      "study.download success", "study.download refused", "study.download refused",
      "study.download refused", "study.download refused", "study.download.break-glass success",
      "study.download refused", "study.download success", "study.download refused", "study.download refused",
      "study.download refused",
    ]);
    assert.ok(rows.some((x) => x[3] === "break-glass.declare"));
    assert.deepEqual(rows.filter((x) => x[3]!.startsWith("care.")).map((x) => `${x[3]} ${x[6]}`), ["care.assign success", "care.end success"]);
    assert.equal(runCli(["audit", "verify"], env).status, 0);
  });

  it("has alerted the privacy officer to the break-glass declaration and to the emergency download", () => {
    const listed = JSON.parse(runCli(["alerts", "list", "--json"], env).stdout) as { alerts: Array<{ kind: string; refs: string[] }> };
    assert.deepEqual(listed.alerts.map((a) => a.kind).sort(), ["break-glass-access", "break-glass-declared"]);
    assert.ok(listed.alerts.find((a) => a.kind === "break-glass-access")!.refs.includes(`instance:${instance}`));
  });
});
