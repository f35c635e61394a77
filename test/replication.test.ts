import test from 'node:test'
import assert from 'node:assert/strict'
import ProtocolStream = require('hypercore-protocol')
import ram = require('random-access-memory')
import Corestore = require('../lib')
import { connect, replicateStores, tmpdir } from './helpers/store'

async function storeWithCores (dir: string, count: number, opts: Corestore.Options = {}): Promise<Buffer[]> {
  const store = new Corestore(dir, opts)
  const keys: Buffer[] = []
  for (let i = 0; i < count; i++) {
    const core = store.get({ name: `core-${i}` })
    await core.append([`block-${i}-a`, `block-${i}-b`])
    keys.push(core.key as Buffer)
  }
  await store.close()
  return keys
}

test('the root replicates every core its views opened, and cores opened later join the live stream', async t => {
  const a = new Corestore(ram)
  const b = new Corestore(ram)
  t.after(() => Promise.all([a.close(), b.close()]))
  const first = a.namespace('ns').default()
  await first.append('one')
  const { ended } = replicateStores(a, b)
  const copy = b.get(first.key as Buffer)
  assert.equal((await copy.get(0)).toString(), 'one')

  const later = a.get({ name: 'later' })
  await later.append('two')
  const laterCopy = b.get(later.key as Buffer)
  assert.equal((await laterCopy.get(0)).toString(), 'two')
  await Promise.all([a.close(), b.close()])
  await ended
})

test('a namespace replicates the cores it opened', async t => {
  const a = new Corestore(ram)
  const b = new Corestore(ram)
  t.after(() => Promise.all([a.close(), b.close()]))
  const ns = a.namespace('mine')
  const mine = ns.default()
  const rootOnly = a.default()
  await mine.append('m')
  await rootOnly.append('r')
  const bMine = b.get(mine.key as Buffer)
  const bRoot = b.get(rootOnly.key as Buffer)
  await Promise.all([bMine.ready(), bRoot.ready()])

  const sa = ns.replicate(true, { live: true })
  const sb = b.replicate(false, { live: true })
  connect(sa, sb)
  assert.equal((await bMine.get(0)).toString(), 'm')
  // The remote asked for rootOnly too: a loaded core is served when asked for, as corestore@5 did.
  assert.equal((await bRoot.get(0)).toString(), 'r')
})

test('a core on disk that only a peer asks for is loaded passively and served', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const [key] = await storeWithCores(dir, 1)
  const seeder = new Corestore(dir)
  const leecher = new Corestore(ram)
  t.after(() => Promise.all([seeder.close(), leecher.close()]))
  await seeder.ready()
  assert.equal(seeder.isLoaded({ key: key as Buffer }), false)

  replicateStores(seeder, leecher)
  const copy = leecher.get(key as Buffer)
  assert.equal((await copy.get(1)).toString(), 'block-0-b')
  assert.equal(seeder.isLoaded({ key: key as Buffer }), true)
  assert.equal(seeder.isExternal({ key: key as Buffer }), false, 'held for the peer only')
  assert.equal(seeder.list().size, 0)
})

test('a peer asking for a core we do not have gets its channel closed, and other cores still flow', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const [known] = await storeWithCores(dir, 1)
  const seeder = new Corestore(dir)
  const leecher = new Corestore(ram)
  t.after(() => Promise.all([seeder.close(), leecher.close()]))
  await seeder.ready()
  const stranger = new Corestore(ram)
  const strangerCore = stranger.default()
  await strangerCore.ready()
  await stranger.close()

  replicateStores(seeder, leecher)
  const missing = leecher.get(strangerCore.key as Buffer)
  await missing.ready()
  const closedChannel = new Promise<void>(resolve => missing.once('peer-remove', () => resolve()))
  const copy = leecher.get(known as Buffer)
  assert.equal((await copy.get(0)).toString(), 'block-0-a')
  await closedChannel
  assert.equal(missing.peers.length, 0)
  assert.equal(seeder.isLoaded({ key: strangerCore.key as Buffer }), false)
  const { listFiles } = await import('./helpers/store')
  const dkey = (strangerCore.discoveryKey as Buffer).toString('hex')
  assert.ok(!(await listFiles(dir)).some(f => f.includes(dkey)), 'nothing was written for the unknown core')
})

test('a peer requesting more cores than cacheSize gets every one of them, then the passive cache trims', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const keys = await storeWithCores(dir, 100)
  const seeder = new Corestore(dir, { cacheSize: 16 })
  const leecher = new Corestore(ram)
  t.after(() => Promise.all([seeder.close(), leecher.close()]))
  await seeder.ready()

  const { a, b, ended } = replicateStores(seeder, leecher)
  const copies = keys.map(key => leecher.get(key))
  const blocks = await Promise.all(copies.map(core => core.get(1)))
  assert.deepEqual(blocks.map(b => b.toString()), keys.map((_, i) => `block-${i}-b`))
  assert.ok(seeder.cache.size > 16, 'cores a peer is replicating are not evicted')

  a.destroy()
  b.destroy()
  await ended
  await new Promise<void>(resolve => setImmediate(resolve))
  assert.ok(seeder.cache.size <= 16, `idle passive cores are trimmed to cacheSize, ${seeder.cache.size} open`)
})

test('replicate joins an existing protocol stream given as opts.stream or as the first argument', async t => {
  const a = new Corestore(ram)
  const b = new Corestore(ram)
  const c = new Corestore(ram)
  t.after(() => Promise.all([a.close(), b.close(), c.close()]))
  const ca = a.default()
  const cc = c.default()
  await ca.append('from a')
  await cc.append('from c')
  const outer = new ProtocolStream(true, { live: true })
  a.replicate(true, { stream: outer, live: true })
  c.replicate(outer)
  const inner = b.replicate(false, { live: true })
  connect(outer, inner)
  assert.equal((await b.get(ca.key as Buffer).get(0)).toString(), 'from a')
  assert.equal((await b.get(cc.key as Buffer).get(0)).toString(), 'from c')
})

test('closing the store destroys its replication streams', async () => {
  const a = new Corestore(ram)
  const b = new Corestore(ram)
  const { a: stream, b: other } = replicateStores(a, b)
  const closed = new Promise<void>(resolve => stream.once('close', () => resolve()))
  await a.close()
  await closed
  assert.equal(stream.destroyed, true)
  other.destroy()
  await b.close()
})
