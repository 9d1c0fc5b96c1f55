// Tests of the reporter's bookkeeping: what is counted, what blocks what, and the closing line.
// Run with `node --test interop/lib/`.

import assert from "node:assert/strict";
import { test } from "node:test";

import { Reporter, describe, insertAfter } from "./report.mjs";

const pass = (id) => ({ id, title: id, run: async () => {} });
const fail = (id, message = "boom") => ({ id, title: id, run: async () => { throw new Error(message); } });

async function report(known, steps) {
  const lines = [];
  const r = new Reporter(new Map(known), (line) => lines.push(line));
  await r.runSuite("s", steps);
  const code = r.finish();
  return { lines, code };
}

test("reporter", async (t) => {
  const cases = [
    {
      name: "all pass",
      known: [],
      steps: [pass("a"), pass("b")],
      want: ["ok - s: a", "ok - s: b", "2 passed, 0 failed"],
      code: 0,
    },
    {
      name: "a failure blocks the rest of its suite",
      known: [],
      steps: [pass("a"), fail("b"), pass("c")],
      want: ["ok - s: a", "not ok - s: b : Error: boom", "not ok - s: c : not run, step b failed", "1 passed, 2 failed"],
      code: 1,
    },
    {
      name: "a known failure and what it blocks are not counted",
      known: [["b", "server bug"]],
      steps: [pass("a"), fail("b"), pass("c")],
      want: [
        "ok - s: a",
        "not ok (known) - s: b : Error: boom [known: server bug]",
        "not ok (known) - s: c : not run, blocked by known failure b",
        "# 2 known failure(s) not counted: see KNOWN_FAILURES in run.mjs",
        "1 passed, 0 failed",
      ],
      code: 0,
    },
    {
      name: "a known failure that passes is a failure, so the list stays true",
      known: [["a", "server bug"]],
      steps: [pass("a")],
      want: ["not ok - s: a : passes now; remove a from KNOWN_FAILURES in run.mjs", "0 passed, 1 failed"],
      code: 1,
    },
    {
      name: "a known failure naming no step is a failure",
      known: [["gone", "old bug"]],
      steps: [pass("a")],
      want: ["ok - s: a", "not ok - KNOWN_FAILURES names gone, which is not a step of this suite", "1 passed, 1 failed"],
      code: 1,
    },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const { lines, code } = await report(c.known, c.steps);
      assert.deepEqual(lines, c.want);
      assert.equal(code, c.code);
    });
  }
});

test("describe keeps OAuth error fields and causes on one line", () => {
  const err = Object.assign(new Error("Failed to refresh token\nsecond line"), { httpStatus: 400, error: "invalid_grant" });
  err.cause = { error: "x" };
  assert.equal(describe(err), 'Error: Failed to refresh token second line httpStatus=400 error=invalid_grant cause: {"error":"x"}');
});

test("insertAfter", async (t) => {
  const steps = [{ id: "a" }, { id: "b" }, { id: "c" }];
  const ids = (list) => list.map((s) => s.id);
  const cases = [
    { name: "nothing to insert", extra: [], want: ["a", "b", "c"] },
    { name: "after the first and the last", extra: [{ id: "x", after: "a" }, { id: "y", after: "c" }], want: ["a", "x", "b", "c", "y"] },
    { name: "two after one step keep their order", extra: [{ id: "x", after: "b" }, { id: "y", after: "b" }], want: ["a", "b", "x", "y", "c"] },
  ];
  for (const c of cases) {
    await t.test(c.name, () => assert.deepEqual(ids(insertAfter(steps, c.extra)), c.want));
  }
  await t.test("a step naming no step is an error, not a silently dropped check", () => {
    assert.throws(() => insertAfter(steps, [{ id: "x", after: "gone" }]), /no step to place x \(after gone\) after/);
  });
});
