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
command -v redis-cli >/dev/null || { echo "FAIL: redis-cli not installed (scripts/bootstrap)" >&2; exit 1; }

DIR=$(mktemp -d /tmp/brisk-client-test-XXXXXX)
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$DIR"
}
trap cleanup EXIT

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

for _attempt in 1 2 3 4 5; do  # a retry only if another process took the port meanwhile
  PORT=$(free_port)
  "$SERVER_BIN" --port "$PORT" --bind 127.0.0.1 --dir "$DIR" --logfile "$DIR/server.log" \
    </dev/null &
  SERVER_PID=$!
  for _ in $(seq 1 200); do  # up to ~10 s
    if [[ "$(redis-cli -p "$PORT" ping 2>/dev/null)" == "PONG" ]]; then break 2; fi
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05  # poll interval only
  done
  kill -KILL "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
done
[[ -n "$SERVER_PID" ]] || { echo "FAIL: $SERVER_BIN did not answer PING" >&2; exit 1; }

export BRISK_PORT=$PORT
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
