// The signed-in header: main navigation, the purpose-of-use select sent with every PHI read, who is signed in, sign out.
import type { PurposeOfUse } from "../api";
import { PurposeSelect } from "./PurposeSelect";
import type { Route } from "../router";

const LINKS = [
  { href: "#/studies", text: "Studies", routes: ["studies", "study"] },
  { href: "#/capture", text: "Capture", routes: ["capture"] },
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

export function Header({ username, route, purpose, onPurpose, onSignOut, signingOut }: Props) {
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
        <span className="who">
          Signed in as <strong>{username}</strong>
        </span>
        <button type="button" className="button-secondary" onClick={onSignOut} disabled={signingOut}>
          Sign out
        </button>
      </div>
    </header>
  );
}
