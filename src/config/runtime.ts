/**
 * @module config/runtime
 * The runtime guard: Rayvault runs only on Node 24 LTS or newer (pinned as the `node` devDependency).
 */
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
