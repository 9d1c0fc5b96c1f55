// The reporter: runs suites of dependent steps and prints one line per step.
//
//   ok - <title>
//   not ok - <title> : <reason>
//   not ok (known) - <title> : <reason>        (listed in KNOWN_FAILURES; not counted)
//
// and closes with exactly "N passed, N failed", the line CI reads.

// A suite is an ordered list of steps sharing one context object: a later step uses what an
// earlier one obtained (a client_id, a token). When a step fails, the steps after it in the same
// suite cannot run; they are reported as failed too (or as known, when the step that stopped
// them is a known failure), so a broken step never hides how much it blocked.
export class Reporter {
  /** @param {Map<string,string>} knownFailures step id -> why it is expected to fail */
  constructor(knownFailures, out = (line) => process.stdout.write(line + "\n")) {
    this.known = knownFailures;
    this.out = out;
    this.passed = 0;
    this.failed = 0;
    this.knownCount = 0;
    this.seen = new Set();
  }

  /**
   * @param {string} suiteName
   * @param {{id: string, title: string, run: (ctx: object) => Promise<string|void>}[]} steps
   *   run returns an optional note printed after the title.
   */
  async runSuite(suiteName, steps, ctx = {}) {
    let blockedBy = null;
    for (const step of steps) {
      this.seen.add(step.id);
      const title = `${suiteName}: ${step.title}`;
      if (blockedBy) {
        if (this.known.has(blockedBy)) {
          this.knownCount++;
          this.out(`not ok (known) - ${title} : not run, blocked by known failure ${blockedBy}`);
        } else {
          this.failed++;
          this.out(`not ok - ${title} : not run, step ${blockedBy} failed`);
        }
        continue;
      }
      let error = null;
      let note;
      try {
        note = await step.run(ctx);
      } catch (e) {
        error = e;
      }
      const knownReason = this.known.get(step.id);
      if (error === null && knownReason === undefined) {
        this.passed++;
        this.out(`ok - ${title}${note ? ` (${note})` : ""}`);
      } else if (error === null) {
        // Strict: a known failure that passes means the server was fixed and the list is stale.
        this.failed++;
        this.out(`not ok - ${title} : passes now; remove ${step.id} from KNOWN_FAILURES in run.mjs`);
      } else if (knownReason !== undefined) {
        this.knownCount++;
        this.out(`not ok (known) - ${title} : ${describe(error)} [known: ${knownReason}]`);
        blockedBy = step.id;
      } else {
        this.failed++;
        this.out(`not ok - ${title} : ${describe(error)}`);
        blockedBy = step.id;
      }
    }
  }

  /** Reports a failure outside any step (a crash of the harness itself). */
  fail(title, error) {
    this.failed++;
    this.out(`not ok - ${title} : ${describe(error)}`);
  }

  /** Prints the closing lines and returns the process exit code. */
  finish() {
    for (const id of this.known.keys()) {
      if (!this.seen.has(id)) {
        this.failed++;
        this.out(`not ok - KNOWN_FAILURES names ${id}, which is not a step of this suite`);
      }
    }
    if (this.knownCount > 0) {
      this.out(`# ${this.knownCount} known failure(s) not counted: see KNOWN_FAILURES in run.mjs`);
    }
    this.out(`${this.passed} passed, ${this.failed} failed`);
    return this.failed === 0 ? 0 : 1;
  }
}

// describe turns whatever a library threw into one line: message, then the OAuth error fields and
// HTTP status the libraries attach, then the cause chain.
export function describe(error) {
  if (!(error instanceof Error)) return String(error).replace(/\s+/g, " ");
  const parts = [`${error.name}: ${error.message}`];
  for (const key of ["httpStatus", "status", "error", "error_description", "code"]) {
    if (error[key] !== undefined && typeof error[key] !== "object") parts.push(`${key}=${error[key]}`);
  }
  if (error.cause !== undefined) {
    const cause = error.cause instanceof Error ? describe(error.cause) : safeJSON(error.cause);
    parts.push(`cause: ${cause}`);
  }
  return parts.join(" ").replace(/\s+/g, " ").slice(0, 1500);
}

function safeJSON(value) {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/**
 * Places each extra step right after the step its `after` names: optional checks (those that
 * need a homeserver) go where they belong in a suite of dependent steps.
 * @param {{id: string}[]} steps
 * @param {{id: string, after: string}[]} extra
 */
export function insertAfter(steps, extra) {
  const placed = new Set();
  const out = [];
  for (const step of steps) {
    out.push(step);
    for (const e of extra.filter((x) => x.after === step.id)) {
      out.push(e);
      placed.add(e);
    }
  }
  const lost = extra.filter((e) => !placed.has(e)).map((e) => `${e.id} (after ${e.after})`);
  if (lost.length > 0) throw new Error(`no step to place ${lost.join(", ")} after`);
  return out;
}

/** Throws with message unless cond holds: the steps' assertion. */
export function expect(cond, message) {
  if (!cond) throw new Error(message);
}
