// Suites 2 and 3: a strict, generic OAuth 2.0 / OpenID Connect client (oauth4webapi) doing what
// a native Matrix client such as Element X does — discovery, dynamic registration, PKCE with a
// loopback redirect on any port, query response mode, refresh, revocation of the access token
// only — and, once, an OpenID Connect login whose id_token the library validates. With a
// homeserver, the access token is also used where Element X uses it: whoami at the homeserver,
// before and after the revocation.

import * as oauth from "oauth4webapi";

import { Browser } from "./browser.mjs";
import { whoamiDeadStep, whoamiStep } from "./homeserver.mjs";
import { expectAccessTokenDead, short } from "./http.mjs";
import { deviceIdFromScope } from "./matrix.mjs";
import { expect, insertAfter } from "./report.mjs";

// The server under test speaks plain http on loopback; oauth4webapi refuses that unless told.
// Test-only: a deployment is https (and Element X refuses anything else).
const insecure = { [oauth.allowInsecureRequests]: true };

// Registered without a port; RFC 8252 §7.3: any port must be accepted at authorization time.
const LOOPBACK_REGISTERED = "http://127.0.0.1/callback";

function loopbackRedirect() {
  const port = 1024 + Math.floor(Math.random() * 60000);
  return `http://127.0.0.1:${port}/callback`;
}

// The Matrix scopes a client asks for (stable spelling), with a fresh device ID per login.
function matrixScope() {
  const deviceId = Array.from(crypto.getRandomValues(new Uint8Array(10)), (b) => "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[b % 26]).join("");
  return `urn:matrix:client:api:* urn:matrix:client:device:${deviceId}`;
}

/** Strict discovery: the document at <issuer>/.well-known/openid-configuration must name issuer exactly. */
async function discover(issuer) {
  const issuerUrl = new URL(issuer);
  const res = await oauth.discoveryRequest(issuerUrl, { algorithm: "oidc", ...insecure, signal: AbortSignal.timeout(10_000) });
  return oauth.processDiscoveryResponse(issuerUrl, res);
}

async function registerNativeClient(as) {
  const res = await fetch(as.registration_endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Accept": "application/json" },
    body: JSON.stringify({
      client_name: "mxauth interop (oauth4webapi)",
      client_uri: "https://interop.example.org/",
      application_type: "native",
      redirect_uris: [LOOPBACK_REGISTERED],
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
    }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  expect(res.status === 201, `POST ${as.registration_endpoint}: ${res.status} ${text.slice(0, 300)}, want 201`);
  const body = JSON.parse(text);
  expect(typeof body.client_id === "string", `no client_id in ${text.slice(0, 300)}`);
  return { client_id: body.client_id, token_endpoint_auth_method: "none" };
}

/**
 * Builds an authorization URL, plays the user, and returns what the library needs next.
 * @param {{scope: string, nonce?: string, browser: Browser}} opts
 */
async function authorize(cfg, as, client, opts) {
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const redirectUri = loopbackRedirect();
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("response_mode", "query");
  url.searchParams.set("client_id", client.client_id);
  url.searchParams.set("redirect_uri", redirectUri);
  url.searchParams.set("scope", opts.scope);
  url.searchParams.set("state", state);
  url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(codeVerifier));
  url.searchParams.set("code_challenge_method", "S256");
  if (opts.nonce) url.searchParams.set("nonce", opts.nonce);
  const callback = await opts.browser.signInAndAllow(url.href, cfg.username, cfg.password);
  expect(`${callback.origin}${callback.pathname}` === redirectUri, `redirected to ${callback.href}, want ${redirectUri}?…`);
  // validateAuthResponse: iss (RFC 9207) when the server advertises it, state, no error.
  const params = oauth.validateAuthResponse(as, client, callback, state);
  return { params, codeVerifier, redirectUri };
}

async function exchange(as, client, grant, options = {}) {
  const res = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), grant.params, grant.redirectUri, grant.codeVerifier, insecure);
  // res is returned too: validateApplicationLevelSignature takes the processed response.
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, res, options);
  return { res, tokens };
}

