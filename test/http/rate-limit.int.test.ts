/**
 * Rate limits across instances: two `rayvault start` processes on one PostgreSQL (the deployment of
 * several stateless instances) share their counters, so sign-in attempts spread over both are refused
 * at the same count as on one; each route counts apart; the stored keys are hashes, not addresses.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { tempDir } from "../helpers/run-cli.ts";
import { havePostgres, NO_POSTGRES, PG_URL, scratchSchemas, withSchemaClient } from "../helpers/postgres.ts";
import { startRayvault, type RunningRayvault } from "../helpers/rayvault-server.ts";

const havePg = await havePostgres();
const newSchema = scratchSchemas("rv_rate");

describe("rate limits shared by several instances", { skip: havePg ? false : NO_POSTGRES }, () => {
  const schema = newSchema();
  const env = { RAYVAULT_HOME: join(tempDir("rate"), "home"), RAYVAULT_DATABASE_URL: PG_URL, RAYVAULT_DATABASE_SCHEMA: schema };
  let a: RunningRayvault;
  let b: RunningRayvault;

  before(async () => {
    a = await startRayvault(env);
    b = await startRayvault(env);
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
  });

  const login = (base: string): Promise<number> =>
    fetch(`${base}/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "nobody-here", password: "wrong password entirely" }) }).then((r) => r.status);

  it("counts sign-in attempts across both instances: the 21st is refused whichever instance gets it", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 24; i++) statuses.push(await login(i % 2 === 0 ? a.http : b.http));
    assert.deepEqual(statuses.slice(0, 20), Array<number>(20).fill(401), statuses.join(","));
    assert.deepEqual(statuses.slice(20), [429, 429, 429, 429], "refused on both instances");
  });

  it("counts each route apart, and stores only hashes of client addresses", async () => {
    const r = await fetch(`${b.http}/api/patient/code`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: "x@y.test", mrn: "1", birthDate: "2000-01-01" }) });
    assert.equal(r.status, 200, "another route's window is its own");
    const keys = await withSchemaClient(schema, async (c) => (await c.query<{ key: string; count: string }>("select key, count from rate_counters")).rows);
    assert.ok(keys.length >= 2, JSON.stringify(keys));
    for (const k of keys) assert.match(k.key, /^[0-9a-f]{64}$/);
    assert.ok(keys.some((k) => Number(k.count) === 24), "one window held every sign-in attempt");
  });
});
