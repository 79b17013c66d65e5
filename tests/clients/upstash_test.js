// @upstash/redis, unchanged, against Brisk's REST adapter (Upstash REST conventions):
// single commands with JSON (de)serialization and the client's default base64 response
// encoding, pipelines, transactions (/multi-exec), auto-pipelining, binary-unsafe text
// (emoji), errors, and pub/sub over Server-Sent Events. Run by ctest through
// run_with_server.sh with BRISK_HTTP=1 (BRISK_HTTP_PORT: the adapter's port, opened on
// loopback without tokens, so any token is accepted).
const assert = require("node:assert/strict");
const { Redis } = require("@upstash/redis");

const url = `http://127.0.0.1:${process.env.BRISK_HTTP_PORT}`;

async function main() {
  const redis = new Redis({ url, token: "test-token", retry: false, enableAutoPipelining: false });

  assert.equal(await redis.set("up:k", "v"), "OK");
  assert.equal(await redis.get("up:k"), "v");
  // Objects are stored as JSON and parsed back by the client.
  await redis.set("up:obj", { a: 1, b: [true, null] });
  assert.deepEqual(await redis.get("up:obj"), { a: 1, b: [true, null] });
  // Text that needs the base64 response encoding to survive.
  await redis.set("up:emoji", "héllo 😀 \u0000 end");
  assert.equal(await redis.get("up:emoji"), "héllo 😀 \u0000 end");
  assert.equal(await redis.incr("up:n"), 1);
  assert.equal(await redis.incrby("up:n", 41), 42);
  await redis.set("up:ttl", "x", { ex: 100 });
  assert.equal(await redis.ttl("up:ttl"), 100);
  assert.equal(await redis.exists("up:k", "up:none"), 1);
  assert.deepEqual(await redis.mget("up:k", "up:none"), ["v", null]);
  assert.equal(await redis.del("up:k"), 1);
  assert.equal(await redis.get("up:k"), null);
  assert.equal(await redis.setnx("up:nx", "1"), 1);
  assert.equal(await redis.setnx("up:nx", "2"), 0);
  assert.equal(await redis.getdel("up:nx"), 1);  // "1" deserialized as a number
  assert.equal(await redis.dbsize() > 0, true);

  // Errors come back as UpstashError.
  await redis.set("up:str", "abc");
  await assert.rejects(() => redis.incr("up:str"), /not an integer/);

  // Pipeline (/pipeline) and transaction (/multi-exec).
  const p = redis.pipeline();
  p.set("up:p1", "a");
  p.incr("up:p2");
  p.get("up:p1");
  assert.deepEqual(await p.exec(), ["OK", 1, "a"]);
  const tx = redis.multi();
  tx.set("up:t", 5);
  tx.incrby("up:t", 5);
  tx.get("up:t");
  assert.deepEqual(await tx.exec(), ["OK", 10, 10]);

  // Auto-pipelining batches concurrent commands into /pipeline requests.
  const auto = new Redis({ url, token: "test-token", retry: false, enableAutoPipelining: true });
  const results = await Promise.all([auto.set("up:a1", "x"), auto.get("up:a1"), auto.incr("up:a2")]);
  assert.deepEqual(results, ["OK", "x", 1]);

  // Pub/sub over Server-Sent Events.
  const sub = redis.subscribe(["up:chan"]);
  const got = new Promise((resolve, reject) => {
    sub.on("message", (m) => resolve(m));
    sub.on("error", reject);
  });
  let receivers = 0;
  for (let i = 0; i < 200 && receivers === 0; i++) {  // until the subscription is in place
    receivers = await redis.publish("up:chan", { hello: "world" });
    if (receivers === 0) await new Promise((r) => setTimeout(r, 25));
  }
  assert.equal(receivers, 1);
  const message = await got;
  assert.equal(message.channel, "up:chan");
  assert.deepEqual(message.message, { hello: "world" });
  await sub.unsubscribe();

  console.log("upstash client test passed");
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
