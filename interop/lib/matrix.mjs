// Pure rules of the Matrix Client-Server API that the homeserver checks apply to what a client
// receives: which spec versions carry the OAuth 2.0 API, which device a scope names, what a
// whoami answer and a dead token's error must say, whether a document was passed through
// unchanged. No I/O, so they are unit-tested alone
// (matrix.test.mjs).

import { expect } from "./report.mjs";

// The OAuth 2.0 API (MSC3861 and friends) entered the spec in v1.15; a client picks
// /_matrix/client/v1/auth_metadata only when the homeserver lists that version or a later one
// (CLIENTS.md §0.8: ruma for Element X; js-sdk always uses the v1 path).
const FIRST_OAUTH_VERSION = { major: 1, minor: 15 };

/** The entries of a /versions "versions" list that are v1.15 or later, in their order. */
export function oauthApiVersions(versions) {
  if (!Array.isArray(versions)) return [];
  return versions.filter((v) => {
    const m = typeof v === "string" ? /^v(\d+)\.(\d+)$/.exec(v) : null;
    if (!m) return false;
    const major = Number(m[1]);
    const minor = Number(m[2]);
    return major > FIRST_OAUTH_VERSION.major || (major === FIRST_OAUTH_VERSION.major && minor >= FIRST_OAUTH_VERSION.minor);
  });
}

// Device scope prefixes, stable (Matrix v1.15) and unstable (MSC2967, still sent by Element X).
const DEVICE_SCOPE_PREFIXES = ["urn:matrix:client:device:", "urn:matrix:org.matrix.msc2967.client:device:"];

/**
 * The device ID a scope string names. Throws unless it names exactly one device, as Synapse
 * refuses a token whose scope names several (SYNAPSE.md §1.2 step 5).
 */
export function deviceIdFromScope(scope) {
  const ids = new Set();
  for (const token of String(scope ?? "").split(" ")) {
    for (const prefix of DEVICE_SCOPE_PREFIXES) {
      if (token.startsWith(prefix) && token.length > prefix.length) ids.add(token.slice(prefix.length));
    }
  }
  expect(ids.size === 1, `scope "${scope}" names ${ids.size} devices, want exactly one`);
  return [...ids][0];
}

/** A Matrix user ID (CS API appendix "User identifiers"). */
export function matrixUserId(localpart, serverName) {
  return `@${localpart}:${serverName}`;
}

/**
 * Fails unless a whoami answer names the user and the device of the login (CS API
 * GET /_matrix/client/v3/account/whoami: device_id is present for a token bound to a device).
 */
export function expectWhoami(answer, want) {
  expect(answer && typeof answer === "object", `whoami answered ${JSON.stringify(answer)}`);
  expect(answer.user_id === want.userId, `whoami user_id ${JSON.stringify(answer.user_id)}, want ${want.userId}`);
  expect(answer.device_id === want.deviceId, `whoami device_id ${JSON.stringify(answer.device_id)}, want ${want.deviceId}`);
  expect(answer.is_guest !== true, "whoami says is_guest: true");
  return `${answer.user_id}, device ${answer.device_id}`;
}

/**
 * Fails unless a client call was refused as a dead token is: 401 with errcode M_UNKNOWN_TOKEN
 * (CS API "Using access tokens": the client must then log in again). outcome is what the call
 * resolved to, or the error it threw (a js-sdk MatrixError carries httpStatus and errcode).
 */
export function expectUnknownToken(outcome) {
  if (!(outcome instanceof Error)) {
    throw new Error(`the call succeeded (${JSON.stringify(outcome)?.slice(0, 200)}), want 401 M_UNKNOWN_TOKEN`);
  }
  expect(outcome.httpStatus === 401 && outcome.errcode === "M_UNKNOWN_TOKEN",
    `${outcome.name}: ${outcome.message} (status ${outcome.httpStatus}, errcode ${outcome.errcode}), want 401 M_UNKNOWN_TOKEN`);
  const soft = outcome.data?.soft_logout;
  return `401 M_UNKNOWN_TOKEN${soft === undefined ? "" : `, soft_logout ${soft}`}`;
}

/**
 * The top-level keys whose values differ between two parsed JSON objects, sorted; [] when the
 * documents are equal. Key order is ignored at every level (JSON objects are unordered, RFC 8259
 * §4), so a relay that re-serialises a document is not blamed for reordering it.
 */
export function differingKeys(a, b) {
  const keys = new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})]);
  return [...keys].filter((k) => canonical(a?.[k]) !== canonical(b?.[k])).sort();
}

function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "undefined";
}
