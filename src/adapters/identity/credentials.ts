/**
 * @module adapters/identity/credentials
 * Password hashing with argon2id (OWASP 2024 parameters: 19 MiB, 2 passes, 1 lane) through
 * @node-rs/argon2, and RFC 6238 TOTP (SHA-1, 6 digits, 30 s, ±1 step) through otplib.
 */
import { hash, verify } from "@node-rs/argon2";
import { generateSecret, generateURI, verify as verifyOtp } from "otplib";
import type { Credentials } from "../../ports/user-directory.ts";

const ARGON2 = { algorithm: 2 /* Argon2id */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const argon2TotpCredentials: Credentials = {
  hashPassword: (password) => hash(password, ARGON2),
  verifyPassword: async (h, password) => {
    try {
      return await verify(h, password);
    } catch {
      return false;
    }
  },
  newTotpSecret: () => generateSecret(),
  totpUri: (secret, username) => generateURI({ secret, label: username, issuer: "Rayvault" }),
  verifyTotp: async (secret, code) => /^\d{6}$/.test(code) && (await verifyOtp({ secret, token: code, epochTolerance: 30 })).valid,
};
