#!/usr/bin/env bash
# run_with_server.sh SERVER_BIN CMD [ARGS...]
#
# Starts SERVER_BIN on a free loopback port (with its own temporary --dir), waits until
# `redis-cli -p PORT ping` answers (bounded), runs CMD with BRISK_PORT exported, then stops
# the server with SIGTERM. Exits non-zero if the server does not come up, if CMD fails or
# times out (CLIENT_TEST_TIMEOUT seconds, default 60), or if the server did not survive
# CMD and exit 0. The server is killed on every path (trap).
set -euo pipefail

SERVER_BIN=${1:?usage: $0 SERVER_BIN CMD [ARGS...]}
shift
[[ $# -gt 0 ]] || { echo "usage: $0 SERVER_BIN CMD [ARGS...]" >&2; exit 2; }
source "$(dirname "${BASH_SOURCE[0]}")/../lib/server.sh"
brisk_start "$SERVER_BIN" client-test

export BRISK_PORT=$PORT
# With BRISK_HTTP=1 the REST adapter listens too (tests/lib/server.sh) on BRISK_HTTP_PORT.
[[ -n "${HTTP_PORT:-}" ]] && export BRISK_HTTP_PORT=$HTTP_PORT
status=0
timeout "${CLIENT_TEST_TIMEOUT:-60}" "$@" || status=$?
if [[ $status -ne 0 ]]; then
  [[ $status -eq 124 ]] && echo "FAIL: '$*' timed out" >&2
  echo "--- server log (tail) ---" >&2
  tail -20 "$DIR/server.log" >&2 || true
  exit "$status"
fi

kill -0 "$SERVER_PID" 2>/dev/null || { echo "FAIL: the server died during the test" >&2; exit 1; }
kill -TERM "$SERVER_PID"
for _ in $(seq 1 200); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.05; done  # <= ~10 s
kill -0 "$SERVER_PID" 2>/dev/null && { echo "FAIL: server still running 10 s after SIGTERM" >&2; exit 1; }
server_status=0
wait "$SERVER_PID" || server_status=$?
SERVER_PID=""
[[ $server_status -eq 0 ]] || { echo "FAIL: server exit status $server_status after SIGTERM" >&2; exit 1; }
