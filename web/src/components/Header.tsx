// The signed-in header: main navigation, the purpose-of-use select sent with every PHI read, emergency access, who is signed in, sign out.
import { useEffect, useRef, useState } from "react";
import type { PurposeOfUse, Timestamp } from "../api";
import { formatClock } from "../format";
import { EmergencyPanel } from "./EmergencyPanel";
import { PurposeSelect } from "./PurposeSelect";
import type { Route } from "../router";

const LINKS = [
  { href: "#/studies", text: "Studies", routes: ["studies", "study"] },
  { href: "#/capture", text: "Capture", routes: ["capture"] },
  { href: "#/requests", text: "Requests", routes: ["requests"] },
  { href: "#/reviews", text: "Reviews", routes: ["reviews"] },
  { href: "#/directory", text: "Directory", routes: ["directory"] },
  { href: "#/agreements", text: "Agreements", routes: ["agreements"] },
  { href: "#/authorizations", text: "Authorizations", routes: ["authorizations"] },
  { href: "#/accounting", text: "Accounting", routes: ["accounting"] },
  { href: "#/audit", text: "Audit", routes: ["audit"] },
] as const;

interface Props {
  username: string;
  route: Route;
  purpose: PurposeOfUse;
  onPurpose: (p: PurposeOfUse) => void;
  onSignOut: () => void;
  signingOut: boolean;
}

/** Declared emergency access: the server's end time (shown) and how long it lasts (timed here, so a clock difference with the server does not matter). */
interface Emergency {
  until: Timestamp;
  minutes: number;
}

export function Header({ username, route, purpose, onPurpose, onSignOut, signingOut }: Props) {
  const [emergencyOpen, setEmergencyOpen] = useState(false);
  const [emergency, setEmergency] = useState<Emergency | null>(null);
  const emergencyButton = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);

  // The badge goes away when the emergency access ends.
  useEffect(() => {
    if (!emergency) return;
    const t = window.setTimeout(() => setEmergency(null), emergency.minutes * 60_000);
    return () => window.clearTimeout(t);
  }, [emergency]);

  // Closing the panel puts the keyboard back on the button that opened it.
  useEffect(() => {
    if (!emergencyOpen && returnFocus.current) {
      returnFocus.current = false;
      emergencyButton.current?.focus();
    }
  }, [emergencyOpen]);

  const closeEmergency = () => {
    returnFocus.current = true;
    setEmergencyOpen(false);
  };

  return (
    <header className="app-header">
      <div className="brand">Rayvault</div>
      <nav aria-label="Main">
        <ul className="nav-list">
          {LINKS.map((l) => (
            <li key={l.href}>
              <a href={l.href} aria-current={(l.routes as readonly string[]).includes(route.name) ? "page" : undefined}>
                {l.text}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div className="header-tools">
        <PurposeSelect id="purpose-of-use" label="Purpose of use" value={purpose} onChange={onPurpose} inline />
        {emergency && (
          <p role="status" className="emergency-badge">
            {`Emergency access until ${formatClock(emergency.until)}`}
          </p>
        )}
        {!emergencyOpen && (
          <button ref={emergencyButton} type="button" className="button-danger" onClick={() => setEmergencyOpen(true)}>
            Emergency access
          </button>
        )}
        <span className="who">
          Signed in as <strong>{username}</strong>
        </span>
        <button type="button" className="button-secondary" onClick={onSignOut} disabled={signingOut}>
          Sign out
        </button>
      </div>
      {emergencyOpen && (
        <EmergencyPanel
          id="emergency-panel"
          onCancel={closeEmergency}
          onDeclared={(until, minutes) => {
            setEmergency({ until, minutes });
            closeEmergency();
          }}
        />
      )}
    </header>
  );
}
