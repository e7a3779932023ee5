/**
 * @module scripts/check-node
 * Refuses to run on anything older than Node 24: npm on the system Node 20 would otherwise
 * silently run the tests on the wrong runtime (see README, "Why Node 24 is pinned").
 */
import { assertSupportedNode } from "../src/config/runtime.ts";

assertSupportedNode(process.versions.node);
