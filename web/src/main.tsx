// Entry point: the recipient pickup page on /p/<token>, first-administrator setup on /setup, the patient's access request on /request, the staff portal everywhere else.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "./app.css";
import { App } from "./App";
import { PickupPage } from "./pages/PickupPage";
import { SetupPage } from "./pages/SetupPage";
import { PatientRequestPage } from "./pages/PatientRequestPage";

function pickupToken(pathname: string): string | null {
  if (!pathname.startsWith("/p/")) return null;
  const last = pathname.slice(3).split("/").filter((s) => s !== "").pop() ?? "";
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

const container = document.getElementById("root");
if (container) {
  const token = pickupToken(window.location.pathname);
  const path = window.location.pathname.replace(/\/+$/, "");
  // The setup token is read once and taken out of the address bar (and so out of the history).
  const setupToken = path === "/setup" ? (new URLSearchParams(window.location.search).get("token") ?? "") : "";
  if (setupToken) window.history.replaceState(null, "", "/setup");
  const page =
    token !== null ? (
      <PickupPage token={token} />
    ) : path === "/setup" ? (
      <SetupPage token={setupToken} />
    ) : path === "/request" ? (
      <PatientRequestPage />
    ) : (
      <App />
    );
  createRoot(container).render(<StrictMode>{page}</StrictMode>);
}
