/**
 * @module config/runtime
 * The runtime guard: Rayvault runs only on Node 24 LTS or newer (pinned as the `node` devDependency);
 * and the V8 settings of the long-running server.
 */
import { setFlagsFromString } from "node:v8";

export const MINIMUM_NODE_MAJOR = 24;

export function assertSupportedNode(version: string): void {
  const major = Number.parseInt(version.split(".")[0] ?? "", 10);
  if (!Number.isFinite(major) || major < MINIMUM_NODE_MAJOR) {
    process.stderr.write(
      `rayvault: Node ${version} is too old; Node ${MINIMUM_NODE_MAJOR}+ is required.\n` +
        `Run through npm (npm start / npm test), which uses the pinned node_modules/.bin/node.\n`,
    );
    process.exit(1);
  }
}

/**
 * V8 settings for the long-running server, applied before it starts. Received images pass through
 * memory outside the JavaScript heap (socket buffers, the data set's fragments, its sealed copy until
 * it is filed): about 2 MB a CT slice. Counted against a separate external-memory limit, that churn set
 * off a full (mark-compact) collection every ~0.35 s during a push, each holding the event loop tens of
 * milliseconds while a modality waited for its acknowledgement; counted within the heap's global limit
 * (V8's `--external-memory-accounted-in-global-limit`) the same push took 4–6 instead of 19. The
 * receiver's queue of sealed objects stays bounded (256 MiB) either way.
 */
export function tuneServerHeap(): void {
  setFlagsFromString("--external-memory-accounted-in-global-limit");
}
