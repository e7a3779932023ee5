import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FastifyRequest } from "fastify";
import { crossSite, PORTAL_CSP, sessionCookie } from "./web-security.ts";

const req = (method: string, headers: Record<string, string>): FastifyRequest => ({ method, headers: { host: "127.0.0.1:8080", ...headers } }) as unknown as FastifyRequest;
const ours = new Set(["https://rayvault.clinic.test"]);

describe("cross-site request refusal", () => {
  it("refuses a state-changing request whose Origin is another site's", () => {
    assert.equal(crossSite(req("POST", { origin: "https://evil.test" }), ours), true);
    assert.equal(crossSite(req("DELETE", { origin: "null" }), ours), true);
  });
  it("refuses what Fetch Metadata calls cross-site or same-site (a sibling subdomain)", () => {
    assert.equal(crossSite(req("POST", { "sec-fetch-site": "cross-site" }), ours), true);
    assert.equal(crossSite(req("POST", { "sec-fetch-site": "same-site", origin: "https://rayvault.clinic.test" }), ours), true);
  });
  it("lets our own pages, the configured public address, and non-browser clients through", () => {
    assert.equal(crossSite(req("POST", { origin: "http://127.0.0.1:8080", "sec-fetch-site": "same-origin" }), ours), false);
    assert.equal(crossSite(req("POST", { origin: "https://rayvault.clinic.test" }), ours), false);
    assert.equal(crossSite(req("POST", {}), ours), false);
  });
  it("never blocks reads", () => {
    assert.equal(crossSite(req("GET", { origin: "https://evil.test", "sec-fetch-site": "cross-site" }), ours), false);
  });
});

describe("portal policy and cookies", () => {
  it("allows no inline or evaluated script and no framing", () => {
    assert.match(PORTAL_CSP, /script-src 'self';/);
    assert.doesNotMatch(PORTAL_CSP, /unsafe/);
    assert.match(PORTAL_CSP, /frame-ancestors 'none'/);
  });
  it("marks session cookies HttpOnly, Secure and SameSite=Strict, and can expire them", () => {
    assert.equal(sessionCookie("rv_session", "abc"), "rv_session=abc; HttpOnly; Secure; SameSite=Strict; Path=/");
    assert.equal(sessionCookie("rv_session", "", "/", 0), "rv_session=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0");
  });
});
