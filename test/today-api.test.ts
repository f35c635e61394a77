import test from 'node:test'
import assert from 'node:assert/strict'
import net = require('net')
import z32 = require('z32')
import ram = require('random-access-memory')
import Corestore = require('../lib')
import { MASTER_KEY, connect, listFiles, rejection, thrown, tmpdir } from './helpers/store'

interface LegacyCore {
  key: Buffer
  writable: boolean
  length: number
  ready (cb: (err: Error | null) => void): void
  append (data: string, cb: (err: Error | null) => void): void
}
interface LegacyStore {
  ready (cb: (err: Error | null) => void): void
  get (opts: { key: Buffer }): LegacyCore
  close (cb: (err: Error | null) => void): void
}
const Corestore5 = require('corestore5') as new (storage: string) => LegacyStore
const call = (fn: (cb: (err: Error | null) => void) => void): Promise<void> => new Promise((resolve, reject) => fn(err => err ? reject(err) : resolve()))

// README vector: master key 0x07 * 32, namespace 'a', name 'x'.
const NAMESPACED_X = '8f82af092e013d598b6fe0a9d1f19b08a3ab60a2cffd0fe18c7896a1a52eda3c'

test('the same name gives a different core per namespace path, and the README vector', async t => {
  const store = new Corestore(ram, { primaryKey: MASTER_KEY })
  t.after(() => store.close())
  const cores = [store.get({ name: 'x' }), store.namespace('a').get({ name: 'x' }), store.namespace('a').namespace('b').get({ name: 'x' }), store.namespace('b').get({ name: 'x' })]
  await Promise.all(cores.map(c => c.ready()))
  const keys = new Set(cores.map(c => (c.key as Buffer).toString('hex')))
  assert.equal(keys.size, 4)
  assert.equal(cores[1]?.key?.toString('hex'), NAMESPACED_X)
  assert.equal(store.namespace('a').get({ name: 'x' }), cores[1])
  assert.ok(store.namespace('a').createKeyPair('x').publicKey.equals(cores[1]?.key as Buffer))
  assert.ok(store.createKeyPair('x').publicKey.equals(cores[0]?.key as Buffer))
})

test('no namespaced name yields the key of a default() core', async t => {
  const store = new Corestore(ram, { primaryKey: MASTER_KEY })
  t.after(() => store.close())
  const named = store.namespace('a').get({ name: 'b' })
  const nestedDefault = store.namespace('a').namespace('b').default()
  const ownDefault = store.namespace('a').get({ name: 'a' })
  await Promise.all([named.ready(), nestedDefault.ready(), ownDefault.ready()])
  assert.notEqual(named, nestedDefault)
  assert.ok(!(named.key as Buffer).equals(nestedDefault.key as Buffer))
  assert.ok(!(ownDefault.key as Buffer).equals(store.namespace('a').default().key as Buffer))
  assert.equal(thrown(() => store.namespace('a\u0000b')).code, 'INVALID_NAME', 'namespace names cannot forge the separator')
})

test('namespaced named cores are deterministic, reopen writable by key and by discovery key, and corestore@5.8.2 can append to them', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const store = new Corestore(dir)
  const core = store.namespace('app').get({ name: 'log' })
  await core.append('one')
  const key = core.key as Buffer
  const dkey = core.discoveryKey as Buffer
  await store.close()

  const again = new Corestore(dir)
  const byName = again.namespace('app').get({ name: 'log' })
  await byName.ready()
  assert.ok(byName.key?.equals(key), 'deterministic across restarts')
  await again.close()

  const byDkey = new Corestore(dir)
  const reopened = byDkey.get({ discoveryKey: dkey })
  await reopened.append('two')
  assert.equal(reopened.writable, true)
  await byDkey.close()

  const legacy = new Corestore5(dir)
  await call(cb => legacy.ready(cb))
  const old = legacy.get({ key })
  await call(cb => old.ready(cb))
  assert.equal(old.writable, true)
  await call(cb => old.append('three', cb))
  assert.equal(old.length, 3)
  await call(cb => legacy.close(cb))
})

