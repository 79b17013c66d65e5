#!/usr/bin/env bash
# The REST adapter end to end with curl: both faces (Upstash commands, tables/items),
# auth (401/403), bad bodies (400), limits (413/431/503), 404/405/412, keep-alive and
# pipelining, event streams, metrics, and that RESP and HTTP see the same data.
# Usage: rest_test.sh SERVER_BIN
set -euo pipefail
BIN=${1:?usage: $0 SERVER_BIN}
command -v curl >/dev/null || { echo "FAIL: curl not installed (scripts/bootstrap)" >&2; exit 1; }
source "$(dirname "${BASH_SOURCE[0]}")/../lib/server.sh"

ADMIN=adm1n-t0ken
READER=r3ader
WRITER=wr1ter
BRISK_HTTP=1 brisk_start "$BIN" rest \
  --http-token "$ADMIN admin:*" --http-token "$READER read:users" \
  --http-token "$WRITER write:sessions* read:users" \
  --http-max-body 1kb --http-max-header-size 2kb --http-maxclients 8 --http-timeout 2
H="http://127.0.0.1:$HTTP_PORT"
OUT="$DIR/out"

# call METHOD PATH TOKEN [BODY [extra curl args...]]: sets STATUS, BODY.
call() {
  local method=$1 path=$2 token=$3
  shift 3
  local args=(-s -o "$OUT" -w '%{http_code}' -X "$method")
  [[ -n "$token" ]] && args+=(-H "Authorization: Bearer $token")
  if [[ $# -gt 0 ]]; then args+=(--data-binary "$1"); shift; fi
  STATUS=$(curl "${args[@]}" "$@" "$H$path" || true)
  BODY=$(cat "$OUT")
}
# check NAME STATUS BODY (after call)
check() {
  expect "$1 (status)" "$2" "$STATUS"
  if [[ $# -ge 3 ]]; then expect "$1 (body)" "$3" "$BODY"; fi
}
rc() { redis-cli -p "$PORT" "$@"; }

# ---- health, auth
call GET /health ""
check "health needs no token" 200 '{"status":"ok"}'
call POST / "" '["PING"]'
check "no token" 401 '{"error":"ERR unauthorized: missing or invalid token"}'
call POST / "wrong" '["PING"]'
check "bad token" 401
STATUS=$(curl -s -o "$OUT" -w '%{http_code}' -X POST -H "Authorization: Basic $ADMIN" --data '["PING"]' "$H/")
check "not a bearer" 401
STATUS=$(curl -s -o "$OUT" -w '%{http_code}' -X POST --data '["PING"]' "$H/?_token=$ADMIN"); BODY=$(cat "$OUT")
check "_token query" 200 '{"result":"PONG"}'

# ---- face 1: Upstash
call POST / $ADMIN '["SET","users:1","ann","EX",100]'
check "set with a number argument" 200 '{"result":"OK"}'
call POST / $ADMIN '["get","users:1"]'
check "get (any case)" 200 '{"result":"ann"}'
expect "RESP sees the HTTP write" "ann" "$(rc get users:1)"
rc set plain:k "from resp" >/dev/null
call POST / $ADMIN '["GET","plain:k"]'
check "HTTP sees the RESP write" 200 '{"result":"from resp"}'
call POST / $ADMIN '["GET","missing:k"]'
check "nil is null" 200 '{"result":null}'
STATUS=$(curl -s -o "$OUT" -w '%{http_code}' -X POST -H "Authorization: Bearer $ADMIN" \
  -H 'Upstash-Encoding: base64' --data '["GET","users:1"]' "$H/"); BODY=$(cat "$OUT")
check "base64 encoding" 200 '{"result":"YW5u"}'
STATUS=$(curl -s -o "$OUT" -w '%{http_code}' -X POST -H "Authorization: Bearer $ADMIN" \
  -H 'Upstash-Encoding: base64' --data '["SET","b64","x"]' "$H/"); BODY=$(cat "$OUT")
check "base64 keeps OK" 200 '{"result":"OK"}'
call POST / $ADMIN '["INCRBY","n",5]'
check "integer result" 200 '{"result":5}'
call POST / $ADMIN '["GET"]'
check "redis error is 400" 400 "{\"error\":\"ERR wrong number of arguments for 'get' command\"}"
call POST / $ADMIN '["INCR","users:1"]'
check "command error is 400" 400 '{"error":"ERR value is not an integer or out of range"}'
call POST / $ADMIN '["SET","k"'
check "bad JSON" 400 '{"error":"ERR request body is not valid JSON"}'
call POST / $ADMIN '[]'
check "empty command" 400 '{"error":"ERR a command must be a non-empty JSON array of strings and numbers"}'
call POST / $ADMIN '[{"a":1}]'
check "object argument" 400
call POST / $ADMIN '["SUBSCRIBE","c"]'
check "subscribe over POST /" 400 "{\"error\":\"ERR 'SUBSCRIBE' is not available over the REST API (use GET /subscribe/<channel>)\"}"
call POST /pipeline $ADMIN '[["SET","p","1"],["INCR","p"],["INCR","users:1"],["GET","p"]]'
check "pipeline" 200 '[{"result":"OK"},{"result":2},{"error":"ERR value is not an integer or out of range"},{"result":"2"}]'
call POST /multi-exec $ADMIN '[["SET","m","1"],["INCR","m"],["GET","m"]]'
check "multi-exec" 200 '[{"result":"OK"},{"result":2},{"result":"2"}]'
call POST /multi-exec $ADMIN '[["SET","m","1"],["NOSUCH"]]'
check "multi-exec aborted" 400 '{"error":"EXECABORT Transaction discarded because of previous errors."}'
call POST /pipeline $ADMIN '["SET","p","1"]'
check "pipeline needs arrays" 400
call GET "/set/path:k/hello%20world/ex/100" $ADMIN
check "path style" 200 '{"result":"OK"}'
call GET /get/path:k $ADMIN
check "path style get" 200 '{"result":"hello world"}'
call POST /set/path:body $ADMIN 'the body value'
check "POST body is the last argument" 200 '{"result":"OK"}'
expect "path body stored" "the body value" "$(rc get path:body)"
call GET /ttl/path:k $ADMIN
check "ttl via path" 200
# TTL rounds the milliseconds left: 99 once more than half a second has passed since the
# SET (a loaded machine), 100 before.
ttl_ok=$([[ $BODY == '{"result":100}' || $BODY == '{"result":99}' ]] && echo yes || echo "$BODY")
expect "ttl via path (body is 99 or 100)" yes "$ttl_ok"

# ---- scopes (403)
call POST / $READER '["GET","users:1"]'
check "reader reads its table" 200 '{"result":"ann"}'
call POST / $READER '["SET","users:1","x"]'
check "reader cannot write" 403 '{"error":"NOPERM User http-token-2 has no permissions to run the '"'"'set'"'"' command"}'
call POST / $READER '["GET","plain:k"]'
check "reader cannot read other tables" 403 '{"error":"NOPERM this token has no permissions to access one of the keys used as arguments"}'
call POST /pipeline $READER '[["GET","users:1"],["GET","plain:k"]]'
check "one forbidden command refuses the pipeline" 403
call POST / $READER '["KEYS","*"]'
check "reader cannot run admin commands" 403
call POST / $READER '["PING"]'
check "any token may PING" 200 '{"result":"PONG"}'
call POST / $WRITER '["SET","sessions:a","1"]'
check "writer writes its tables" 200 '{"result":"OK"}'
call POST / $WRITER '["SET","users:1","x"]'
check "writer has only read on users" 403
call GET /metrics $READER
check "metrics need read on every table" 403

# ---- face 2: tables and items
call PUT "/v1/tables/users/items/42?ttl=1h" $ADMIN '{"name":"bob","age":7}' -H 'Content-Type: application/json'
check "put JSON item" 200 '{"key":"42","value":{"name":"bob","age":7},"ttl":3600}'
expect "stored as its JSON text" '{"name":"bob","age":7}' "$(rc get users:42)"
call GET /v1/tables/users/items/42 $READER
check "get item" 200 '{"key":"42","value":{"name":"bob","age":7},"ttl":3600}'
call PUT /v1/tables/users/items/43 $ADMIN 'not json'
check "put text item" 200 '{"key":"43","value":"not json","ttl":-1}'
call PUT "/v1/tables/users/items/44?ttl=30s" $ADMIN '12'
check "ttl 30s, number value" 200 '{"key":"44","value":12,"ttl":30}'
call PUT "/v1/tables/users/items/45?ttl=2d" $ADMIN 'x'
check "ttl 2d" 200 '{"key":"45","value":"x","ttl":172800}'
call PUT "/v1/tables/users/items/46?ttl=5x" $ADMIN 'x'
check "bad ttl" 400 "{\"error\":\"ERR invalid ttl '5x': use seconds or 30s, 5m, 1h, 2d, 1w\"}"
call PUT /v1/tables/users/items/47 $ADMIN '{"broken' -H 'Content-Type: application/json'
check "bad JSON item" 400 '{"error":"ERR request body is not valid JSON"}'
call GET /v1/tables/users/items/nope $ADMIN
check "missing item" 404 '{"error":"ERR no such key"}'
call PUT /v1/tables/users/items/48 $READER 'x'
check "reader cannot put" 403 "{\"error\":\"NOPERM this token has no write permission on table 'users'\"}"
call GET /v1/tables/plain/items/k $READER
check "reader cannot read other tables" 403
call GET /v1/nope $ADMIN
check "unknown endpoint" 404
call POST /v1/tables/users/items/42 $ADMIN 'x'
check "wrong method" 405
call DELETE /v1/tables/users/items/43 $ADMIN
check "delete item" 200 '{"deleted":1}'
call DELETE /v1/tables/users/items/43 $ADMIN
check "delete missing item" 200 '{"deleted":0}'

# Conditional writes.
ETAG=$(curl -s -D - -o /dev/null -H "Authorization: Bearer $ADMIN" "$H/v1/tables/users/items/42" | tr -d '\r' | sed -n 's/^ETag: //p')
[[ "$ETAG" =~ ^\"[0-9a-f]{16}\"$ ]] || fail "ETag looks wrong: [$ETAG]"
call PUT /v1/tables/users/items/42 $ADMIN 'v2' -H 'If-None-Match: *'
check "create-only on an existing item" 412
call PUT /v1/tables/users/items/42 $ADMIN 'v2' -H 'If-Match: "0000000000000000"'
check "stale If-Match" 412
expect "nothing written on 412" '{"name":"bob","age":7}' "$(rc get users:42)"
call PUT /v1/tables/users/items/42 $ADMIN 'v2' -H "If-Match: $ETAG"
check "matching If-Match" 200
call PUT /v1/tables/users/items/42 $ADMIN 'v3' -H "If-Match: $ETAG"
check "the old ETag no longer matches" 412
call PUT /v1/tables/users/items/new1 $ADMIN 'n' -H 'If-None-Match: *'
check "create-only on a new item" 200
call DELETE /v1/tables/users/items/new1 $ADMIN "" -H 'If-Match: "0000000000000000"'
check "conditional delete" 412
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN" \
  -H "If-None-Match: $(curl -s -D - -o /dev/null -H "Authorization: Bearer $ADMIN" "$H/v1/tables/users/items/42" | tr -d '\r' | sed -n 's/^ETag: //p')" \
  "$H/v1/tables/users/items/42")
check "GET with a matching If-None-Match" 304

# incr: the TTL is set only when the counter is created.
call POST "/v1/tables/rl/items/ip1/incr?by=2&ttl=60" $ADMIN
check "incr creates" 200 '{"value":2}'
rc persist rl:ip1 >/dev/null
call POST "/v1/tables/rl/items/ip1/incr?ttl=60" $ADMIN
check "incr again" 200 '{"value":3}'
expect "no TTL added to an existing counter" "-1" "$(rc ttl rl:ip1)"
call POST "/v1/tables/rl/items/ip1/incr?by=x" $ADMIN
check "bad by" 400
call POST /v1/tables/users/items/42/incr $ADMIN
check "incr of a non-integer" 400 '{"error":"ERR value is not an integer or out of range"}'

# Batches.
call POST /v1/tables/b/batch/set $ADMIN '{"items":[{"key":"x","value":{"a":1},"ttl":"5m"},{"key":"y","value":"str"},{"key":"z","value":3,"ttl":10}]}'
check "batch set" 200 '{"set":3}'
call POST /v1/tables/b/batch/get $ADMIN '{"keys":["x","nope","y","z"]}'
check "batch get" 200 '{"items":[{"key":"x","value":{"a":1},"ttl":300},null,{"key":"y","value":"str","ttl":-1},{"key":"z","value":3,"ttl":10}]}'
call POST /v1/tables/b/batch/get $ADMIN '{"keys":'
check "batch bad JSON" 400
call POST /v1/tables/b/batch/get $ADMIN '{"items":[]}'
check "batch bad shape" 400
call POST /v1/tables/b/batch/delete $ADMIN '{"keys":["x","y","nope"]}'
check "batch delete" 200 '{"deleted":2}'

# Listing with prefix / suffix / contains and cursor pagination.
for i in $(seq 1 25); do rc set "list:item$i" "$i" >/dev/null; done
rc set list:other x >/dev/null
call GET "/v1/tables/list/items?prefix=item&limit=1000" $ADMIN
expect "prefix lists 25" 25 "$(grep -o '"key":"item' <<<"$BODY" | wc -l)"
call GET "/v1/tables/list/items?suffix=5" $ADMIN
expect "suffix" 3 "$(grep -o '"key"' <<<"$BODY" | wc -l)"
call GET "/v1/tables/list/items?contains=tem1" $ADMIN
expect "contains" 11 "$(grep -o '"key"' <<<"$BODY" | wc -l)"
seen=0 cursor="" pages=0
while :; do
  call GET "/v1/tables/list/items?limit=5${cursor:+&cursor=$cursor}" $ADMIN
  [[ $STATUS == 200 ]] || fail "page status $STATUS"
  seen=$((seen + $(grep -o '"key"' <<<"$BODY" | wc -l)))
  pages=$((pages + 1))
  cursor=$(sed -n 's/.*"next_cursor":"\([0-9]*\)".*/\1/p' <<<"$BODY")
  [[ -z "$cursor" ]] && break
  [[ $pages -lt 100 ]] || fail "pagination does not end"
done
[[ $seen -ge 26 && $pages -ge 2 ]] || fail "paginated listing saw $seen items in $pages pages"
echo "ok: pagination ($seen items, $pages pages)"
call GET "/v1/tables/list/items?limit=5000" $ADMIN
check "limit above 1000" 400

# Tables.
call GET /v1/tables $READER
check "tables a reader may see" 200 '{"tables":[{"name":"users","items":'"$(rc dbsize >/dev/null; rc table info users | sed -n 4p)"',"bytes":'"$(rc table info users | sed -n 6p)"'}]}'
call GET /v1/tables/list $ADMIN
check "table info" 200 "{\"name\":\"list\",\"items\":26,\"bytes\":$(rc table info list | sed -n 6p),\"volatile_items\":0}"
call GET /v1/tables/none $ADMIN
check "missing table" 404 '{"error":"ERR no such table"}'
call DELETE /v1/tables/sessions $WRITER
check "drop needs admin" 403
call DELETE /v1/tables/list $ADMIN
check "drop table" 200 '{"deleted":26}'
expect "dropped for RESP too" 0 "$(rc exists list:item1)"

# ---- limits
call POST / $ADMIN "[\"SET\",\"big\",\"$(head -c 2000 /dev/zero | tr '\0' a)\"]"
check "body over http-max-body" 413 '{"error":"ERR request body exceeds http-max-body"}'
STATUS=$(curl -s -o "$OUT" -w '%{http_code}' -H "X-Big: $(head -c 3000 /dev/zero | tr '\0' b)" "$H/health"); BODY=$(cat "$OUT")
check "headers over http-max-header-size" 431
# Malformed request line: answered 400, then closed.
exec 3<>"/dev/tcp/127.0.0.1/$HTTP_PORT"
printf 'GARBAGE\r\n\r\n' >&3
reply=$(timeout 5 cat <&3 || true)
exec 3>&-
[[ "$reply" == "HTTP/1.1 400 Bad Request"* ]] || fail "malformed request: [$reply]"
echo "ok: malformed request"

# Keep-alive + pipelining: three requests in one write, three responses in order.
exec 3<>"/dev/tcp/127.0.0.1/$HTTP_PORT"
printf 'POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: 20\r\n\r\n["SET","pl","first"]POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: 12\r\n\r\n["GET","pl"]GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' "$ADMIN" "$ADMIN" >&3
reply=$(timeout 5 cat <&3 | tr -d '\r' | sed 's/HTTP\/1.1/\nHTTP\/1.1/g' | grep '^{' | tr '\n' ' ' || true)
exec 3>&-
expect "pipelined responses in order" '{"result":"OK"} {"result":"first"} {"status":"ok"} ' "$reply"

# A deep pipeline (more than RestServer::kMaxPipelined requests in one write): parsing
# pauses and resumes, responses stay in order, and each read sees the write before it.
deep=$(/usr/bin/python3 - "$HTTP_PORT" "$ADMIN" <<'PY'
import re, socket, sys
port, token = int(sys.argv[1]), sys.argv[2].encode()
auth = b"Authorization: Bearer " + token + b"\r\n"
reqs = b""
for i in range(300):
    if i % 3 == 0:
        body = b'["INCR","deep:c"]'
        reqs += b"POST / HTTP/1.1\r\n" + auth + b"Content-Length: %d\r\n\r\n" % len(body) + body
    elif i % 3 == 1:
        reqs += b"GET /get/deep:c HTTP/1.1\r\n" + auth + b"\r\n"
    else:
        reqs += b"GET /v1/tables/deep/items/c HTTP/1.1\r\n" + auth + b"\r\n"
reqs += b"GET /health HTTP/1.1\r\nConnection: close\r\n\r\n"
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(reqs)
data = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    data += d
bodies = re.findall(rb"\r\n\r\n(\{[^\r]*?\})(?=HTTP|$)", data)
n, ok = 0, len(bodies) == 301
for i, b in enumerate(bodies[:300]):
    if i % 3 == 0:
        n += 1
        ok &= b == b'{"result":%d}' % n
    elif i % 3 == 1:
        ok &= b == b'{"result":"%d"}' % n
    else:
        ok &= b == b'{"key":"c","value":%d,"ttl":-1}' % n
print("ok" if ok else "bad: %d responses" % len(bodies))
PY
)
expect "deep pipeline in order, reading its own writes" ok "$deep"

# Idle timeout (http-timeout 2): the server closes a silent connection.
exec 3<>"/dev/tcp/127.0.0.1/$HTTP_PORT"
start=$(date +%s)
timeout 10 cat <&3 >/dev/null || true
exec 3>&-
elapsed=$(( $(date +%s) - start ))
[[ $elapsed -ge 1 && $elapsed -le 6 ]] || fail "idle connection closed after ${elapsed}s"
echo "ok: idle timeout"

# http-maxclients 8: the 9th connection gets 503.
for fd in 4 5 6 7 8 9 10 11; do eval "exec $fd<>/dev/tcp/127.0.0.1/$HTTP_PORT"; done
call GET /health ""
check "over http-maxclients" 503
for fd in 4 5 6 7 8 9 10 11; do eval "exec $fd>&-"; done

# ---- event streams
SSE="$DIR/sse.txt"
curl -sN -H "Authorization: Bearer $ADMIN" "$H/subscribe/chat" >"$SSE" &
CURL_PID=$!
for _ in $(seq 1 100); do grep -q 'subscribe,chat,1' "$SSE" 2>/dev/null && break; sleep 0.05; done
call GET /publish/chat/hello $ADMIN
check "publish over HTTP" 200 '{"result":1}'
rc publish chat "from resp" >/dev/null
for _ in $(seq 1 100); do grep -q 'from resp' "$SSE" && break; sleep 0.05; done
kill $CURL_PID 2>/dev/null || true; wait $CURL_PID 2>/dev/null || true
expect "subscribe stream" "data: subscribe,chat,1|data: message,chat,hello|data: message,chat,from resp" \
  "$(grep '^data:' "$SSE" | paste -sd'|')"
for _ in $(seq 1 100); do [[ "$(rc pubsub numsub chat | tail -1)" == 0 ]] && break; sleep 0.05; done
expect "closing the stream unsubscribes" 0 "$(rc pubsub numsub chat | tail -1)"

call GET /v1/tables/users/events $ADMIN
check "table events need notify-keyspace-events" 409
rc config set notify-keyspace-events 'TA' >/dev/null
curl -sN -H "Authorization: Bearer $READER" "$H/v1/tables/users/events" >"$SSE" &
CURL_PID=$!
for _ in $(seq 1 100); do grep -q 'subscribed' "$SSE" 2>/dev/null && break; sleep 0.05; done
rc set users:ev1 a >/dev/null
rc set other:ev x >/dev/null
call PUT /v1/tables/users/items/ev2 $ADMIN 'b'
rc del users:ev1 >/dev/null
for _ in $(seq 1 100); do grep -q '"del"' "$SSE" && break; sleep 0.05; done
kill $CURL_PID 2>/dev/null || true; wait $CURL_PID 2>/dev/null || true
expect "table events" 'data: {"event":"set","key":"ev1"}|data: {"event":"set","key":"ev2"}|data: {"event":"del","key":"ev1"}' \
  "$(grep '^data:' "$SSE" | paste -sd'|')"
call GET /v1/tables/plain/events $READER
check "events need read on the table" 403

# ---- metrics
call GET /metrics $ADMIN
expect "metrics status" 200 "$STATUS"
for m in 'brisk_http_requests_total{route="command",code="200"}' 'brisk_commands_total{cmd="set"}' \
         'brisk_table_keys{db="0",table="users"}' brisk_memory_used_bytes brisk_aof_enabled \
         brisk_http_lockfree_reads_total brisk_connected_clients; do
  grep -qF "$m" <<<"$BODY" || fail "metrics lack $m"
done
echo "ok: metrics"

kill -0 "$SERVER_PID" || fail "server died"
echo "PASS"
