/**
 * @module ports/random
 * Randomness as a port, so tests can make pseudonyms and keys deterministic.
 */
export interface RandomSource {
  bytes(length: number): Uint8Array;
}