test('keys and discovery keys are accepted as z-base-32; primaryKey is readable after ready', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const store = new Corestore(dir)
  assert.equal(store.primaryKey === null, true, 'unknown before ready')
  await store.ready()
  assert.equal(store.primaryKey?.length, 32)
  const core = store.default()
  await core.ready()
  assert.equal(store.get(z32.encode(core.key as Buffer)), core)
  assert.equal(store.get({ discoveryKey: z32.encode(core.discoveryKey as Buffer) }), core)
  await store.close()
})

test('a session shares storage and caches; its own primaryKey derives other keys, stored so the root reopens them writable', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const store = new Corestore(dir)
  const session = store.session({ primaryKey: Buffer.alloc(32, 9) })
  const plain = store.get({ name: 'n' })
  const other = session.get({ name: 'n' })
  await Promise.all([plain.ready(), other.ready()])
  assert.ok(!(plain.key as Buffer).equals(other.key as Buffer))
  assert.ok(session.createKeyPair('n').publicKey.equals(other.key as Buffer))
  assert.equal(store.get(other.key as Buffer), other, 'one cache for every view')
  await other.append('x')
  await store.close()

  const again = new Corestore(dir)
  const back = again.get(other.key as Buffer)
  await back.ready()
  assert.equal(back.writable, true)
  await again.close()
})

test('session({ namespace }) equals namespace(); closing a session closes only what it opened; detach: false closes the parent', async t => {
  const store = new Corestore(ram)
  t.after(() => store.close())
  const viaSession = store.session({ namespace: 'ns' })
  assert.equal(viaSession.default(), store.namespace('ns').default())
  const keep = store.default()
  const mine = viaSession.get({ name: 'mine' })
  await Promise.all([keep.ready(), mine.ready()])
  await viaSession.close()
  assert.equal(mine.closed, true)
  assert.equal(keep.closed, false)

  const parent = store.namespace('p')
  const child = parent.session({ detach: false })
  const pc = parent.get({ name: 'pc' })
  await pc.ready()
  await child.close()
  assert.equal(parent.closed, true)
  assert.equal(pc.closed, true)
  assert.equal(store.closed, false)
})

test('core-open and core-close reach every view', async t => {
  const store = new Corestore(ram)
  t.after(() => store.close())
  const ns = store.namespace('events')
  const opened: string[] = []
  const closed: string[] = []
  ns.on('core-open', core => opened.push((core.key as Buffer).toString('hex')))
  store.on('core-close', core => closed.push((core.key as Buffer).toString('hex')))
  const core = store.get({ name: 'e' })
  await core.ready()
  await core.close()
  assert.deepEqual(opened, [(core.key as Buffer).toString('hex')])
  assert.deepEqual(closed, opened)
})

test('cores return promises without a callback, and keep their callback forms', async t => {
  const store = new Corestore(ram)
  t.after(() => store.close())
  const core = store.get({ name: 'p', valueEncoding: 'utf-8' })
  await core.ready()
  assert.equal(await core.append(['a', 'b', 'c']), 0)
  assert.equal(await core.get(1), 'b')
  assert.deepEqual(await core.getBatch(0, 3), ['a', 'b', 'c'])
  assert.equal(await core.head(), 'c')
  await core.update({ ifAvailable: true }).catch(() => {})
  assert.deepEqual(await core.seek(2), [2, 0])
  assert.deepEqual(await core.audit(), { valid: 3, invalid: 0 })
  assert.equal(await core.verify(2, await core.signature(2).then((s: { signature: Buffer }) => s.signature)), true)

  const viaCallback = await new Promise<unknown>((resolve, reject) => {
    const token = core.get(0, (err: Error | null, value?: unknown) => err ? reject(err) : resolve([value, token]))
  })
  assert.equal((viaCallback as [string, symbol])[0], 'a')
  assert.equal(typeof (viaCallback as [string, symbol])[1], 'symbol', 'the callback form still returns the cancel token')
  await new Promise<void>((resolve, reject) => core.append('d', err => err ? reject(err) : resolve()))
  await core.clear(0, 1)
  assert.equal(core.has(0), false)
  await core.truncate(2)
  assert.equal(core.length, 2)
  await core.close()
  assert.equal(core.closed, true)
})

