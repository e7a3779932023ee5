/** Password policy, lockout, MFA and automatic logoff. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkPassword } from "./password-policy.ts";
import { decideLogin, sessionStatus, type LoginState } from "./login-policy.ts";

describe("password policy", () => {
  it("refuses short, common, breached-style and name-based passwords, and says why", () => {
    assert.deepEqual(checkPassword("Summer2024!", { username: "alice" }).ok, false);
    assert.match(checkPassword("password1234", { username: "alice" }).reasons.join(";"), /too easy to guess/);
    assert.match(checkPassword("alice-the-radiologist-77", { username: "alice" }).reasons.join(";"), /user name/);
    assert.match(checkPassword("short", { username: "bob" }).reasons.join(";"), /at least 12/);
  });

  it("accepts a long passphrase", () => {
    assert.deepEqual(checkPassword("violet tractor lantern quietly 91", { username: "alice" }), { ok: true, reasons: [] });
  });
});

describe("login policy", () => {
  const now = "2026-11-23T10:00:00.000Z";
  const fresh: LoginState = { failedAttempts: 0, lockedUntil: null };

  it("locks after five failures, alerts once, and unlocks after 15 minutes", () => {
    let state = fresh;
    const outcomes: string[] = [];
    let alerts = 0;
    for (let i = 0; i < 5; i++) {
      const d = decideLogin(state, { passwordOk: false, mfaRequired: false }, now);
      outcomes.push(d.outcome);
      alerts += d.alert ? 1 : 0;
      state = d.state;
    }
    assert.deepEqual(outcomes, ["bad-credentials", "bad-credentials", "bad-credentials", "bad-credentials", "locked"]);
    assert.equal(alerts, 1);
    assert.equal(decideLogin(state, { passwordOk: true, mfaRequired: false }, "2026-11-23T10:14:59.000Z").outcome, "locked");
    assert.equal(decideLogin(state, { passwordOk: true, mfaRequired: false }, "2026-11-23T10:15:01.000Z").outcome, "ok");
  });

  it("asks for the second factor and counts a wrong one as a failure", () => {
    assert.equal(decideLogin(fresh, { passwordOk: true, mfaRequired: true }, now).outcome, "mfa-required");
    const wrong = decideLogin(fresh, { passwordOk: true, mfaRequired: true, totpOk: false }, now);
    assert.deepEqual([wrong.outcome, wrong.state.failedAttempts], ["mfa-wrong", 1]);
    assert.equal(decideLogin(wrong.state, { passwordOk: true, mfaRequired: true, totpOk: true }, now).state.failedAttempts, 0);
  });

  it("logs off after 15 idle minutes and after 12 hours in all", () => {
    assert.equal(sessionStatus({ createdAt: now, lastSeenAt: now }, "2026-11-23T10:14:00.000Z"), "ok");
    assert.equal(sessionStatus({ createdAt: now, lastSeenAt: now }, "2026-11-23T10:16:00.000Z"), "idle-timeout");
    assert.equal(sessionStatus({ createdAt: now, lastSeenAt: "2026-11-23T21:59:00.000Z" }, "2026-11-23T22:01:00.000Z"), "expired");
  });
});
