"""redis-py (Debian's python3-redis) against brisk-server on $BRISK_PORT.

Covers the handshake redis-py performs (CLIENT SETNAME, SELECT), plain commands, TTLs,
pipelines, an optimistic transaction with WATCH (success and conflict) and scan_iter.
Run by run_with_server.sh; any failed assertion exits non-zero.
"""
import os
import sys

try:
    import redis
except ImportError as e:  # the test must fail, not skip, when the library is missing
    sys.exit(f"FAIL: cannot import redis-py ({e}); install python3-redis (scripts/bootstrap)")

PORT = int(os.environ["BRISK_PORT"])


def client(db, name=None):
    return redis.Redis(host="127.0.0.1", port=PORT, db=db, client_name=name,
                       socket_timeout=5, socket_connect_timeout=5, decode_responses=True)


def expect(label, expected, actual):
    if expected != actual:
        sys.exit(f"FAIL: {label}: expected {expected!r}, got {actual!r}")
    print(f"ok: {label}")


def main():
    print("redis-py", redis.__version__)
    r = client(1, "py-client")
    other = client(1)
    db0 = client(0)

    # Handshake: the name and database given at connect time took effect.
    expect("ping", True, r.ping())
    expect("client_getname", "py-client", r.client_getname())
    expect("CLIENT LIST shows name and db", True,
           any(c["name"] == "py-client" and c["db"] == "1" for c in r.client_list()))
    r.flushall()

    expect("set", True, r.set("k", "v"))
    expect("get", "v", r.get("k"))
    expect("db=1 isolates keys from db 0", None, db0.get("k"))
    expect("get missing", None, r.get("missing"))
    expect("expire", True, r.expire("k", 100))
    ttl = r.ttl("k")
    expect("ttl in [99, 100]", True, 99 <= ttl <= 100)
    expect("set ex", True, r.set("e", "1", ex=50))
    expect("pttl <= 50000", True, 0 < r.pttl("e") <= 50000)
    expect("persist", True, r.persist("e"))
    expect("ttl after persist", -1, r.ttl("e"))
    expect("incrby", 5, r.incrby("n", 5))
    expect("mget", ["v", None, "5"], r.mget("k", "missing", "n"))
    try:
        r.incr("k")
        sys.exit("FAIL: INCR on a non-integer did not raise")
    except redis.ResponseError as e:
        expect("INCR error text", "value is not an integer or out of range", str(e))
    raw = redis.Redis(host="127.0.0.1", port=PORT, db=1, socket_timeout=5)
    raw.set("b", b"\x00\xff\r\n")
    expect("binary value", b"\x00\xff\r\n", raw.get("b"))
    raw.close()
    info = r.info()
    expect("INFO redis_version 7.x", True, str(info["redis_version"]).startswith("7."))
    expect("INFO role", "master", info["role"])

    # Pipeline without a transaction.
    p = r.pipeline(transaction=False)
    p.set("a", 1).incr("a").get("a").delete("a")
    expect("pipeline", [True, 2, "2", 1], p.execute())
    # A pipeline as MULTI/EXEC.
    p = r.pipeline()
    p.set("t", "x").append("t", "y").get("t")
    expect("transaction pipeline", [True, 2, "xy"], p.execute())

    # Optimistic transaction with WATCH: succeeds when nobody interferes...
    r.set("balance", 100)
    with r.pipeline() as pipe:
        pipe.watch("balance")
        current = int(pipe.get("balance"))
        pipe.multi()
        pipe.set("balance", current + 10)
        expect("watched transaction", [True], pipe.execute())
    expect("balance after transaction", "110", r.get("balance"))
    # ...and is aborted when another client modifies the watched key.
    with r.pipeline() as pipe:
        pipe.watch("balance")
        current = int(pipe.get("balance"))
        other.set("balance", 0)
        pipe.multi()
        pipe.set("balance", current + 10)
        try:
            pipe.execute()
            sys.exit("FAIL: EXEC after a concurrent write did not raise WatchError")
        except redis.WatchError:
            print("ok: WatchError on conflict")
    expect("balance kept the other client's write", "0", r.get("balance"))
    # The helper that retries on conflict.
    def add_five(pipe):
        pipe.multi()
        pipe.incrby("balance", 5)

    expect("r.transaction", [5], r.transaction(add_five, "balance"))
    expect("balance after r.transaction", "5", r.get("balance"))

    # scan_iter with MATCH.
    want = {f"t:{i}" for i in range(500)}
    p = r.pipeline(transaction=False)
    for k in want:
        p.set(k, "1")
    for i in range(500):
        p.set(f"u:{i}", "1")
        p.set(f"tt{i}", "1")
    p.execute()
    expect("scan_iter(match='t:*')", want, set(r.scan_iter(match="t:*")))
    expect("scan_iter(match='t:*', count=7)", want, set(r.scan_iter(match="t:*", count=7)))
    expect("scan_iter total", r.dbsize(), len(set(r.scan_iter(count=100))))
    r.close()
    print("PASS")


if __name__ == "__main__":
    main()
