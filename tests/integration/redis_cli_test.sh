#!/usr/bin/env bash
# redis-cli against the real binary: commands as arguments, piped stdin, RESP3 (-3),
# --pipe mass insertion and --scan. Usage: redis_cli_test.sh /path/to/brisk-server
# Exits non-zero with a message naming the first mismatch.
set -euo pipefail

SERVER_BIN=${1:?usage: $0 /path/to/brisk-server}
source "$(dirname "${BASH_SOURCE[0]}")/../lib/server.sh"
brisk_start "$SERVER_BIN" cli-test
CLI=(redis-cli -p "$PORT")

# --- commands as arguments -------------------------------------------------------------
expect "PING" "PONG" "$("${CLI[@]}" PING)"
expect "SET" "OK" "$("${CLI[@]}" SET greeting "hello world")"
expect "GET" "hello world" "$("${CLI[@]}" GET greeting)"
expect "GET missing (raw output is empty)" "" "$("${CLI[@]}" GET missing)"
expect "GET missing (tty-style output)" "(nil)" "$("${CLI[@]}" --no-raw GET missing)"
expect "INCR" "(integer) 1" "$("${CLI[@]}" --no-raw INCR counter)"
expect "error text" "ERR wrong number of arguments for 'get' command" "$("${CLI[@]}" GET 2>&1)"
expect "-n selects a db" "OK" "$("${CLI[@]}" -n 3 SET indb3 x)"
expect "db 3 size" "1" "$("${CLI[@]}" -n 3 DBSIZE)"
expect "-x reads the last argument from stdin" "OK" "$(printf 'from\nstdin' | "${CLI[@]}" -x SET fromstdin)"
expect "GET -x value" "$(printf 'from\nstdin')" "$("${CLI[@]}" GET fromstdin)"

# --- piped stdin of several commands ---------------------------------------------------
out=$(printf 'SET a 1\nINCRBY a 41\nGET a\nMSET b 2 c 3\nMGET a b c nope\nDEL a b c\n' | "${CLI[@]}")
expect "piped commands" "$(printf 'OK\n42\n42\nOK\n42\n2\n3\n\n3')" "$out"

# --- RESP3 -----------------------------------------------------------------------------
hello=$("${CLI[@]}" -3 HELLO 3)
# Raw output prints a map as one "key value" line per entry.
grep -qx 'proto 3' <<<"$hello" || fail "-3 HELLO 3: no 'proto 3' in: $hello"
grep -qx 'server redis' <<<"$hello" || fail "-3 HELLO 3: no 'server redis' in: $hello"
grep -qx 'role master' <<<"$hello" || fail "-3 HELLO 3: no 'role master' in: $hello"
hello_tty=$("${CLI[@]}" -3 --no-raw HELLO 3)
grep -q '^1# "server" => "redis"' <<<"$hello_tty" || fail "-3 HELLO 3 is not shown as a map: $hello_tty"
grep -q '"proto" => (integer) 3' <<<"$hello_tty" || fail "-3 HELLO 3: no proto 3 in map: $hello_tty"
echo "ok: -3 HELLO 3"
expect "-3 ping" "PONG" "$("${CLI[@]}" -3 ping)"
expect "-3 GET missing is a RESP3 null" "(nil)" "$("${CLI[@]}" -3 --no-raw GET missing)"

# --- --pipe mass insertion --------------------------------------------------------------
"${CLI[@]}" FLUSHALL >/dev/null
awk 'BEGIN {
  for (i = 0; i < 100000; i++) {
    k = "key:" i; v = "value:" i;
    printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length(v), v
  }
}' >"$DIR/mass.resp"
pipe_out=$(timeout 120 "${CLI[@]}" --pipe <"$DIR/mass.resp" 2>&1) || fail "--pipe failed: $pipe_out"
grep -q "errors: 0, replies: 100000" <<<"$pipe_out" || fail "--pipe output: $pipe_out"
echo "ok: --pipe reports errors: 0, replies: 100000"
expect "DBSIZE after --pipe" "100000" "$("${CLI[@]}" DBSIZE)"
expect "a mass-inserted value" "value:99999" "$("${CLI[@]}" GET key:99999)"

# A --pipe stream with a bad command counts it as an error.
bad_out=$(printf 'SET x 1\r\nGET\r\nSET y 2\r\n' | timeout 30 "${CLI[@]}" --pipe 2>&1) || true
grep -q "errors: 1, replies: 3" <<<"$bad_out" || fail "--pipe with one bad command: $bad_out"
echo "ok: --pipe counts errors"

# --- --scan ----------------------------------------------------------------------------
"${CLI[@]}" FLUSHALL >/dev/null
{
  for i in $(seq 1 1000); do printf 'SET tbl:%d v\nSET other:%d v\n' "$i" "$i"; done
} | "${CLI[@]}" >/dev/null
expect "DBSIZE before --scan" "2000" "$("${CLI[@]}" DBSIZE)"
seq 1 1000 | sed 's/^/tbl:/' | sort >"$DIR/want_tbl"
timeout 60 "${CLI[@]}" --scan --pattern 'tbl:*' | sort -u >"$DIR/got_tbl"
if ! cmp -s "$DIR/want_tbl" "$DIR/got_tbl"; then
  fail "--scan --pattern 'tbl:*' differs: $(diff "$DIR/want_tbl" "$DIR/got_tbl" | head -5)"
fi
echo "ok: --scan --pattern 'tbl:*' returns exactly the 1000 tbl:* keys"
expect "--scan total" "2000" "$(timeout 60 "${CLI[@]}" --scan | sort -u | wc -l | tr -d ' ')"
expect "--scan --pattern '*' total" "2000" "$(timeout 60 "${CLI[@]}" --scan --pattern '*' | sort -u | wc -l | tr -d ' ')"
expect "--scan --pattern 'other:1*'" "112" \
  "$(timeout 60 "${CLI[@]}" --scan --pattern 'other:1*' | sort -u | wc -l | tr -d ' ')"

# --- the server survived all of it and shuts down cleanly -------------------------------
expect "PING at the end" "PONG" "$("${CLI[@]}" PING)"
kill -TERM "$SERVER_PID"
for _ in $(seq 1 200); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.05; done  # <= ~10 s
kill -0 "$SERVER_PID" 2>/dev/null && { echo "FAIL: server still running 10 s after SIGTERM" >&2; exit 1; }
status=0
wait "$SERVER_PID" || status=$?
SERVER_PID=""
expect "exit status after SIGTERM" "0" "$status"
echo "PASS"