test('download returns the selection, which undownload takes, and which resolves once the blocks arrive', async t => {
  const a = new Corestore(ram)
  const b = new Corestore(ram, { sparse: true })
  t.after(() => Promise.all([a.close(), b.close()]))
  const source = a.get({ name: 'd' })
  await source.append(['x', 'y', 'z'])
  connect(a.replicate(true, { live: true }), b.replicate(false, { live: true }))
  const copy = b.get(source.key as Buffer)
  await copy.update({ minLength: 3 })
  const selection = copy.download({ start: 0, end: 3 })
  await selection
  assert.equal(copy.downloaded(0, 3), 3)
  const cancelled = copy.download({ start: 0, end: 10 })
  copy.undownload(cancelled)
  assert.equal((await rejection(Promise.resolve(cancelled))).message, 'Download was cancelled')
})

test('a non-sparse core\'s own select-everything download holds no promise; a download asked for still resolves', async t => {
  const a = new Corestore(ram)
  const b = new Corestore(ram)
  t.after(() => Promise.all([a.close(), b.close()]))
  const source = a.get({ name: 'all' })
  await source.append(['x', 'y'])
  const copy = b.get(source.key as Buffer)
  await copy.ready()
  // hypercore's constructor selected every block of the (non-sparse) core and dropped the selection.
  const own = (copy as unknown as { _selections: Array<Record<string, unknown>> })._selections
  assert.equal(own.length, 1)
  assert.deepEqual([own[0]?.start, own[0]?.end], [0, -1])
  assert.equal('then' in (own[0] as object), false, 'no promise kept for the core\'s own selection')
  connect(a.replicate(true, { live: true }), b.replicate(false, { live: true }))
  const asked = copy.download({ start: 0, end: 2 })
  assert.equal(typeof (asked as unknown as PromiseLike<void>).then, 'function')
  await asked
  assert.equal(copy.downloaded(0, 2), 2)
  assert.equal(String(await copy.get(1)), 'y')
})

test('a promise nobody awaits never becomes an unhandled rejection', async t => {
  const store = new Corestore(ram)
  t.after(() => store.close())
  const source = store.get()
  await source.ready()
  const readOnly = store.get({ keyPair: undefined, key: Buffer.alloc(32, 1) })
  let unhandled = 0
  const onUnhandled = (): void => { unhandled++ }
  process.on('unhandledRejection', onUnhandled)
  t.after(() => process.removeListener('unhandledRejection', onUnhandled))
  readOnly.append('fails') // legacy code: neither callback nor await
  const err = await rejection(readOnly.append('fails too'))
  assert.ok(err instanceof Error)
  await new Promise<void>(resolve => setImmediate(resolve))
  assert.equal(unhandled, 0)
})

test('writable: false on the store or a get opens read-only, and appends fail with NOT_WRITABLE', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const store = new Corestore(dir)
  const core = store.get({ name: 'w' })
  await core.append('x')
  const key = core.key as Buffer
  await store.close()

  const readOnlyStore = new Corestore(dir, { writable: false })
  const ro = readOnlyStore.get(key)
  await ro.ready()
  assert.equal(ro.writable, false)
  assert.equal((await rejection(ro.append('y'))).code, 'NOT_WRITABLE')
  assert.equal((await ro.get(0)).toString(), 'x')
  await readOnlyStore.close()

  const perGet = new Corestore(dir)
  const roCore = perGet.get({ key, writable: false })
  assert.equal((await rejection(roCore.append('y'))).code, 'NOT_WRITABLE')
  await roCore.ready()
  assert.equal(roCore.writable, false)
  assert.equal(roCore.length, 1)
  await perGet.close()
})

