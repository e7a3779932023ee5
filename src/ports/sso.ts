/**
 * @module ports/sso
 * Hospital single sign-on (OpenID Connect): where to send the browser, and the identity that comes back
 * once the authorization code, state, nonce and PKCE verifier have been checked.
 */
export interface SsoStart {
  /** The identity provider's authorization URL (authorization code flow with PKCE). */
  readonly url: string;
  /** What the callback must be checked against; kept by the browser in a signed, short-lived cookie. */
  readonly checks: { readonly state: string; readonly nonce: string; readonly verifier: string };
}

export interface SsoIdentity {
  readonly issuer: string;
  readonly subject: string;
  /** preferred_username (or email local part when configured so), lowercased: the local user it maps to. */
  readonly username: string;
  /** The provider says it used a second factor (amr has mfa, otp, hwk, swk, sc or face/fpt). */
  readonly mfa: boolean;
}

export interface SsoProvider {
  start(redirectUri: string): Promise<SsoStart>;
  /** Checks the callback (code, state, nonce, PKCE, the ID token's signature, audience and times). */
  finish(callbackUrl: string, checks: SsoStart["checks"]): Promise<SsoIdentity>;
}
