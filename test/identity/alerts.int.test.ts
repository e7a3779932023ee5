/**
 * Security alerts on both databases: a lockout, a break-glass declaration and a tampered audit log each
 * queue an alert with references only; a configured webhook (a real HTTP server here) receives it as
 * JSON; a webhook that fails leaves the alert queued until `alerts deliver` succeeds; acknowledging is
 * audited. (Child processes run asynchronously: the webhook server shares this event loop.)
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, describe, it } from "node:test";
import { sql } from "drizzle-orm";
import { openDatabase } from "../../src/adapters/db/open-database.ts";
import { runCliAsync, tempDir } from "../helpers/run-cli.ts";
import { havePostgres, NO_POSTGRES, PG_URL, scratchSchemas, withSchemaClient } from "../helpers/postgres.ts";
import { join } from "node:path";

const havePg = await havePostgres();
const newSchema = scratchSchemas("rv_alerts");
const PASS = "violet tractor lantern quietly 91";

const cli = (env: Record<string, string>, args: string[], stdin = ""): Promise<{ status: number; out: string }> => runCliAsync(args, env, stdin);

interface Alert { id: string; kind: string; refs: string[]; summary: string; deliveredAt: string | null }

const setups: Record<string, { skip: string | false; env: () => Record<string, string>; sql: (env: Record<string, string>, q: string) => Promise<void> }> = {
  embedded: {
    skip: false,
    env: () => ({ RAYVAULT_HOME: tempDir("alerts") }),
    sql: async (env, q) => {
      const d = await openDatabase(`embedded:${join(env["RAYVAULT_HOME"]!, "db")}`);
      await d.db.execute(sql.raw(q));
      await d.close();
    },
  },
  postgres: {
    skip: havePg ? false : NO_POSTGRES,
    env: () => ({ RAYVAULT_HOME: tempDir("alerts-pg"), RAYVAULT_DATABASE_URL: PG_URL, RAYVAULT_DATABASE_SCHEMA: newSchema() }),
    sql: (env, q) => withSchemaClient(env["RAYVAULT_DATABASE_SCHEMA"]!, async (c) => {
      await c.query(q);
    }),
  },
};

for (const [name, setup] of Object.entries(setups)) {
  describe(`alerts on ${name}`, { skip: setup.skip }, () => {
    const received: Array<Record<string, unknown>> = [];
    let failing = false;
    let server: Server;
    let hook = "";
    before(async () => {
      server = createServer((req, res) => {
        let body = "";
        req.on("data", (d: Buffer) => (body += d.toString()));
        req.on("end", () => {
          if (failing) {
            res.writeHead(503).end();
            return;
          }
          received.push(JSON.parse(body) as Record<string, unknown>);
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
      const a = server.address();
      hook = `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}/hooks/security`;
    });
    after(() => server.close());

    it("alerts on a lockout, pushes it to the webhook with references only, and records the acknowledgement", async () => {
      const env = { ...setup.env(), RAYVAULT_ALERT_WEBHOOK: hook };
      assert.equal((await cli(env, ["user", "add", "carol.tech", "--role", "technologist"], `${PASS}\n`)).status, 0);
      for (let i = 0; i < 5; i++) await cli(env, ["user", "login", "carol.tech"], "wrong password\n");
      const listed = JSON.parse((await cli(env, ["alerts", "list", "--json"])).out) as { alerts: Alert[] };
      assert.equal(listed.alerts.length, 1);
      const alert = listed.alerts[0]!;
      assert.equal(alert.kind, "account-locked");
      assert.match(alert.refs[0]!, /^user:[0-9a-f-]{36}$/);
      assert.ok(alert.deliveredAt !== null, "pushed when raised");
      assert.equal(received.length, 1);
      assert.deepEqual([received[0]!["kind"], received[0]!["id"], received[0]!["source"]], ["account-locked", alert.id, "rayvault"]);
      assert.doesNotMatch(JSON.stringify(received[0]), /carol/, "the webhook gets references, not names");

      assert.equal((await cli(env, ["alerts", "ack", alert.id])).status, 0);
      assert.equal((JSON.parse((await cli(env, ["alerts", "list", "--json"])).out) as { alerts: Alert[] }).alerts.length, 0);
      assert.equal((await cli(env, ["alerts", "ack", alert.id])).status, 1, "acknowledged once");
      assert.match((await cli(env, ["audit", "export", "--format", "csv"])).out, /alert\.acknowledge/);
    });

    it("keeps an alert queued while the webhook fails, and delivers it later; a tampered audit log alerts", async () => {
      const env = { ...setup.env(), RAYVAULT_ALERT_WEBHOOK: hook };
      const before = received.length;
      assert.equal((await cli(env, ["user", "add", "dave.tech", "--role", "technologist"], `${PASS}\n`)).status, 0);
      await cli(env, ["user", "login", "dave.tech"], "wrong password\n");
      await setup.sql(env, "update audit_records set purpose = 'personal' where seq = 2");
      failing = true;
      const verify = await cli(env, ["audit", "verify"]);
      assert.equal(verify.status, 3);
      const queued = JSON.parse((await cli(env, ["alerts", "list", "--json"])).out) as { alerts: Alert[] };
      assert.deepEqual(queued.alerts.map((a) => [a.kind, a.refs, a.deliveredAt]), [["audit-tampered", ["audit:2"], null]]);
      assert.equal((await cli(env, ["alerts", "deliver"])).status, 3, "still failing: exit 3, still queued");
      failing = false;
      const delivered = await cli(env, ["alerts", "deliver"]);
      assert.equal(delivered.status, 0, delivered.out);
      assert.match(delivered.out, /1 delivered, 0 still queued/);
      assert.deepEqual(received.slice(before).map((r) => [r["kind"], r["severity"]]), [["audit-tampered", "critical"]]);
    });

    it("refuses a webhook that is neither https nor loopback", async () => {
      const r = await cli({ ...setup.env(), RAYVAULT_ALERT_WEBHOOK: "http://alerts.example.org/hook" }, ["alerts", "list"]);
      assert.equal(r.status, 1);
      assert.match(r.out, /RAYVAULT_ALERT_WEBHOOK must be an https:\/\/ URL/);
    });
  });
}
