// Suite 1: Element Web's login, refresh and logout, run through matrix-js-sdk 43.0.0's own code
// (src/oauth: isValidAuthMetadata, OAuth2.registerClient, OAuth2, TokenRefresher, and
// MatrixClient.logout for the concurrent revocation). See shared/CLIENTS.md §1.2 and §2.
// With a homeserver, the tokens are also used where Element Web uses them: MatrixClient.whoami
// at the homeserver, after the login, after the refresh, and after the logout.

import {
  createClient,
  isValidAuthMetadata,
  OAuth2,
  OAuth2HTTPError,
  TokenRefreshLogoutError,
} from "matrix-js-sdk";
// Used by the SDK's TokenManager (inside MatrixHttpApi); not re-exported from the package root.
import { TokenRefresher } from "matrix-js-sdk/lib/oauth/tokenRefresher.js";

import { Browser } from "./browser.mjs";
import { whoamiDeadStep, whoamiStep } from "./homeserver.mjs";
import { expectAccessTokenDead, short, userinfo } from "./http.mjs";
import { expect, insertAfter } from "./report.mjs";
import { silentLogger } from "./sdk.mjs";

// Element Web at https://app.element.io/ registers exactly this (BasePlatform.getOAuthClientMetadata):
// the redirect URI is origin + path + "?no_universal_links=true". The callback is never loaded;
// the suite only reads the Location the server answers with.
const ELEMENT_WEB_ORIGIN = "https://app.element.io";
const ELEMENT_WEB_REDIRECT = `${ELEMENT_WEB_ORIGIN}/?no_universal_links=true`;
const elementWebClientMetadata = {
  client_name: "Element",
  client_uri: `${ELEMENT_WEB_ORIGIN}/`,
  redirect_uris: [ELEMENT_WEB_REDIRECT],
  logo_uri: `${ELEMENT_WEB_ORIGIN}/vector-icons/1024.png`,
  application_type: "web",
  // Not under client_uri's host: the SDK drops both before sending, as it does for Element Web.
  tos_uri: "https://element.io/terms-of-service",
  policy_uri: "https://element.io/cookie-policy",
};

/**
 * @param {{serverUrl: string, username: string, password: string, homeserverUrl?: string, serverName?: string,
 *   recorder: ReturnType<import("./http.mjs").installFetchRecorder>}} cfg
 */
export function jsSdkSteps(cfg) {
  // The whoami steps, only with a homeserver; each follows the step named in `after`.
  const atHomeserver = !cfg.homeserverUrl ? [] : [
    whoamiStep(cfg, {
      after: "jssdk.exchange",
      id: "jssdk.hs-whoami",
      title: "MatrixClient.whoami at the homeserver with the new access token: the user and the login's device",
      token: (ctx) => ctx.first.access_token,
      deviceId: (ctx) => ctx.oauth.context.deviceId,
    }),
    whoamiStep(cfg, {
      after: "jssdk.refresh-retry",
      id: "jssdk.hs-whoami-refreshed",
      title: "MatrixClient.whoami at the homeserver with the refreshed access token: same user, same device",
      token: (ctx) => ctx.current.access_token,
      deviceId: (ctx) => ctx.oauth.context.deviceId,
    }),
    whoamiDeadStep(cfg, {
      after: "jssdk.access-dead",
      id: "jssdk.hs-whoami-dead",
      // The homeserver cached this token's introspection as active one step before the
      // logout; only the deletion of the device can end it now (SYNAPSE.md §1.2 step 6).
      title: "after logout, MatrixClient.whoami at the homeserver fails 401 M_UNKNOWN_TOKEN (the device was deleted)",
      token: (ctx) => ctx.current.access_token,
    }),
  ];
  return insertAfter(oauthSteps(cfg), atHomeserver);
}

