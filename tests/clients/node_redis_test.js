// node-redis v4 (`redis`, pinned in package.json / package-lock.json) against brisk-server
// on $BRISK_PORT: connect handshake (SELECT, CLIENT SETNAME), plain commands, a pipeline,
// MULTI/EXEC, a WATCH conflict and scanIterator.
'use strict';
const assert = require('node:assert/strict');

let redis;
try {
  redis = require('redis');
} catch (e) {  // fail, never skip, when the library is not installed
  console.error(`FAIL: cannot load redis (node-redis) (${e.message}); the clients_npm_install test installs it`);
  process.exit(1);
}

const port = Number(process.env.BRISK_PORT);
const make = (extra) => redis.createClient({
  socket: { host: '127.0.0.1', port, reconnectStrategy: false, connectTimeout: 5000 }, ...extra,
});

function ok(label) { console.log(`ok: ${label}`); }

async function main() {
  const c = make({ database: 3, name: 'node-redis-test' });
  const other = make({ database: 3 });
  for (const x of [c, other]) x.on('error', (e) => console.error('client error:', e));
  await c.connect();
  await other.connect();
  try {
    assert.equal(await c.ping(), 'PONG'); ok('ping');
    assert.equal(await c.clientGetName(), 'node-redis-test'); ok('name');
    await c.flushAll();
    assert.equal(await c.set('k', 'v', { EX: 100 }), 'OK');
    assert.equal(await c.get('k'), 'v'); ok('set/get');
    const ttl = await c.ttl('k');
    assert.ok(ttl >= 99 && ttl <= 100, `ttl ${ttl}`); ok('ttl');
    const info = await c.info('server');
    assert.match(info, /redis_version:7\./); ok('info');
    await assert.rejects(c.incr('k'), { message: 'ERR value is not an integer or out of range' });
    ok('error text');

    const piped = await c.multi().set('a', '1').incr('a').get('a').execAsPipeline();
    assert.deepEqual(piped, ['OK', 2, '2']); ok('pipeline');
    const tx = await c.multi().set('m', 'x').append('m', 'y').get('m').exec();
    assert.deepEqual(tx, ['OK', 2, 'xy']); ok('multi/exec');

    await c.set('w', '0');
    await c.executeIsolated(async (iso) => {
      await iso.watch('w');
      await other.set('w', 'theirs');
      await assert.rejects(iso.multi().set('w', 'mine').exec(), redis.WatchError);
    });
    assert.equal(await c.get('w'), 'theirs'); ok('watch conflict -> WatchError');

    const want = new Set();
    const m = c.multi();
    for (let i = 0; i < 300; i++) {
      want.add(`s:${i}`);
      m.set(`s:${i}`, '1');
      m.set(`y:${i}`, '1');
    }
    await m.execAsPipeline();
    const seen = new Set();
    for await (const key of c.scanIterator({ MATCH: 's:*', COUNT: 50 })) seen.add(key);
    assert.deepEqual(seen, want); ok('scanIterator MATCH s:*');
    await c.quit();
    await other.quit();
  } finally {
    if (c.isOpen) await c.disconnect();
    if (other.isOpen) await other.disconnect();
  }
}

main().then(() => { console.log('PASS'); process.exit(0); },
  (e) => { console.error('FAIL:', e); process.exit(1); });
