// Interop suite: real client libraries from npm against a running mxauth and, when given, the
// homeserver it serves (Synapse, or the stand-in run.sh starts).
//
//   node run.mjs --server http://127.0.0.1:8080 [--issuer http://127.0.0.1:8080/] --user alice \
//     [--homeserver http://127.0.0.1:8008 --server-name example.org]
//   (password from $MXAUTH_INTEROP_PASSWORD, or --password-file FILE)
//
// Every option also reads from the environment: MXAUTH_INTEROP_SERVER, MXAUTH_INTEROP_ISSUER,
// MXAUTH_INTEROP_USER, MXAUTH_INTEROP_PASSWORD, MXAUTH_INTEROP_HOMESERVER,
// MXAUTH_INTEROP_SERVER_NAME. The issuer defaults to the server URL with a trailing slash
// (mxauth's default public URL). Without a homeserver, the checks through it are not run (and
// a line says so); the server name is the domain of the user's Matrix ID there.
//
// Prints one line per check ("ok - …" / "not ok - … : reason"), then "N passed, N failed";
// exits non-zero on any failure. run.sh starts a fresh server and calls this.

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

import { installFetchRecorder } from "./lib/http.mjs";
import { Reporter, describe } from "./lib/report.mjs";

// Checks that fail because of a known server bug, by step id -> the reason (what the server
// does, what the library expects). They print "not ok (known) - …" and are not counted as
// failures; a listed check that passes again IS counted as a failure until it is removed here.
// Step ids are the `id` fields in lib/jssdk.mjs and lib/oauth4.mjs.
const KNOWN_FAILURES = new Map([
]);

// The whole run must stay well inside CI's interop budget; a hung request must not hang CI.
const WATCHDOG_MS = 45_000;

function options() {
  const { values } = parseArgs({
    options: {
      "server": { type: "string", default: process.env.MXAUTH_INTEROP_SERVER },
      "issuer": { type: "string", default: process.env.MXAUTH_INTEROP_ISSUER },
      "user": { type: "string", default: process.env.MXAUTH_INTEROP_USER },
      "password-file": { type: "string" },
      "homeserver": { type: "string", default: process.env.MXAUTH_INTEROP_HOMESERVER },
      "server-name": { type: "string", default: process.env.MXAUTH_INTEROP_SERVER_NAME },
    },
  });
  const password = values["password-file"]
    ? readFileSync(values["password-file"], "utf8").split("\n")[0]
    : process.env.MXAUTH_INTEROP_PASSWORD;
  if (!values.server || !values.user || !password) {
    throw new Error("need --server, --user and a password ($MXAUTH_INTEROP_PASSWORD or --password-file)");
  }
  if (values.homeserver && !values["server-name"]) {
    throw new Error("--homeserver needs --server-name (the homeserver's server_name, the domain of user IDs)");
  }
  const serverUrl = values.server.replace(/\/+$/, "");
  return {
    serverUrl,
    issuer: values.issuer ?? `${serverUrl}/`,
    username: values.user,
    password,
    homeserverUrl: values.homeserver?.replace(/\/+$/, ""),
    serverName: values["server-name"],
  };
}

async function main() {
  const cfg = options();
  const recorder = installFetchRecorder();
  // Loaded here, not statically, so a library that fails to load is reported like any failure.
  const { jsSdkSteps } = await import("./lib/jssdk.mjs");
  const { oauth4webapiSteps, openIdSteps } = await import("./lib/oauth4.mjs");
  const { homeserverDiscoverySteps } = await import("./lib/homeserver.mjs");
  const report = new Reporter(KNOWN_FAILURES);
  const watchdog = setTimeout(() => {
    report.fail("interop run", new Error(`still running after ${WATCHDOG_MS / 1000} s`));
    process.exit(report.finish() || 1);
  }, WATCHDOG_MS);
  watchdog.unref();

  if (cfg.homeserverUrl) {
    // Independent of each other: each its own suite, so one failing blocks nothing else.
    for (const step of homeserverDiscoverySteps(cfg)) await report.runSuite("homeserver", [step]);
  } else {
    console.log("# no --homeserver: the checks through the homeserver are not run");
  }
  await report.runSuite("matrix-js-sdk", jsSdkSteps({ ...cfg, recorder }));
  await report.runSuite("oauth4webapi", oauth4webapiSteps(cfg));
  await report.runSuite("oauth4webapi openid", openIdSteps(cfg));
  clearTimeout(watchdog);
  return report.finish();
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.log(`not ok - interop harness : ${describe(err)}`);
    console.log("0 passed, 1 failed");
    process.exit(1);
  },
);
