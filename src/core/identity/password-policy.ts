/**
 * @module core/identity/password-policy
 * What a password must be (164.308(a)(5)(ii)(D), NIST SP 800-63B §5.1.1): at least 12 characters, not
 * built on the user's own name, and not guessable — zxcvbn (with its dictionaries of common and
 * breached passwords, names and words) must rate it 3 or 4. Pure; says why a password is refused.
 */
import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import * as common from "@zxcvbn-ts/language-common";
import * as en from "@zxcvbn-ts/language-en";

export const MIN_LENGTH = 12;
export const MAX_LENGTH = 128;
export const MIN_SCORE = 3;

let zxcvbn: ZxcvbnFactory | undefined;
function estimator(): ZxcvbnFactory {
  zxcvbn ??= new ZxcvbnFactory({ dictionary: { ...common.dictionary, ...en.dictionary }, graphs: common.adjacencyGraphs, translations: en.translations });
  return zxcvbn;
}

export interface PasswordVerdict {
  readonly ok: boolean;
  readonly reasons: string[];
}

export function checkPassword(password: string, context: { readonly username: string }): PasswordVerdict {
  const reasons: string[] = [];
  if (password.length < MIN_LENGTH) reasons.push(`at least ${MIN_LENGTH} characters`);
  if (password.length > MAX_LENGTH) reasons.push(`at most ${MAX_LENGTH} characters`);
  const user = context.username.toLowerCase();
  if (user.length >= 3 && password.toLowerCase().includes(user)) reasons.push("must not contain the user name");
  if (password.length <= MAX_LENGTH) {
    const r = estimator().check(password, [context.username, "rayvault", "radiology", "xray", "hospital", "clinic"]);
    if (r.score < MIN_SCORE) reasons.push(r.feedback.warning ? `too easy to guess: ${r.feedback.warning}` : "too easy to guess");
  }
  return { ok: reasons.length === 0, reasons };
}
