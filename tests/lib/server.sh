# Shared by the shell tests: start brisk-server on a free loopback port with its own
# temporary --dir, and always stop it. Source it, then call brisk_start SERVER_BIN NAME
# [EXTRA ARGS...].
#   Sets: DIR (temp dir, removed on exit), PORT, SERVER_PID; with BRISK_HTTP=1 also
#   HTTP_PORT (the REST adapter on a free port, answering /health before it returns).
#   Provides: fail MSG, expect NAME EXPECTED ACTUAL, brisk_stop.
#   Extra cleanup: define brisk_extra_cleanup() before sourcing-time traps fire.
# Readiness is a bounded PING poll, never a fixed sleep.

SERVER_PID=""
DIR=""

brisk_stop() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
}

_brisk_cleanup() {
  if declare -F brisk_extra_cleanup >/dev/null; then brisk_extra_cleanup; fi
  brisk_stop
  [[ -n "$DIR" ]] && rm -rf "$DIR"
}
trap _brisk_cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  if [[ -f "$DIR/server.log" ]]; then echo "--- server log (tail) ---" >&2; tail -20 "$DIR/server.log" >&2; fi
  exit 1
}

# expect NAME EXPECTED ACTUAL
expect() {
  if [[ "$2" != "$3" ]]; then
    fail "$1: expected [$2], got [$3]"
  fi
  echo "ok: $1"
}

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# brisk_start SERVER_BIN NAME: retries only if another process took the port meanwhile.
brisk_start() {
  local bin=$1 name=$2
  shift 2
  command -v redis-cli >/dev/null || { echo "FAIL: redis-cli not installed (scripts/bootstrap)" >&2; exit 1; }
  DIR=$(mktemp -d "/tmp/brisk-$name-XXXXXX")
  for _attempt in 1 2 3 4 5; do
    PORT=$(free_port)
    local http=()
    if [[ -n "${BRISK_HTTP:-}" ]]; then HTTP_PORT=$(free_port); http=(--http-port "$HTTP_PORT"); fi
    "$bin" --port "$PORT" --bind 127.0.0.1 --dir "$DIR" --logfile "$DIR/server.log" "${http[@]}" "$@" </dev/null &
    SERVER_PID=$!
    for _ in $(seq 1 200); do  # up to ~10 s
      if [[ "$(redis-cli -p "$PORT" ping 2>/dev/null)" == "PONG" ]] &&
         { [[ -z "${BRISK_HTTP:-}" ]] || curl -sf "http://127.0.0.1:$HTTP_PORT/health" >/dev/null 2>&1; }; then
        return 0
      fi
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.05  # poll interval only
    done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  done
  fail "$bin did not answer PING"
}
