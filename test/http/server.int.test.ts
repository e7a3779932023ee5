/**
 * `rayvault start` as a user meets it: the server comes up on loopback with the embedded database, prints
 * a one-time setup link, the link creates the first administrator (with TOTP) exactly once, and sign-in
 * needs password and code; the session cookie is HttpOnly and ends on logout.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { generate } from "otplib";
import { BIN, tempDir } from "../helpers/run-cli.ts";

const PASS = "violet tractor lantern quietly 91";

describe("rayvault start", () => {
  let server: ChildProcess;
  let base = "";
  let setupToken = "";
  let log = "";
  let secrets: string[] = [];

  before(async () => {
    server = spawn(process.execPath, [BIN, "start"], { env: { ...process.env, RAYVAULT_HOME: tempDir("server"), RAYVAULT_PORT: "0", RAYVAULT_LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "pipe"] });
    server.stderr!.on("data", (d: Buffer) => (log += d.toString()));
    let out = "";
    await new Promise<void>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`server did not start: ${out}`)), 60_000);
      server.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        const token = /setup\?token=([A-Za-z0-9_-]+)/.exec(out);
        if (url && token) {
          base = url[1]!;
          setupToken = token[1]!;
          clearTimeout(timer);
          ok();
        }
      });
      server.on("exit", (code) => fail(new Error(`server exited ${code}: ${out}`)));
    });
  });

  after(() => {
    server.kill("SIGTERM");
  });

  const post = (path: string, json: unknown, cookie?: string): Promise<Response> =>
    fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) }, body: JSON.stringify(json) });

  it("answers health and describes its API", async () => {
    assert.deepEqual(await (await fetch(`${base}/healthz`)).json(), { status: "ok" });
    const api = (await (await fetch(`${base}/api/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    assert.equal(api.openapi, "3.1.0");
    assert.ok("/api/login" in api.paths);
    const page = await fetch(`${base}/setup?token=${setupToken}`);
    assert.equal(page.status, 200);
    // The portal's page (its script reads the token); a strict policy: no inline script at all.
    assert.match(await page.text(), /<div id="root"><\/div>/);
    assert.doesNotMatch(page.headers.get("content-security-policy") ?? "", /unsafe-inline/);
  });

  it("creates the first administrator once, from the one-time link only", async () => {
    assert.equal((await post("/api/setup", { token: "not-the-token-xxxxxxxxxxxxxxx", username: "admin", password: PASS })).status, 403);
    const weak = await post("/api/setup", { token: setupToken, username: "admin", password: "Summer2024!" });
    assert.equal(weak.status, 400);
    const ok = await post("/api/setup", { token: setupToken, username: "admin", password: PASS });
    assert.equal(ok.status, 201);
    const { totpUri } = (await ok.json()) as { totpUri: string };
    assert.match(totpUri, /^otpauth:\/\/totp\/Rayvault:admin\?secret=/);
    assert.equal((await post("/api/setup", { token: setupToken, username: "admin2", password: PASS })).status, 403);

    // Sign in: password alone is not enough for an administrator.
    const noCode = await post("/api/login", { username: "admin", password: PASS });
    assert.equal(noCode.status, 401);
    assert.equal(((await noCode.json()) as { outcome: string }).outcome, "mfa-required");
    const secret = new URL(totpUri).searchParams.get("secret")!;
    const code = await generate({ secret });
    const login = await post("/api/login", { username: "admin", password: PASS, totp: code });
    assert.equal(login.status, 200);
    const setCookie = login.headers.get("set-cookie") ?? "";
    assert.match(setCookie, /rv_session=[A-Za-z0-9_-]{20,}; HttpOnly; Secure; SameSite=Strict/);
    const cookie = setCookie.split(";")[0]!;
    secrets = [setupToken, PASS, secret, code, cookie.split("=")[1]!];
    const me = await fetch(`${base}/api/me`, { headers: { cookie } });
    assert.deepEqual(((await me.json()) as { roles: string[] }).roles, ["administrator"]);
    assert.equal((await post("/api/logout", {}, cookie)).status, 204);
    assert.equal((await fetch(`${base}/api/me`, { headers: { cookie } })).status, 401);
  });

  it("does not tell a wrong user name from a wrong password", async () => {
    const a = (await (await post("/api/login", { username: "nobody-here", password: PASS })).json()) as { outcome: string };
    const b = (await (await post("/api/login", { username: "admin", password: "wrong password entirely" })).json()) as { outcome: string };
    assert.deepEqual([a.outcome, b.outcome], ["bad-credentials", "bad-credentials"]);
  });

  it("logs every request as JSON lines with its route pattern, and no token, password, code or cookie", async () => {
    await new Promise((r) => setTimeout(r, 200));
    const lines = log.trim().split("\n").map((l) => JSON.parse(l) as { msg?: string; req?: { method: string; route: string }; res?: { statusCode: number } });
    const routes = lines.flatMap((l) => (l.req ? [`${l.req.method} ${l.req.route}`] : []));
    for (const r of ["GET /healthz", "GET /setup", "POST /api/setup", "POST /api/login", "GET /api/me"]) assert.ok(routes.includes(r), `${r} logged: ${routes.join(", ")}`);
    assert.ok(lines.some((l) => l.res?.statusCode === 401), "statuses logged");
    assert.ok(secrets.length === 5);
    for (const s of secrets) assert.equal(log.includes(s), false, "a secret reached the log");
    assert.equal(log.includes("token="), false, "no query string");
  });

  it("limits sign-in attempts per client address: the 21st within a minute is refused before any password check", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) statuses.push((await post("/api/login", { username: "nobody-here", password: "wrong password entirely" })).status);
    const limited = statuses.indexOf(429);
    assert.ok(limited > 0 && limited <= 20, `429 after ${limited} attempts: ${statuses.join(",")}`);
    assert.ok(statuses.slice(limited).every((x) => x === 429), "and stays refused");
    const r = await post("/api/login", { username: "admin", password: PASS });
    assert.equal(r.status, 429);
    assert.equal(((await r.json()) as { error: string }).error, "RV_RATE_LIMITED");
  });
});
