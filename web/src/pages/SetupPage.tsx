// First-administrator setup (/setup?token=…): the one-time link `npm start` prints while no user exists.
import { useState, type FormEvent } from "react";
import { completeSetup } from "../api";
import { Alert } from "../components/Alert";
import { PageHeading } from "../components/PageHeading";
import { useAction } from "../hooks";

export function SetupPage({ token }: { token: string }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const action = useAction();
  const [totpUri, setTotpUri] = useState<string | null>(null);

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    await action.run(async () => {
      setTotpUri((await completeSetup(token, username.trim(), password)).totpUri);
      setPassword("");
    });
  };

  return (
    <main id="main" className="page page-narrow">
      <PageHeading>Create the first administrator</PageHeading>
      {totpUri ? (
        <section aria-labelledby="totp-heading">
          <h2 id="totp-heading">Add this account to your authenticator app now</h2>
          <p>It is shown once. Copy the link below into the app (or type its secret), then sign in with the 6-digit code.</p>
          <p className="code-block" data-testid="totp-uri">{totpUri}</p>
          <p>
            <a href="/">Sign in</a>
          </p>
        </section>
      ) : (
        <>
          <p>This link works once, for 24 hours. The administrator signs in with a password and an authenticator app.</p>
          <Alert message={action.error} />
          <form className="stack" onSubmit={(e) => void submit(e)}>
            <div className="field">
              <label htmlFor="setup-username">User name</label>
              <input id="setup-username" autoComplete="username" autoCapitalize="none" spellCheck={false} required pattern="[a-z0-9][a-z0-9._\-]{2,63}" value={username} onChange={(e) => setUsername(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="setup-password">Password (12 or more characters, hard to guess)</label>
              <input id="setup-password" type="password" autoComplete="new-password" required minLength={12} value={password} onChange={(e) => setPassword(e.target.value)} />
            </div>
            <button type="submit" disabled={action.busy || !token}>
              Create administrator
            </button>
          </form>
        </>
      )}
    </main>
  );
}
