// The staff portal shell: asks /api/me, shows Login or the header and the page for the current hash route.
import { useCallback, useEffect, useState } from "react";
import { ApiError, getMe, logout, messageOf, onSessionEnded, setPurposeOfUse, type Me, type PurposeOfUse } from "./api";
import { Header } from "./components/Header";
import { Alert } from "./components/Alert";
import { parseHash, useHash, type Route } from "./router";
import { LoginPage } from "./pages/LoginPage";
import { StudiesPage } from "./pages/StudiesPage";
import { StudyPage } from "./pages/StudyPage";
import { CapturePage } from "./pages/CapturePage";
import { AccountingPage } from "./pages/AccountingPage";
import { AuditPage } from "./pages/AuditPage";
import { DeliveryPage } from "./pages/DeliveryPage";
import { AccessRequestsPage } from "./pages/AccessRequestsPage";
import { ReviewsPage } from "./pages/ReviewsPage";
import { DirectoryPage } from "./pages/DirectoryPage";
import { AgreementsPage } from "./pages/AgreementsPage";
import { AuthorizationsPage } from "./pages/AuthorizationsPage";
import { NotFoundPage } from "./pages/NotFoundPage";

type Session = { state: "checking" } | { state: "error"; message: string } | { state: "signed-out"; expired: boolean } | { state: "signed-in"; me: Me };

function Page({ route }: { route: Route }) {
  switch (route.name) {
    case "studies":
      return <StudiesPage />;
    case "study":
      return <StudyPage id={route.id} />;
    case "capture":
      return <CapturePage />;
    case "accounting":
      return <AccountingPage />;
    case "audit":
      return <AuditPage />;
    case "delivery":
      return <DeliveryPage id={route.id} />;
    case "requests":
      return <AccessRequestsPage />;
    case "reviews":
      return <ReviewsPage />;
    case "directory":
      return <DirectoryPage />;
    case "agreements":
      return <AgreementsPage />;
    case "authorizations":
      return <AuthorizationsPage />;
    case "not-found":
      return <NotFoundPage />;
  }
}

export function App() {
  const [session, setSession] = useState<Session>({ state: "checking" });
  const [purpose, setPurpose] = useState<PurposeOfUse>("treatment");
  const [signingOut, setSigningOut] = useState(false);
  const [signOutError, setSignOutError] = useState<string | null>(null);
  const hash = useHash();
  const route = parseHash(hash);

  const check = useCallback(async (signal?: AbortSignal) => {
    try {
      const me = await getMe(signal);
      if (signal?.aborted) return;
      setSession(me ? { state: "signed-in", me } : { state: "signed-out", expired: false });
    } catch (e) {
      if (signal?.aborted) return;
      setSession({ state: "error", message: messageOf(e) });
    }
  }, []);

  useEffect(() => {
    const ac = new AbortController();
    void check(ac.signal);
    return () => ac.abort();
  }, [check]);

  const resetPurpose = useCallback(() => {
    setPurposeOfUse("treatment");
    setPurpose("treatment");
  }, []);

  useEffect(
    () =>
      onSessionEnded(() => {
        resetPurpose();
        setSession({ state: "signed-out", expired: true });
      }),
    [resetPurpose],
  );

  const choosePurpose = (p: PurposeOfUse) => {
    setPurposeOfUse(p);
    setPurpose(p);
  };

  const signOut = async () => {
    setSigningOut(true);
    setSignOutError(null);
    try {
      await logout();
    } catch (e) {
      // Signed out only when the server says so (or the session had already ended): the session cookie
      // is the server's, so showing the sign-in page over a live session would leave PHI a reload away.
      if (!(e instanceof ApiError && e.status === 401)) {
        setSigningOut(false);
        setSignOutError(`Sign-out did not reach the server: ${messageOf(e)} Try again before leaving this computer.`);
        return;
      }
    }
    setSigningOut(false);
    resetPurpose();
    setSession({ state: "signed-out", expired: false });
  };

  if (session.state === "checking") {
    return (
      <main id="main" className="page">
        <p className="muted">Loading…</p>
      </main>
    );
  }
  if (session.state === "error") {
    return (
      <main id="main" className="page">
        <h1>Rayvault</h1>
        <Alert message={session.message} />
        <button type="button" onClick={() => void check()}>
          Try again
        </button>
      </main>
    );
  }
  if (session.state === "signed-out") {
    return (
      <main id="main" className="page page-narrow">
        <LoginPage expired={session.expired} onSignedIn={() => void check()} />
      </main>
    );
  }
  return (
    <>
      <Header username={session.me.username} route={route} purpose={purpose} onPurpose={choosePurpose} onSignOut={() => void signOut()} signingOut={signingOut} />
      <main id="main" className="page">
        {signOutError && <Alert message={signOutError} />}
        <Page key={hash} route={route} />
      </main>
    </>
  );
}
