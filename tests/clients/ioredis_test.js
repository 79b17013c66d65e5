// ioredis (pinned in package.json / package-lock.json) against brisk-server on $BRISK_PORT.
// Covers ioredis' connect handshake (INFO ready check, CLIENT SETNAME, SELECT), plain
// commands, a pipeline, MULTI/EXEC, a WATCH conflict and scanStream.
'use strict';
const assert = require('node:assert/strict');

let Redis;
try {
  Redis = require('ioredis');
} catch (e) {  // fail, never skip, when the library is not installed
  console.error(`FAIL: cannot load ioredis (${e.message}); the clients_npm_install test installs it`);
  process.exit(1);
}

const port = Number(process.env.BRISK_PORT);
const opts = (extra) => ({
  host: '127.0.0.1', port, retryStrategy: () => null, maxRetriesPerRequest: 0,
  connectTimeout: 5000, commandTimeout: 5000, ...extra,
});

function ok(label) { console.log(`ok: ${label}`); }

async function main() {
  const r = new Redis(opts({ db: 2, connectionName: 'ioredis-test' }));
  const other = new Redis(opts({ db: 2 }));
  try {
    assert.equal(await r.ping(), 'PONG'); ok('ping');
    assert.equal(await r.client('GETNAME'), 'ioredis-test'); ok('connectionName');
    await r.flushall();
    assert.equal(await r.set('k', 'v', 'EX', 100), 'OK');
    assert.equal(await r.get('k'), 'v'); ok('set/get');
    const ttl = await r.ttl('k');
    assert.ok(ttl >= 99 && ttl <= 100, `ttl ${ttl}`); ok('ttl');
    assert.equal(await r.get('missing'), null); ok('get missing');
    assert.equal(await r.select(0), 'OK');
    assert.equal(await r.get('k'), null, 'db option selected db 2');
    assert.equal(await r.select(2), 'OK'); ok('db option');
    const bin = Buffer.from([0, 255, 13, 10, 0]);
    await r.set('bin', bin);
    assert.deepEqual(await r.getBuffer('bin'), bin); ok('binary value');
    await assert.rejects(r.incr('k'), { message: 'ERR value is not an integer or out of range' });
    ok('error text');

    const piped = await r.pipeline().set('a', '1').incr('a').get('a').del('a').exec();
    assert.deepEqual(piped, [[null, 'OK'], [null, 2], [null, '2'], [null, 1]]); ok('pipeline');

    const tx = await r.multi().set('m', 'x').append('m', 'y').get('m').exec();
    assert.deepEqual(tx, [[null, 'OK'], [null, 2], [null, 'xy']]); ok('multi/exec');

    await r.set('w', '0');
    assert.equal(await r.watch('w'), 'OK');
    await other.set('w', 'theirs');
    assert.equal(await r.multi().set('w', 'mine').exec(), null); ok('watch conflict -> null');
    assert.equal(await r.get('w'), 'theirs');

    const want = new Set();
    const p = r.pipeline();
    for (let i = 0; i < 500; i++) {
      want.add(`s:${i}`);
      p.set(`s:${i}`, '1');
      p.set(`x:${i}`, '1');
    }
    await p.exec();
    const seen = new Set();
    await new Promise((resolve, reject) => {
      const stream = r.scanStream({ match: 's:*', count: 50 });
      stream.on('data', (keys) => keys.forEach((k) => seen.add(k)));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    assert.deepEqual(seen, want); ok('scanStream match s:*');
    assert.equal(await r.quit(), 'OK');
    await other.quit();
  } finally {
    r.disconnect();
    other.disconnect();
  }
}

main().then(() => { console.log('PASS'); process.exit(0); },
  (e) => { console.error('FAIL:', e); process.exit(1); });
