#!/usr/bin/env bash
# Runs the interop suite (run.mjs) against a fresh mxauth: builds the binary, starts it on a free
# loopback port with a new SQLite data dir, waits for /ready, creates a user with the CLI, runs
# the real client libraries, stops the server, and exits with the suite's status. Everything it
# creates lives in one temp dir that is always removed.
#
#   bash interop/run.sh           (from anywhere; installs node_modules with npm ci if missing)
set -euo pipefail
interop="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$interop")"
export PATH="$PATH:/usr/local/go/bin"

work="$(mktemp -d "${TMPDIR:-/tmp}/mxauth-interop.XXXXXX")"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ ! -d "$interop/node_modules" ]; then
  npm ci --prefix "$interop" --no-audit --no-fund --loglevel=error
fi

echo "== interop: building mxauth"
(cd "$repo" && go build -o "$work/mxauth" ./cmd/mxauth)

# free_port asks the kernel for an unused loopback port. Another process may take it before the
# server binds, so starting is retried with a new port.
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# wait_ready polls /ready for up to 10 s; fails early if the server exited.
wait_ready() {
  local url="$1"
  for _ in $(seq 1 100); do
    kill -0 "$server_pid" 2>/dev/null || return 1
    if node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "$url/ready"; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

started=""
for attempt in 1 2 3; do
  port="$(free_port)"
  server_url="http://127.0.0.1:$port"
  rm -rf "$work/data" && mkdir "$work/data"
  "$work/mxauth" --listen "127.0.0.1:$port" --public-url "$server_url/" --data-dir "$work/data" \
    >"$work/server.log" 2>&1 &
  server_pid=$!
  if wait_ready "$server_url"; then
    started=yes
    break
  fi
  echo "== interop: server did not become ready on port $port (attempt $attempt)"
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
done
if [ -z "$started" ]; then
  echo "== interop: mxauth never became ready; its log:"
  cat "$work/server.log"
  echo "0 passed, 1 failed"
  exit 1
fi

username="interop"
password="$(node -e 'console.log(require("crypto").randomBytes(18).toString("base64url"))')"
printf '%s\n' "$password" | "$work/mxauth" user add "$username" --password-stdin --data-dir "$work/data" >/dev/null

echo "== interop: real clients against $server_url"
status=0
(cd "$interop" && MXAUTH_INTEROP_PASSWORD="$password" node run.mjs \
  --server "$server_url" --issuer "$server_url/" --user "$username") || status=$?

if [ "$status" -ne 0 ]; then
  echo "== interop: last lines of the server log"
  tail -n 40 "$work/server.log"
fi
exit "$status"
