// Checks through the homeserver, as Matrix clients make them in a real deployment: the client
// knows only the homeserver, finds it (/.well-known/matrix/client, /versions), gets the OAuth
// metadata from it (/_matrix/client/v1/auth_metadata, which Synapse passes through from
// mxauth), and uses its tokens on the Matrix API, where the homeserver asks mxauth about them
// (introspection) — SYNAPSE.md §1.2, CLIENTS.md §0.8 and §1.2. The homeserver under test is the
// Synapse stand-in (internal/matrix/synapsetest) wired to mxauth; run.sh starts both.

import { AutoDiscovery, createClient, isValidAuthMetadata } from "matrix-js-sdk";

import { differingKeys, expectUnknownToken, expectWhoami, matrixUserId, oauthApiVersions } from "./matrix.mjs";
import { expect } from "./report.mjs";
import { silentLogger } from "./sdk.mjs";

/**
 * The discovery checks. They do not depend on one another, so run.mjs runs each as its own
 * suite: one failing must not hide the others.
 * @param {{serverUrl: string, issuer: string, homeserverUrl: string}} cfg
 */
export function homeserverDiscoverySteps(cfg) {
  return [
    {
      id: "hs.versions",
      title: "MatrixClient.getVersions: /_matrix/client/versions lists v1.15 or later (the OAuth 2.0 API)",
      async run() {
        const client = createClient({ baseUrl: cfg.homeserverUrl, logger: silentLogger });
        const answer = await client.getVersions();
        const oauthVersions = oauthApiVersions(answer.versions);
        expect(oauthVersions.length > 0, `versions ${JSON.stringify(answer.versions)} has none from v1.15 on`);
        return `${oauthVersions.join(", ")}`;
      },
    },
    {
      id: "hs.well-known",
      title: "AutoDiscovery.findClientConfig (Element Web's server discovery) finds the homeserver via /.well-known/matrix/client",
      async run() {
        const found = await AutoDiscovery.findClientConfig(cfg.homeserverUrl);
        const hs = found["m.homeserver"];
        expect(hs?.state === AutoDiscovery.SUCCESS, `m.homeserver ${JSON.stringify(hs)}, want state SUCCESS`);
        expect(hs.base_url === cfg.homeserverUrl, `base_url ${hs.base_url}, want ${cfg.homeserverUrl}`);
        // Synapse also announces the issuer there (MSC2965's unstable well-known key); when it
        // does, it must be mxauth's issuer.
        const auth = found["org.matrix.msc2965.authentication"];
        if (auth !== undefined) {
          expect(auth.issuer === cfg.issuer, `org.matrix.msc2965.authentication.issuer ${auth.issuer}, want ${cfg.issuer}`);
        }
        return `base_url ${hs.base_url}`;
      },
    },
    {
      id: "hs.auth_metadata",
      title: "MatrixClient.getAuthMetadata at the homeserver: mxauth's metadata, passed through and valid (isValidAuthMetadata)",
      async run() {
        const client = createClient({ baseUrl: cfg.homeserverUrl, logger: silentLogger });
        // Validated by the SDK (it throws OAuth2Error.OpSupport otherwise); checked again
        // here so a failure names the validator.
        const viaHomeserver = await client.getAuthMetadata();
        expect(isValidAuthMetadata(viaHomeserver), `isValidAuthMetadata rejected ${JSON.stringify(viaHomeserver)}`);
        expect(viaHomeserver.issuer === cfg.issuer, `issuer ${viaHomeserver.issuer}, want ${cfg.issuer}`);
        const direct = await fetchJSON(new URL("/.well-known/openid-configuration", cfg.serverUrl));
        const diff = differingKeys(direct, viaHomeserver);
        expect(diff.length === 0, `the homeserver's document differs from mxauth's in ${diff.join(", ")}`);
        return `issuer ${viaHomeserver.issuer}, account_management_uri ${viaHomeserver.account_management_uri}`;
      },
    },
  ];
}

/**
 * A step that calls whoami at the homeserver with the access token token(ctx) and expects the
 * suite's user and the device deviceId(ctx). after names the step it follows (insertAfter).
 * @param {{homeserverUrl: string, serverName: string, username: string}} cfg
 */
export function whoamiStep(cfg, { after, id, title, token, deviceId }) {
  return {
    after,
    id,
    title,
    async run(ctx) {
      const answer = await whoamiAt(cfg.homeserverUrl, token(ctx));
      return expectWhoami(answer, { userId: matrixUserId(cfg.username, cfg.serverName), deviceId: deviceId(ctx) });
    },
  };
}

/** A step that expects whoami at the homeserver with token(ctx) to fail 401 M_UNKNOWN_TOKEN. */
export function whoamiDeadStep(cfg, { after, id, title, token }) {
  return {
    after,
    id,
    title,
    async run(ctx) {
      const outcome = await whoamiAt(cfg.homeserverUrl, token(ctx)).then((a) => a, (e) => e);
      return expectUnknownToken(outcome);
    },
  };
}

/**
 * MatrixClient.whoami against the homeserver with an access token only: no refresh token, so
 * the SDK surfaces a 401 as a MatrixError instead of trying to refresh.
 */
async function whoamiAt(homeserverUrl, accessToken) {
  const client = createClient({ baseUrl: homeserverUrl, accessToken, logger: silentLogger });
  return client.whoami();
}

async function fetchJSON(url) {
  const res = await fetch(url, { headers: { Accept: "application/json" }, signal: AbortSignal.timeout(10_000) });
  expect(res.status === 200, `GET ${url}: ${res.status}`);
  return res.json();
}
