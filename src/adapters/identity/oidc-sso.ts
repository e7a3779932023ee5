/**
 * @module adapters/identity/oidc-sso
 * SsoProvider over openid-client (certified OpenID Connect relying party): discovery of the issuer,
 * the authorization code flow with PKCE (S256), state and nonce, and the ID token validated by the
 * library. Plain-http issuers are allowed on loopback only (a provider under test on this machine).
 */
import * as oidc from "openid-client";
import { ErrorCode, RayvaultError } from "../../core/errors.ts";
import type { SsoIdentity, SsoProvider } from "../../ports/sso.ts";

const MFA_AMR = new Set(["mfa", "otp", "hwk", "swk", "sc", "face", "fpt", "iris", "retina", "vbm"]);

export interface OidcSettings {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

const loopback = (u: URL): boolean => u.hostname === "127.0.0.1" || u.hostname === "localhost" || u.hostname === "[::1]";

export function oidcSso(settings: OidcSettings): SsoProvider {
  let config: Promise<oidc.Configuration> | undefined;
  const configuration = (): Promise<oidc.Configuration> => {
    config ??= (async () => {
      const issuer = new URL(settings.issuer);
      const insecure = issuer.protocol === "http:" && loopback(issuer);
      try {
        // Plain http only to a provider on this machine (load-config refuses any other http issuer).
        // eslint-disable-next-line @typescript-eslint/no-deprecated -- the library marks it so it stands out; loopback only
        return await oidc.discovery(issuer, settings.clientId, settings.clientSecret, undefined, insecure ? { execute: [oidc.allowInsecureRequests] } : undefined);
      } catch (cause) {
        config = undefined; // try discovery again on the next sign-in
        throw new RayvaultError(ErrorCode.AccessDenied, "the hospital sign-in service cannot be reached", { cause });
      }
    })();
    return config;
  };
  return {
    async start(redirectUri) {
      const c = await configuration();
      const verifier = oidc.randomPKCECodeVerifier();
      const checks = { state: oidc.randomState(), nonce: oidc.randomNonce(), verifier };
      const url = oidc.buildAuthorizationUrl(c, {
        redirect_uri: redirectUri, scope: "openid profile email", response_type: "code",
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: "S256", state: checks.state, nonce: checks.nonce,
      });
      return { url: url.href, checks };
    },
    async finish(callbackUrl, checks): Promise<SsoIdentity> {
      const c = await configuration();
      let claims: oidc.IDToken | undefined;
      let name: string;
      try {
        const tokens = await oidc.authorizationCodeGrant(c, new URL(callbackUrl), { pkceCodeVerifier: checks.verifier, expectedState: checks.state, expectedNonce: checks.nonce, idTokenExpected: true });
        claims = tokens.claims();
        if (!claims) throw new Error("no ID token");
        name = typeof claims["preferred_username"] === "string" ? claims["preferred_username"] : "";
        // Providers that keep profile claims out of the ID token give them at the UserInfo endpoint (for the same subject).
        if (name === "") {
          const info = await oidc.fetchUserInfo(c, tokens.access_token, claims.sub);
          name = typeof info.preferred_username === "string" ? info.preferred_username : "";
        }
      } catch (cause) {
        throw new RayvaultError(ErrorCode.AccessDenied, "the hospital sign-in did not complete (state, code or ID token not valid)", { cause });
      }
      const amr = Array.isArray(claims["amr"]) ? (claims["amr"] as unknown[]).filter((x): x is string => typeof x === "string") : [];
      return { issuer: claims.iss, subject: claims.sub, username: name.trim().toLowerCase(), mfa: amr.some((m) => MFA_AMR.has(m)) };
    },
  };
}
