/**
 * `rayvault user add` / `user login` on the embedded database and on PostgreSQL: weak passwords refused,
 * unique user names, TOTP for administrators (codes computed by otplib from the enrolment link), lockout
 * after five failures with an alert, every attempt audited, no password or TOTP secret stored in clear.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { generate } from "otplib";
import { BIN, tempDir } from "../helpers/run-cli.ts";
import { havePostgres, NO_POSTGRES, PG_URL, scratchSchemas } from "../helpers/postgres.ts";

const havePg = await havePostgres();
const newSchema = scratchSchemas("rv_users");

function cli(env: Record<string, string>, args: string[], stdin = ""): { status: number; out: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { input: stdin, encoding: "utf8", env: { ...process.env, ...env } });
  return { status: r.status ?? -1, out: r.stdout + r.stderr };
}

const PASS = "violet tractor lantern quietly 91";

const setups: Record<string, { skip: string | false; env: () => Record<string, string> }> = {
  embedded: { skip: false, env: () => ({ RAYVAULT_HOME: tempDir("users") }) },
  postgres: {
    skip: havePg ? false : NO_POSTGRES,
    env: () => ({ RAYVAULT_HOME: tempDir("users-pg"), RAYVAULT_DATABASE_URL: PG_URL, RAYVAULT_DATABASE_SCHEMA: newSchema() }),
  },
};

for (const [name, setup] of Object.entries(setups)) {
  describe(`users on ${name}`, { skip: setup.skip }, () => {
    it("refuses weak passwords and taken names; creates unique users", () => {
      const env = setup.env();
      const weak = cli(env, ["user", "add", "bob", "--role", "billing"], "Summer2024!\n");
      assert.equal(weak.status, 1);
      assert.match(weak.out, /password refused/);
      assert.equal(cli(env, ["user", "add", "bob", "--role", "billing"], `${PASS}\n`).status, 0);
      const again = cli(env, ["user", "add", "bob", "--role", "clinician"], `${PASS}\n`);
      assert.equal(again.status, 1);
      assert.match(again.out, /taken/);
    });

    it("requires TOTP for an administrator and checks it", async () => {
      const env = setup.env();
      const added = cli(env, ["user", "add", "root-admin", "--role", "administrator"], `${PASS}\n`);
      assert.equal(added.status, 0, added.out);
      const uri = /otpauth:\/\/\S+/.exec(added.out)?.[0];
      assert.ok(uri, "enrolment link printed");
      const secret = new URL(uri).searchParams.get("secret")!;
      assert.match(cli(env, ["user", "login", "root-admin"], `${PASS}\n`).out, /refused: mfa-required/);
      assert.match(cli(env, ["user", "login", "root-admin", "--totp", "000000"], `${PASS}\n`).out, /refused: mfa-wrong/);
      const ok = cli(env, ["user", "login", "root-admin", "--totp", await generate({ secret })], `${PASS}\n`);
      assert.equal(ok.status, 0, ok.out);
      assert.match(ok.out, /ok: root-admin \(administrator\)/);
      for (const f of readdirSync(env["RAYVAULT_HOME"]!, { recursive: true }).map(String)) {
        const p = join(env["RAYVAULT_HOME"]!, f);
        if (!statSync(p).isFile()) continue;
        const bytes = readFileSync(p);
        assert.equal(bytes.includes(Buffer.from(secret)), false, `TOTP secret in clear in ${f}`);
        assert.equal(bytes.includes(Buffer.from(PASS)), false, `password in clear in ${f}`);
      }
    });

    it("locks the account after five failures, alerts, and audits every attempt", () => {
      const env = setup.env();
      assert.equal(cli(env, ["user", "add", "carol", "--role", "technologist"], `${PASS}\n`).status, 0);
      const outs = Array.from({ length: 5 }, () => cli(env, ["user", "login", "carol"], "wrong password\n").out);
      assert.match(outs[4]!, /refused: locked \(account locked; the security officer is alerted\)/);
      assert.match(cli(env, ["user", "login", "carol"], `${PASS}\n`).out, /refused: locked/);
      assert.match(cli(env, ["user", "login", "nobody"], `${PASS}\n`).out, /refused: unknown-user/);
      const audit = JSON.parse(cli(env, ["audit", "export", "--format", "fhir"]).out) as { entry: Array<{ resource: { subtype: Array<{ code: string }> } }> };
      const actions = audit.entry.map((e) => e.resource.subtype[0]!.code);
      assert.deepEqual(actions, ["user.add", "login.fail", "login.fail", "login.fail", "login.fail", "login.lockout", "login.fail", "login.fail"]);
    });
  });
}