function oauthSteps(cfg) {
  return [
    {
      id: "jssdk.metadata",
      title: "GET /_matrix/client/v1/auth_metadata passes isValidAuthMetadata and MatrixClient.getAuthMetadata",
      async run(ctx) {
        const url = new URL("/_matrix/client/v1/auth_metadata", cfg.serverUrl);
        const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
        expect(res.status === 200, `GET ${url}: ${res.status}`);
        const raw = await res.json();
        expect(isValidAuthMetadata(raw), `isValidAuthMetadata rejected ${JSON.stringify(raw)}`);
        // The path Element Web takes: through the Matrix HTTP layer, then the same validator.
        const client = createClient({ baseUrl: cfg.serverUrl, logger: silentLogger });
        ctx.metadata = await client.getAuthMetadata();
        expect(ctx.metadata.issuer === raw.issuer, "getAuthMetadata returned another document");
        expect(typeof raw.userinfo_endpoint === "string", "no userinfo_endpoint: the suite needs it to probe tokens");
        ctx.userinfoEndpoint = raw.userinfo_endpoint;
        return `issuer ${raw.issuer}`;
      },
    },
    {
      id: "jssdk.register",
      title: "OAuth2.registerClient with Element Web's client metadata",
      async run(ctx) {
        ctx.clientId = await OAuth2.registerClient(ctx.metadata, elementWebClientMetadata, silentLogger);
        expect(typeof ctx.clientId === "string" && ctx.clientId !== "", "no client_id");
        return `client_id ${ctx.clientId}`;
      },
    },
    {
      id: "jssdk.authorize",
      title: "generateAuthorizationCodeGrantUrl (fragment), sign in, Allow: code and state in the fragment, redirect query kept",
      async run(ctx) {
        ctx.oauth = new OAuth2(ctx.metadata, { clientId: ctx.clientId }, silentLogger);
        const state = `interop-${crypto.randomUUID()}`;
        const authUrl = await ctx.oauth.generateAuthorizationCodeGrantUrl(state, ELEMENT_WEB_REDIRECT);
        expect(new URL(authUrl).searchParams.get("response_mode") === "fragment", `SDK built ${authUrl}`);
        const callback = await new Browser().signInAndAllow(authUrl, cfg.username, cfg.password);
        // RFC 6749 §3.1.2: the redirect URI's own query is kept; the result travels in the fragment.
        const base = `${callback.origin}${callback.pathname}${callback.search}`;
        expect(base === ELEMENT_WEB_REDIRECT, `redirected to ${callback.href}, want ${ELEMENT_WEB_REDIRECT}#…`);
        const result = new URLSearchParams(callback.hash.slice(1));
        expect(result.get("state") === state, `state ${result.get("state")} in ${callback.hash}, want ${state}`);
        expect(result.get("code"), `no code in the fragment: ${callback.href}`);
        expect(!callback.searchParams.has("code"), `code leaked into the query: ${callback.href}`);
        ctx.code = result.get("code");
      },
    },
    {
      id: "jssdk.exchange",
      title: "completeAuthorizationCodeGrant returns a working bearer access token and a refresh token",
      async run(ctx) {
        const tokens = await ctx.oauth.completeAuthorizationCodeGrant(ctx.code, ELEMENT_WEB_REDIRECT);
        // validateBearerTokenResponse has checked token_type (bearer, any case) and access_token.
        expect(typeof tokens.refresh_token === "string", "no refresh_token (CLIENTS.md §0.6: MUST)");
        expect(typeof tokens.expires_in === "number", "no expires_in: the SDK would never refresh eagerly");
        const deviceScope = `urn:matrix:client:device:${ctx.oauth.context.deviceId}`;
        expect(tokens.scope?.split(" ").includes(deviceScope), `scope ${tokens.scope} lacks ${deviceScope}`);
        const info = await userinfo(ctx.userinfoEndpoint, tokens.access_token);
        expect(info.status === 200, `userinfo with the new token: ${info.status} ${info.text.slice(0, 200)}`);
        ctx.first = tokens;
        return `expires_in ${tokens.expires_in}`;
      },
    },
    {
      id: "jssdk.refresh",
      title: "TokenRefresher.refreshTokens rotates the tokens",
      async run(ctx) {
        let notified;
        const refresher = new TokenRefresher(ctx.oauth, (tokens) => {
          notified = tokens;
        });
        const tokens = await refresher.refreshTokens(ctx.first.refresh_token);
        expect(notified?.accessToken === tokens.accessToken, "onRefresh was not called with the new tokens");
        expect(tokens.accessToken !== ctx.first.access_token, "the access token did not change");
        expect(tokens.refreshToken && tokens.refreshToken !== ctx.first.refresh_token, `refresh token not rotated: ${short(tokens.refreshToken)}`);
        expect(tokens.expiry instanceof Date, "no expiry: expires_in missing from the refresh response");
        // Deliberately not used: the next step plays a client that never received this response.
        ctx.lostResponse = tokens;
      },
    },
    {
      id: "jssdk.refresh-retry",
      title: "retrying with the previous refresh token succeeds (the first response was lost)",
      async run(ctx) {
        const again = await ctx.oauth.performRefreshTokenGrant(ctx.first.refresh_token);
        expect(typeof again.access_token === "string" && typeof again.refresh_token === "string", "incomplete response");
        const info = await userinfo(ctx.userinfoEndpoint, again.access_token);
        expect(info.status === 200, `the retried access token does not work: userinfo ${info.status}`);
        ctx.current = again;
      },
    },
    {
      id: "jssdk.logout",
      title: "MatrixClient.logout revokes access and refresh token concurrently, both 200",
      async run(ctx) {
        const client = createClient({
          baseUrl: cfg.serverUrl,
          accessToken: ctx.current.access_token,
          refreshToken: ctx.current.refresh_token,
          oauthClientId: ctx.clientId,
          deviceId: ctx.oauth.context.deviceId,
          onTokenRefresh: () => {},
          logger: silentLogger,
        });
        const from = cfg.recorder.log.length;
        await client.logout();
        const calls = cfg.recorder.since(from, ctx.metadata.revocation_endpoint);
        const hints = calls.map((c) => new URLSearchParams(c.body).get("token_type_hint")).sort();
        expect(calls.length === 2 && hints.join() === "access_token,refresh_token",
          `want one revocation per token, got ${calls.map((c) => `${c.method} ${c.body.replace(/token=[^&]+/, "token=…")}`).join("; ")}`);
        const statuses = calls.map((c) => c.status);
        expect(statuses.every((s) => s === 200), `revocation statuses ${statuses.join(", ")}, want 200, 200`);
        const overlapped = calls[1].started < calls[0].ended && calls[0].started < calls[1].ended;
        return overlapped ? "requests overlapped" : "requests happened not to overlap";
      },
    },
    {
      id: "jssdk.access-dead",
      title: "the revoked access token is rejected",
      async run(ctx) {
        return expectAccessTokenDead(ctx.userinfoEndpoint, ctx.current.access_token);
      },
    },
    {
      id: "jssdk.refresh-dead",
      title: "the revoked refresh token fails with a 4xx OAuth error (TokenRefreshLogoutError: the user is logged out)",
      async run(ctx) {
        const refresher = new TokenRefresher(ctx.oauth, () => {});
        const err = await refresher.refreshTokens(ctx.current.refresh_token).then(() => null, (e) => e);
        expect(err instanceof TokenRefreshLogoutError, `refresh after logout gave ${err === null ? "new tokens" : `${err.name}: ${err.message}`}, want TokenRefreshLogoutError`);
        // The details behind it: RFC 6749 §5.2 JSON with a 4xx status.
        const raw = await ctx.oauth.performRefreshTokenGrant(ctx.current.refresh_token).then(() => null, (e) => e);
        expect(raw instanceof OAuth2HTTPError && raw.httpStatus >= 400 && raw.httpStatus < 500, `raw refresh gave ${raw}`);
        return `${raw.httpStatus} ${raw.error}`;
      },
    },
  ];
}