test('createIfMissing: false fails with CORE_NOT_FOUND and writes nothing', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const store = new Corestore(dir)
  await store.ready()
  const missing = store.get({ key: Buffer.alloc(32, 4), createIfMissing: false })
  assert.equal((await rejection(missing.ready())).code, 'CORE_NOT_FOUND')
  const missingNamed = store.get({ name: 'nope', createIfMissing: false })
  assert.equal((await rejection(missingNamed.ready())).code, 'CORE_NOT_FOUND')
  await store.close()
  assert.deepEqual(await listFiles(dir), ['master_key'])
})

test('an exclusive handle waits until earlier exclusive handles of the core are closed', async t => {
  const store = new Corestore(ram)
  t.after(() => store.close())
  const first = store.get({ name: 'x', exclusive: true })
  await first.ready()
  await first.append('first')
  const second = store.namespace('other').get({ key: first.key as Buffer, exclusive: true })
  const order: string[] = []
  const secondReady = second.ready().then(() => order.push('second ready'))
  await new Promise<void>(resolve => setImmediate(resolve))
  order.push('first closing')
  await first.close()
  await secondReady
  assert.deepEqual(order, ['first closing', 'second ready'])
  await second.append('second')
  assert.equal(second.length, 2)
  const shared = store.get({ name: 'x' })
  assert.equal(shared.closed, false, 'closing a handle releases the lock, not the shared core')
})

test('replicate takes a raw socket with { initiator }, a Hyperswarm info, or stream.isInitiator; else NO_INITIATOR', async t => {
  const a = new Corestore(ram)
  const b = new Corestore(ram)
  t.after(() => Promise.all([a.close(), b.close()]))
  const core = a.get({ name: 'tcp', valueEncoding: 'json' })
  await core.append({ hello: 'tcp' })

  // What Hyperswarm@2 passes: its PeerInfo, whose `stream` is the raw socket itself.
  const server = net.createServer(socket => {
    const info = { client: false, type: 'tcp', stream: socket, peer: null, status: 0 }
    a.replicate(socket, info)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>(resolve => server.close(() => resolve())))
  const { port } = server.address() as net.AddressInfo
  const socket = net.connect(port, '127.0.0.1')
  t.after(() => socket.destroy())
  b.replicate(socket, { initiator: true, live: true })
  const copy = b.get({ key: core.key as Buffer, valueEncoding: 'json' })
  assert.deepEqual(await copy.get(0), { hello: 'tcp' })

  const [left, right] = duplexPair()
  Object.assign(left, { isInitiator: true })
  Object.assign(right, { isInitiator: false })
  assert.equal(a.replicate(left).initiator, true)
  assert.equal(a.replicate(right).initiator, false)
  assert.equal(thrown(() => a.replicate(duplexPair()[0])).code, 'NO_INITIATOR')
  assert.equal(thrown(() => a.replicate({ live: true })).code, 'NO_INITIATOR')
  assert.equal(a.replicate({ initiator: false, live: true }).initiator, false)
  assert.equal(a.replicate(duplexPair()[0], { client: true }).initiator, true)
})

function duplexPair (): [import('stream').Duplex, import('stream').Duplex] {
  const { PassThrough, Duplex } = require('stream') as typeof import('stream')
  const ab = new PassThrough()
  const ba = new PassThrough()
  const pair: [import('stream').Duplex, import('stream').Duplex] = [Duplex.from({ readable: ba, writable: ab }), Duplex.from({ readable: ab, writable: ba })]
  // Duplex.from aborts its halves when the store destroys the connection on close: expected here.
  for (const s of [ab, ba, ...pair]) s.on('error', () => {})
  return pair
}
