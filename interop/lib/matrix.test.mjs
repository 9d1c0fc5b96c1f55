// Tests of the Matrix rules the homeserver checks apply. Run with `node --test interop/lib/`.

import assert from "node:assert/strict";
import { test } from "node:test";

import { deviceIdFromScope, differingKeys, expectUnknownToken, expectWhoami, matrixUserId, oauthApiVersions } from "./matrix.mjs";

test("oauthApiVersions keeps v1.15 and later", async (t) => {
  const cases = [
    { name: "Synapse's list", versions: ["r0.6.1", "v1.1", "v1.14", "v1.15", "v1.18"], want: ["v1.15", "v1.18"] },
    { name: "compares numbers, not strings", versions: ["v1.2", "v1.9", "v1.100", "v2.0"], want: ["v1.100", "v2.0"] },
    { name: "nothing before v1.15", versions: ["v1.13", "v1.14", "r0.6.1"], want: [] },
    { name: "not version strings", versions: ["v1.15.1", "1.15", "v1.15-rc", 115, null, "V1.15"], want: [] },
    { name: "not a list", versions: undefined, want: [] },
  ];
  for (const c of cases) {
    await t.test(c.name, () => assert.deepEqual(oauthApiVersions(c.versions), c.want));
  }
});

test("deviceIdFromScope", async (t) => {
  const cases = [
    { name: "stable", scope: "urn:matrix:client:api:* urn:matrix:client:device:ABCDEFGHIJ", want: "ABCDEFGHIJ" },
    { name: "unstable (Element X)", scope: "urn:matrix:org.matrix.msc2967.client:device:AbC+/x= openid", want: "AbC+/x=" },
    { name: "both spellings of one device", scope: "urn:matrix:client:device:D1 urn:matrix:org.matrix.msc2967.client:device:D1", want: "D1" },
    { name: "no device", scope: "urn:matrix:client:api:*", err: /names 0 devices/ },
    { name: "empty device", scope: "urn:matrix:client:device:", err: /names 0 devices/ },
    { name: "two devices", scope: "urn:matrix:client:device:A urn:matrix:client:device:B", err: /names 2 devices/ },
    { name: "no scope", scope: undefined, err: /names 0 devices/ },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      if (c.err) assert.throws(() => deviceIdFromScope(c.scope), c.err);
      else assert.equal(deviceIdFromScope(c.scope), c.want);
    });
  }
});

test("matrixUserId", () => {
  assert.equal(matrixUserId("interop", "interop.test"), "@interop:interop.test");
  assert.equal(matrixUserId("alice", "127.0.0.1:8448"), "@alice:127.0.0.1:8448");
});

test("expectWhoami", async (t) => {
  const want = { userId: "@alice:example.test", deviceId: "DEV" };
  const cases = [
    { name: "right user and device", answer: { user_id: "@alice:example.test", device_id: "DEV", is_guest: false }, note: "@alice:example.test, device DEV" },
    { name: "is_guest absent is fine", answer: { user_id: "@alice:example.test", device_id: "DEV" }, note: "@alice:example.test, device DEV" },
    { name: "other user", answer: { user_id: "@bob:example.test", device_id: "DEV" }, err: /user_id "@bob:example.test", want @alice:example.test/ },
    { name: "other server", answer: { user_id: "@alice:other.test", device_id: "DEV" }, err: /user_id/ },
    { name: "no device", answer: { user_id: "@alice:example.test" }, err: /device_id undefined, want DEV/ },
    { name: "other device", answer: { user_id: "@alice:example.test", device_id: "OTHER" }, err: /device_id "OTHER"/ },
    { name: "a guest", answer: { user_id: "@alice:example.test", device_id: "DEV", is_guest: true }, err: /is_guest/ },
    { name: "not an object", answer: null, err: /whoami answered null/ },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      if (c.err) assert.throws(() => expectWhoami(c.answer, want), c.err);
      else assert.equal(expectWhoami(c.answer, want), c.note);
    });
  }
});

test("expectUnknownToken", async (t) => {
  // Shaped like matrix-js-sdk's MatrixError: httpStatus, errcode and the body as data.
  const matrixError = (httpStatus, body) =>
    Object.assign(new Error(`MatrixError: [${httpStatus}] ${body.error}`), { name: body.errcode, httpStatus, errcode: body.errcode, data: body });
  const cases = [
    {
      name: "401 M_UNKNOWN_TOKEN",
      outcome: matrixError(401, { errcode: "M_UNKNOWN_TOKEN", error: "Token is not active", soft_logout: false }),
      note: "401 M_UNKNOWN_TOKEN, soft_logout false",
    },
    { name: "without soft_logout", outcome: matrixError(401, { errcode: "M_UNKNOWN_TOKEN", error: "x" }), note: "401 M_UNKNOWN_TOKEN" },
    { name: "the call succeeded", outcome: { user_id: "@alice:example.test" }, err: /the call succeeded .*want 401 M_UNKNOWN_TOKEN/ },
    { name: "a 500", outcome: matrixError(500, { errcode: "M_FORBIDDEN", error: "User not found" }), err: /status 500, errcode M_FORBIDDEN/ },
    { name: "missing token", outcome: matrixError(401, { errcode: "M_MISSING_TOKEN", error: "x" }), err: /errcode M_MISSING_TOKEN/ },
    { name: "a network error", outcome: new TypeError("fetch failed"), err: /TypeError: fetch failed/ },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      if (c.err) assert.throws(() => expectUnknownToken(c.outcome), c.err);
      else assert.equal(expectUnknownToken(c.outcome), c.note);
    });
  }
});

test("differingKeys", async (t) => {
  const cases = [
    { name: "equal", a: { issuer: "i", list: [1, 2] }, b: { issuer: "i", list: [1, 2] }, want: [] },
    { name: "key order ignored at every level", a: { x: { p: 1, q: 2 }, y: 1 }, b: { y: 1, x: { q: 2, p: 1 } }, want: [] },
    { name: "array order matters", a: { list: [1, 2] }, b: { list: [2, 1] }, want: ["list"] },
    { name: "missing and added keys", a: { a: 1, b: 2 }, b: { b: 2, c: 3 }, want: ["a", "c"] },
    { name: "null is not absent", a: { a: null }, b: {}, want: ["a"] },
    { name: "nested change", a: { x: { p: 1 } }, b: { x: { p: "1" } }, want: ["x"] },
  ];
  for (const c of cases) {
    await t.test(c.name, () => assert.deepEqual(differingKeys(c.a, c.b), c.want));
  }
});
