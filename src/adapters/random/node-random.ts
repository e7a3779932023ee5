/**
 * @module adapters/random/node-random
 * The system CSPRNG behind the RandomSource port.
 */
import { randomBytes } from "node:crypto";
import type { RandomSource } from "../../ports/random.ts";

export const nodeRandom: RandomSource = { bytes: (n) => new Uint8Array(randomBytes(n)) };