async function refresh(as, client, refreshToken) {
  const res = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshToken, insecure);
  return oauth.processRefreshTokenResponse(as, client, res);
}

/** @param {{issuer: string, username: string, password: string, homeserverUrl?: string, serverName?: string}} cfg */
export function oauth4webapiSteps(cfg) {
  const atHomeserver = !cfg.homeserverUrl ? [] : [
    whoamiStep(cfg, {
      after: "o4w.refresh",
      id: "o4w.hs-whoami",
      title: "whoami at the homeserver with the rotated access token: the user and the device of the scope",
      token: (ctx) => ctx.tokens.access_token,
      deviceId: (ctx) => deviceIdFromScope(ctx.scope),
    }),
    whoamiDeadStep(cfg, {
      after: "o4w.access-dead",
      id: "o4w.hs-whoami-dead",
      // Revoking the access token alone ends the session (CLIENTS.md §0.5), so mxauth deletes
      // the device; the homeserver's cached "active" for this token cannot outlive that.
      title: "after revoking only the access token, whoami at the homeserver fails 401 M_UNKNOWN_TOKEN (the device was deleted)",
      token: (ctx) => ctx.tokens.access_token,
    }),
  ];
  return insertAfter(nativeClientSteps(cfg), atHomeserver);
}

function nativeClientSteps(cfg) {
  return [
    {
      id: "o4w.discovery",
      title: "strict discovery of the issuer (/.well-known/openid-configuration)",
      async run(ctx) {
        ctx.as = await discover(cfg.issuer);
        return `issuer ${ctx.as.issuer}`;
      },
    },
    {
      id: "o4w.register",
      title: "dynamic registration of a native client with a port-less loopback redirect URI",
      async run(ctx) {
        ctx.client = await registerNativeClient(ctx.as);
        return `client_id ${ctx.client.client_id}`;
      },
    },
    {
      id: "o4w.authorize",
      title: "PKCE S256, query response mode, loopback redirect on a random port; validateAuthResponse",
      async run(ctx) {
        ctx.scope = matrixScope();
        ctx.grant = await authorize(cfg, ctx.as, ctx.client, { scope: ctx.scope, browser: new Browser() });
      },
    },
    {
      id: "o4w.exchange",
      title: "authorizationCodeGrantRequest + processAuthorizationCodeResponse",
      async run(ctx) {
        const { tokens } = await exchange(ctx.as, ctx.client, ctx.grant);
        expect(tokens.token_type === "bearer", `token_type ${tokens.token_type}`);
        expect(typeof tokens.refresh_token === "string", "no refresh_token");
        expect(tokens.id_token === undefined, "an id_token although openid was not requested");
        ctx.tokens = tokens;
      },
    },
    {
      id: "o4w.userinfo",
      title: "userInfoRequest + processUserInfoResponse with the access token",
      async run(ctx) {
        const res = await oauth.userInfoRequest(ctx.as, ctx.client, ctx.tokens.access_token, insecure);
        const info = await oauth.processUserInfoResponse(ctx.as, ctx.client, oauth.skipSubjectCheck, res);
        return `sub ${info.sub}`;
      },
    },
    {
      id: "o4w.refresh",
      title: "refreshTokenGrantRequest + processRefreshTokenResponse rotates the tokens",
      async run(ctx) {
        const next = await refresh(ctx.as, ctx.client, ctx.tokens.refresh_token);
        expect(next.access_token !== ctx.tokens.access_token, "same access token");
        expect(next.refresh_token && next.refresh_token !== ctx.tokens.refresh_token, `refresh token not rotated: ${short(next.refresh_token)}`);
        ctx.tokens = next;
      },
    },
    {
      id: "o4w.revoke",
      title: "revocationRequest on the access token only (as Element X logs out) answers 200",
      async run(ctx) {
        const res = await oauth.revocationRequest(ctx.as, ctx.client, oauth.None(), ctx.tokens.access_token, {
          ...insecure,
          additionalParameters: { token_type_hint: "access_token" },
        });
        expect(res.status === 200, `revocation answered ${res.status}`);
        await oauth.processRevocationResponse(res);
      },
    },
    {
      id: "o4w.access-dead",
      title: "the revoked access token is rejected",
      async run(ctx) {
        return expectAccessTokenDead(ctx.as.userinfo_endpoint, ctx.tokens.access_token);
      },
    },
    {
      id: "o4w.refresh-dead",
      title: "revoking the access token also killed its refresh token (invalid_grant)",
      async run(ctx) {
        const err = await refresh(ctx.as, ctx.client, ctx.tokens.refresh_token).then(() => null, (e) => e);
        expect(err instanceof oauth.ResponseBodyError, `refresh after revocation gave ${err === null ? "new tokens" : `${err.name}: ${err.message}`}`);
        expect(err.status === 400 && err.error === "invalid_grant", `got ${err.status} ${err.error}, want 400 invalid_grant`);
        return `${err.status} ${err.error}`;
      },
    },
  ];
}

