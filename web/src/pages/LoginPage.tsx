// Sign in: user name, password and authenticator code; one plain sentence for each refusal.
import { useEffect, useState, type FormEvent } from "react";
import { SSO_MESSAGES, SSO_START, ssoEnabled, ssoTotp } from "../sso";
import { ApiError, login, messageOf, type LoginOutcome } from "../api";
import { Alert } from "../components/Alert";
import { PageHeading } from "../components/PageHeading";

const OUTCOME_TEXT: Record<LoginOutcome, string> = {
  "bad-credentials": "The user name or password is not right.",
  locked: "This account is locked. Ask an administrator to unlock it.",
  "mfa-required": "Enter the code from your authenticator app.",
  "mfa-wrong": "The authenticator code is not right. Wait for the next code and try again.",
};

function outcomeOf(e: unknown): LoginOutcome | null {
  if (!(e instanceof ApiError) || typeof e.body !== "object" || e.body === null) return null;
  const o = (e.body as Record<string, unknown>)["outcome"];
  return typeof o === "string" && o in OUTCOME_TEXT ? (o as LoginOutcome) : null;
}

export function LoginPage({ expired, onSignedIn }: { expired: boolean; onSignedIn: () => void }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [totp, setTotp] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sso, setSso] = useState(false);
  // After the hospital sign-in the server sends the browser back here with ?sso=<reason>.
  const [ssoStep] = useState(() => new URLSearchParams(window.location.search).get("sso"));

  useEffect(() => {
    const ac = new AbortController();
    ssoEnabled(ac.signal).then(setSso, () => setSso(false));
    if (ssoStep) {
      window.history.replaceState(null, "", window.location.pathname + window.location.hash);
      if (ssoStep !== "totp") setError(SSO_MESSAGES[ssoStep] ?? SSO_MESSAGES["failed"]!);
    }
    return () => ac.abort();
  }, [ssoStep]);

  /** Runs one sign-in step; a refusal is shown in one plain sentence, whatever the step. */
  const attempt = async (e: FormEvent<HTMLFormElement>, step: () => Promise<unknown>, unknownRefusal?: string) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await step();
      setPassword("");
      setTotp("");
      onSignedIn();
    } catch (err) {
      const outcome = outcomeOf(err);
      if (outcome) setError(OUTCOME_TEXT[outcome]);
      else if (err instanceof ApiError && err.status === 429) setError("Too many sign-in attempts. Wait a few minutes and try again.");
      else if (unknownRefusal && err instanceof ApiError && err.status < 500) setError(unknownRefusal);
      else setError(messageOf(err));
      if (outcome === "bad-credentials") setPassword("");
      setTotp("");
    } finally {
      setBusy(false);
    }
  };
  const submitSsoTotp = (e: FormEvent<HTMLFormElement>) => attempt(e, () => ssoTotp(totp.replace(/\s+/g, "")), "The hospital sign-in has expired. Start again.");

  if (ssoStep === "totp") {
    return (
      <>
        <PageHeading>Sign in</PageHeading>
        <p>You signed in with your hospital account. Your role also needs the code from your authenticator app.</p>
        <form className="stack" onSubmit={(e) => void submitSsoTotp(e)}>
          <div className="field">
            <label htmlFor="sso-totp">Authenticator code</label>
            <input id="sso-totp" name="totp" inputMode="numeric" autoComplete="one-time-code" spellCheck={false} required value={totp} onChange={(e) => setTotp(e.target.value)} />
          </div>
          <Alert message={error} />
          <div>
            <button type="submit" disabled={busy}>
              Continue
            </button>
          </div>
        </form>
      </>
    );
  }

  const submit = (e: FormEvent<HTMLFormElement>) => attempt(e, () => login(username.trim(), password, totp.replace(/\s+/g, "")));

  return (
    <>
      <PageHeading>Sign in</PageHeading>
      {expired && <p className="notice">Your session has ended. Sign in again to continue.</p>}
      <form className="stack" onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor="login-username">User name</label>
          <input id="login-username" name="username" autoComplete="username" autoCapitalize="none" spellCheck={false} required value={username} onChange={(e) => setUsername(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="login-password">Password</label>
          <input id="login-password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="login-totp">Authenticator code</label>
          <input id="login-totp" name="totp" inputMode="numeric" autoComplete="one-time-code" spellCheck={false} value={totp} onChange={(e) => setTotp(e.target.value)} />
        </div>
        <Alert message={error} />
        <div>
          <button type="submit" disabled={busy}>
            Sign in
          </button>
        </div>
      </form>
      {sso && (
        <p>
          <a className="button-secondary" href={SSO_START}>
            Hospital sign-in (SSO)
          </a>
        </p>
      )}
    </>
  );
}
