/**
 * @module interfaces/http/portal-app
 * Serves the built portal (web/dist, made by `npm run build:web`; `npm start` builds it when missing):
 * the page at `/` and at a recipient's link, and the hashed assets under /assets. The page carries no
 * PHI; everything it shows comes from the API after sign-in or verification.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply } from "fastify";
import fastifyStatic from "@fastify/static";

const PORTAL_DIST = fileURLToPath(new URL("../../../web/dist/", import.meta.url));

export interface PortalPage {
  /** Sends the portal's page (200), or 503 with how to build it. */
  send(reply: FastifyReply, status?: number): FastifyReply;
}

export function registerPortalApp(app: FastifyInstance, dist = PORTAL_DIST): PortalPage {
  const index = existsSync(`${dist}index.html`) ? readFileSync(`${dist}index.html`) : undefined;
  if (existsSync(`${dist}assets`)) {
    void app.register(fastifyStatic, { root: `${dist}assets`, prefix: "/assets/", index: false, wildcard: true, cacheControl: false, etag: true });
  }
  const page: PortalPage = {
    send: (reply, status = 200) =>
      index
        ? reply.code(status).type("text/html; charset=utf-8").send(index)
        : reply.code(503).type("text/plain; charset=utf-8").send("The portal is not built: run `npm run build:web` (npm start does it when it is missing).\n"),
  };
  app.get("/", async (_req, reply) => page.send(reply));
  return page;
}
