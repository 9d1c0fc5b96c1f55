#!/usr/bin/env bash
# Runs the interop suite (run.mjs) against a complete homeserver: mxauth plus the Synapse
# stand-in (internal/matrix/synapsetest/cmd/synapse-standin), wired to each other as Synapse and
# MAS are (SYNAPSE.md §1.1: a shared secret, each knowing the other's URL). It builds both
# binaries, starts the stand-in and mxauth (matrix.kind synapse, a new SQLite data dir) on free
# loopback ports, waits until both answer, creates a user with the CLI (which provisions it in
# the stand-in), runs the real client libraries against both, stops both servers, and exits
# with the suite's status. Everything it creates lives in one temp dir that is always removed.
#
#   bash interop/run.sh           (from anywhere; installs node_modules with npm ci if missing)
set -euo pipefail
interop="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$interop")"
export PATH="$PATH:/usr/local/go/bin"

# The stand-in's server_name (the domain of user IDs) and mxauth's matrix.homeserver: the same.
server_name="interop.test"

work="$(mktemp -d "${TMPDIR:-/tmp}/mxauth-interop.XXXXXX")"
server_pid=""
synapse_pid=""

# stop ends one of the servers started here (by its pid) and waits for it.
stop() {
  local pid="$1"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
}
cleanup() {
  stop "$server_pid"
  stop "$synapse_pid"
  rm -rf "$work"
}
trap cleanup EXIT

# show_logs prints the end of both servers' logs: a failure may lie on either side.
show_logs() {
  echo "== interop: last lines of the mxauth log"
  tail -n 60 "$work/server.log" 2>/dev/null || true
  echo "== interop: last lines of the Synapse stand-in log"
  tail -n 60 "$work/synapse.log" 2>/dev/null || true
  if [ -s "$work/user-add.log" ]; then
    echo "== interop: mxauth user add said"
    cat "$work/user-add.log"
  fi
}

if [ ! -d "$interop/node_modules" ]; then
  npm ci --prefix "$interop" --no-audit --no-fund --loglevel=error
fi

echo "== interop: building mxauth and the Synapse stand-in"
(cd "$repo" && go build -o "$work/" ./cmd/mxauth ./internal/matrix/synapsetest/cmd/synapse-standin)

# free_port asks the kernel for an unused loopback port. Another process may take it before the
# server binds, so starting is retried with new ports.
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# wait_ok polls a URL for up to 10 s until it answers 2xx; fails early if the process exited.
wait_ok() {
  local url="$1" pid="$2"
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 1
    if node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "$url"; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# The secret Synapse's matrix_authentication_service and mxauth's matrix section share.
node -e 'console.log(require("crypto").randomBytes(32).toString("hex"))' >"$work/synapse-secret"

# write_config writes mxauth's configuration for this attempt's ports.
write_config() {
  cat >"$work/mxauth.yaml" <<EOF
http:
  listen: ["127.0.0.1:$port"]
  public_url: "$server_url/"
data_dir: "$work/data"
matrix:
  kind: synapse
  homeserver: "$server_name"
  endpoint: "$homeserver_url/"
  secret_file: "$work/synapse-secret"
EOF
}

started=""
for attempt in 1 2 3; do
  port="$(free_port)"
  synapse_port="$(free_port)"
  if [ "$port" = "$synapse_port" ]; then
    continue
  fi
  server_url="http://127.0.0.1:$port"
  homeserver_url="http://127.0.0.1:$synapse_port"
  rm -rf "$work/data" && mkdir "$work/data"
  write_config

  # The stand-in first: mxauth provisions users in it, and it reaches mxauth only on demand.
  "$work/synapse-standin" --listen "127.0.0.1:$synapse_port" --server-name "$server_name" \
    --secret-file "$work/synapse-secret" --mas "$server_url/" >"$work/synapse.log" 2>&1 &
  synapse_pid=$!
  if wait_ok "$homeserver_url/_matrix/client/versions" "$synapse_pid"; then
    "$work/mxauth" --config "$work/mxauth.yaml" >"$work/server.log" 2>&1 &
    server_pid=$!
    if wait_ok "$server_url/ready" "$server_pid"; then
      started=yes
      break
    fi
  fi
  echo "== interop: mxauth on $port and the stand-in on $synapse_port did not both become ready (attempt $attempt)"
  stop "$server_pid"
  stop "$synapse_pid"
  server_pid=""
  synapse_pid=""
done
if [ -z "$started" ]; then
  echo "== interop: the servers never became ready"
  show_logs
  echo "0 passed, 1 failed"
  exit 1
fi

username="interop"
password="$(node -e 'console.log(require("crypto").randomBytes(18).toString("base64url"))')"
if ! printf '%s\n' "$password" | "$work/mxauth" user add "$username" --password-stdin --config "$work/mxauth.yaml" \
  >"$work/user-add.log" 2>&1; then
  echo "== interop: mxauth user add failed"
  show_logs
  echo "0 passed, 1 failed"
  exit 1
fi

echo "== interop: real clients against $server_url (homeserver $homeserver_url, $server_name)"
status=0
(cd "$interop" && MXAUTH_INTEROP_PASSWORD="$password" node run.mjs \
  --server "$server_url" --issuer "$server_url/" --user "$username" \
  --homeserver "$homeserver_url" --server-name "$server_name") || status=$?

if [ "$status" -ne 0 ]; then
  show_logs
fi
exit "$status"
