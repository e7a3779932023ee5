// Hand-written hash routing for the staff portal: parse `location.hash` into a route, follow `hashchange`.
import { useSyncExternalStore } from "react";

export type Route =
  | { name: "studies" }
  | { name: "study"; id: string }
  | { name: "capture" }
  | { name: "accounting" }
  | { name: "audit" }
  | { name: "requests" }
  | { name: "reviews" }
  | { name: "directory" }
  | { name: "agreements" }
  | { name: "authorizations" }
  | { name: "delivery"; id: string }
  | { name: "not-found" };

function decode(s: string): string | null {
  try {
    const d = decodeURIComponent(s);
    return d ? d : null;
  } catch {
    return null;
  }
}

export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, "").replace(/\/+$/, "");
  if (path === "" || path === "/" || path === "/studies") return { name: "studies" };
  if (path === "/capture") return { name: "capture" };
  if (path === "/accounting") return { name: "accounting" };
  if (path === "/audit") return { name: "audit" };
  if (path === "/requests") return { name: "requests" };
  if (path === "/reviews") return { name: "reviews" };
  if (path === "/directory") return { name: "directory" };
  if (path === "/agreements") return { name: "agreements" };
  if (path === "/authorizations") return { name: "authorizations" };
  const study = /^\/studies\/(.+)$/.exec(path);
  if (study?.[1]) {
    const id = decode(study[1]);
    if (id) return { name: "study", id };
  }
  const delivery = /^\/deliveries\/(.+)$/.exec(path);
  if (delivery?.[1]) {
    const id = decode(delivery[1]);
    if (id) return { name: "delivery", id };
  }
  return { name: "not-found" };
}

export function studyHref(id: string): string {
  return `#/studies/${encodeURIComponent(id)}`;
}

export function deliveryHref(id: string): string {
  return `#/deliveries/${encodeURIComponent(id)}`;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener("hashchange", onChange);
  return () => window.removeEventListener("hashchange", onChange);
}

function snapshot(): string {
  return window.location.hash;
}

/** The current hash (re-renders on `hashchange`). */
export function useHash(): string {
  return useSyncExternalStore(subscribe, snapshot);
}
