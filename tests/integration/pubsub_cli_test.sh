#!/usr/bin/env bash
# redis-cli in subscribed mode against the real binary: SUBSCRIBE (plain output),
# --csv PSUBSCRIBE, and -3 (RESP3 push frames). Usage: pubsub_cli_test.sh /path/to/brisk-server
# Exits non-zero with a message naming the first mismatch.
set -euo pipefail

SERVER_BIN=${1:?usage: $0 /path/to/brisk-server}
CLI_PIDS=()
brisk_extra_cleanup() {
  for p in "${CLI_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
}
source "$(dirname "${BASH_SOURCE[0]}")/../lib/server.sh"
brisk_start "$SERVER_BIN" pubsub-cli
CLI=(redis-cli -p "$PORT")

# wait_for COUNT CMD...: polls (bounded, ~10 s) until CMD's output equals COUNT.
wait_for() {
  local want=$1; shift
  for _ in $(seq 1 200); do
    [[ "$("$@" 2>/dev/null)" == "$want" ]] && return 0
    sleep 0.05
  done
  return 1
}

# wait_lines FILE N: until FILE has at least N lines (bounded).
wait_lines() {
  for _ in $(seq 1 200); do
    [[ -f "$1" && $(wc -l <"$1") -ge $2 ]] && return 0
    sleep 0.05
  done
  return 1
}

# --- redis-cli SUBSCRIBE ------------------------------------------------------------------
"${CLI[@]}" SUBSCRIBE news >"$DIR/sub.out" 2>&1 &
CLI_PIDS+=($!)
wait_for $'news\n1' "${CLI[@]}" PUBSUB NUMSUB news || fail "SUBSCRIBE did not register"
expect "PUBLISH reaches 1" "1" "$("${CLI[@]}" PUBLISH news hello)"
expect "PUBLISH again" "1" "$("${CLI[@]}" PUBLISH news "two words")"
wait_lines "$DIR/sub.out" 9 || fail "subscriber output: $(cat "$DIR/sub.out")"
expect "SUBSCRIBE output" $'subscribe\nnews\n1\nmessage\nnews\nhello\nmessage\nnews\ntwo words' \
  "$(head -9 "$DIR/sub.out")"

# --- redis-cli --csv PSUBSCRIBE ------------------------------------------------------------
"${CLI[@]}" --csv PSUBSCRIBE 'n*' >"$DIR/psub.out" 2>&1 &
CLI_PIDS+=($!)
wait_for "1" "${CLI[@]}" PUBSUB NUMPAT || fail "PSUBSCRIBE did not register"
expect "PUBLISH to channel + pattern" "2" "$("${CLI[@]}" PUBLISH news hi)"
# redis-cli --csv first prints "Reading messages... (press Ctrl-C to quit)".
wait_lines "$DIR/psub.out" 3 || fail "psubscribe output: $(cat "$DIR/psub.out")"
expect "--csv psubscribe output" $'"psubscribe","n*",1\n"pmessage","n*","news","hi"' \
  "$(grep -v '^Reading messages' "$DIR/psub.out" | head -2)"

# --- keyspace events through redis-cli -----------------------------------------------------
expect "CONFIG SET notify" "OK" "$("${CLI[@]}" CONFIG SET notify-keyspace-events KEA)"
expect "CONFIG GET notify" $'notify-keyspace-events\nAKE' "$("${CLI[@]}" CONFIG GET notify-keyspace-events)"
"${CLI[@]}" --csv SUBSCRIBE '__keyevent@0__:set' >"$DIR/ev.out" 2>&1 &
CLI_PIDS+=($!)
wait_for $'__keyevent@0__:set\n1' "${CLI[@]}" PUBSUB NUMSUB '__keyevent@0__:set' || fail "keyevent SUBSCRIBE"
"${CLI[@]}" SET users:1 v >/dev/null
wait_lines "$DIR/ev.out" 3 || fail "keyevent output: $(cat "$DIR/ev.out")"
expect "keyevent message" '"message","__keyevent@0__:set","users:1"' \
  "$(grep -v '^Reading messages' "$DIR/ev.out" | sed -n 2p)"

# --- RESP3 (-3): push frames -------------------------------------------------------------
"${CLI[@]}" -3 SUBSCRIBE r3 >"$DIR/r3.out" 2>&1 &
CLI_PIDS+=($!)
wait_for $'r3\n1' "${CLI[@]}" PUBSUB NUMSUB r3 || fail "RESP3 SUBSCRIBE did not register"
expect "PUBLISH to RESP3 subscriber" "1" "$("${CLI[@]}" PUBLISH r3 pushed)"
wait_lines "$DIR/r3.out" 6 || fail "RESP3 output: $(cat "$DIR/r3.out")"
expect "RESP3 message" $'message\nr3\npushed' "$(sed -n 4,6p "$DIR/r3.out")"

echo "PASS"