/** @param {{issuer: string, username: string, password: string}} cfg */
export function openIdSteps(cfg) {
  return [
    {
      id: "oidc.login",
      title: "scope openid with a nonce: the id_token passes processAuthorizationCodeResponse (iss, aud, exp, iat, nonce)",
      async run(ctx) {
        ctx.as = await discover(cfg.issuer);
        expect(typeof ctx.as.jwks_uri === "string", "no jwks_uri in the metadata");
        ctx.client = await registerNativeClient(ctx.as);
        const nonce = oauth.generateRandomNonce();
        const grant = await authorize(cfg, ctx.as, ctx.client, { scope: `openid ${matrixScope()}`, nonce, browser: new Browser() });
        const { res, tokens } = await exchange(ctx.as, ctx.client, grant, { expectedNonce: nonce, requireIdToken: true });
        ctx.res = res;
        ctx.tokens = tokens;
        ctx.claims = oauth.getValidatedIdTokenClaims(tokens);
        return `sub ${ctx.claims.sub}`;
      },
    },
    {
      id: "oidc.signature",
      title: "the id_token signature verifies against jwks_uri (validateApplicationLevelSignature)",
      async run(ctx) {
        await oauth.validateApplicationLevelSignature(ctx.as, ctx.res, insecure);
        return `alg ${idTokenHeader(ctx.tokens.id_token).alg}`;
      },
    },
    {
      id: "oidc.at_hash",
      title: "at_hash, when present, matches the access token (OIDC Core §3.1.3.6; oauth4webapi does not check it)",
      async run(ctx) {
        const atHash = ctx.claims.at_hash;
        if (atHash === undefined) return "absent, optional in the code flow";
        const { alg } = idTokenHeader(ctx.tokens.id_token);
        const hashes = { ES256: "SHA-256", RS256: "SHA-256", PS256: "SHA-256", EdDSA: "SHA-512", ES384: "SHA-384", RS384: "SHA-384", ES512: "SHA-512", RS512: "SHA-512" };
        expect(hashes[alg], `no at_hash rule for alg ${alg}`);
        const digest = new Uint8Array(await crypto.subtle.digest(hashes[alg], new TextEncoder().encode(ctx.tokens.access_token)));
        const want = Buffer.from(digest.slice(0, digest.length / 2)).toString("base64url");
        expect(atHash === want, `at_hash ${atHash}, want ${want}`);
        return "matches";
      },
    },
    {
      id: "oidc.userinfo-sub",
      title: "userinfo sub equals the id_token sub (OIDC Core §5.3.2)",
      async run(ctx) {
        const res = await oauth.userInfoRequest(ctx.as, ctx.client, ctx.tokens.access_token, insecure);
        await oauth.processUserInfoResponse(ctx.as, ctx.client, ctx.claims.sub, res);
      },
    },
  ];
}

function idTokenHeader(jwt) {
  return JSON.parse(Buffer.from(jwt.split(".")[0], "base64url").toString());
}
