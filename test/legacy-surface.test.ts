import test from 'node:test'
import assert from 'node:assert/strict'
import Hypercore = require('hypercore')
import ram = require('random-access-memory')
import Corestore = require('../lib')
import { connect, MASTER_KEY } from './helpers/store'

/*
 * What corestore@5 clients (hyperspace@3, dat-sdk@2, hyper-sdk@3) reach without asking: `store.inner`
 * and the refpool `store.cache`. Where corestore@5.8.2 answers the same question, it is asked too.
 */

// The real corestore@5.8.2, untyped: only the members these tests compare.
interface LegacyStore {
  ready (): Promise<void>
  close (cb: (err: Error | null) => void): void
  get (opts?: unknown): LegacyCore
  inner: {
    _deriveSecret (namespace: string, name: Buffer | string): Buffer
    _generateKeyPair (name?: Buffer | string | null): { name: Buffer, publicKey: Buffer, secretKey: Buffer, discoveryKey: Buffer }
    _generateKeys (opts: unknown): { publicKey: Buffer | null, secretKey: Buffer | null, discoveryKey: Buffer, name: Buffer | null }
  }
}
interface LegacyCore {
  key: Buffer | null
  ready (cb: (err: Error | null) => void): void
}
const Corestore5 = require('corestore5') as new (storage: unknown, opts?: unknown) => LegacyStore

function closeLegacy (store: LegacyStore): Promise<void> {
  return new Promise((resolve, reject) => store.close(err => err ? reject(err) : resolve()))
}

async function bothStores (t: test.TestContext): Promise<{ ours: Corestore, theirs: LegacyStore }> {
  const ours = new Corestore(ram, { masterKey: MASTER_KEY })
  const theirs = new Corestore5(ram, { masterKey: MASTER_KEY })
  await Promise.all([ours.ready(), theirs.ready()])
  t.after(() => Promise.all([ours.close(), closeLegacy(theirs)]))
  return { ours, theirs }
}

test('inner._deriveSecret gives corestore@5.8.2\'s bytes for Hyperspace\'s namespaces and names, strings and Buffers', async t => {
  const { ours, theirs } = await bothStores(t)
  const cases: Array<[string, Buffer | string]> = [
    ['@hyperspace/server', 'replication-keypair'],
    ['@hyperspace/server', 'swarm-id'],
    ['corestore', Buffer.from('named-core')],
    ['dat-sdk', 'identity'],
    ['', ''],
    ['namespace with spaces and ü', Buffer.alloc(40, 9)]
  ]
  for (const [namespace, name] of cases) {
    const expected = theirs.inner._deriveSecret(namespace, name)
    assert.equal(ours.inner._deriveSecret(namespace, name).toString('hex'), expected.toString('hex'), `${namespace} / ${String(name)}`)
  }
  // Through every view: one inner.
  assert.equal(ours.namespace('a').inner, ours.inner)
  assert.equal(ours.session().inner, ours.inner)
})

test('inner._deriveSecret before ready fails with NOT_READY instead of deriving from no key', () => {
  const store = new Corestore(ram)
  assert.throws(() => store.inner._deriveSecret('ns', 'name'), { code: 'NOT_READY' })
  return store.close()
})

test('inner._generateKeyPair and _generateKeys answer as corestore@5.8.2 does', async t => {
  const { ours, theirs } = await bothStores(t)
  for (const name of ['default', 'a:b', Buffer.from('named-core')]) {
    const a = ours.inner._generateKeyPair(name)
    const b = theirs.inner._generateKeyPair(name)
    assert.deepEqual([a.name, a.publicKey, a.secretKey, a.discoveryKey], [b.name, b.publicKey, b.secretKey, b.discoveryKey])
  }
  const random = ours.inner._generateKeyPair(null)
  assert.equal(random.name.length, 32)
  const key = ours.inner._generateKeyPair('k').publicKey
  for (const opts of [{ key }, key, key.toString('hex'), { name: 'x' }, { default: true, name: 'y' }, { discoveryKey: Buffer.alloc(32, 3) }]) {
    const a = ours.inner._generateKeys(opts as Corestore.GetOptions)
    const b = theirs.inner._generateKeys(opts)
    assert.deepEqual(a, b)
  }
})

test('store.cache is corestore@5\'s refpool: increment keeps a core active, decrement to zero makes it passive', async t => {
  const store = new Corestore(ram, { cacheSize: 0 })
  t.after(() => store.close())
  const ns = store.namespace('session')
  const core = ns.get({ name: 'held' })
  await core.ready()
  const id = (core.discoveryKey as Buffer).toString('hex')
  assert.equal(store.cache, store.inner.cache)
  assert.equal(store.cache.has(id), true)
  assert.equal(store.cache.entry(id)?.refs, 1)
  store.cache.increment(id)
  assert.equal(store.cache.entry(id)?.refs, 2)
  assert.equal(store.isExternal({ key: core.key as Buffer }), true)

  // The view lets go; the outside reference keeps the core open.
  await ns.close()
  assert.equal(core.closed, false)
  assert.equal(store.cache.entry(id)?.refs, 1)

  // Decremented to zero, it is passive: with cacheSize 0 it is evicted as soon as the cache trims.
  const closed = new Promise<void>(resolve => core.once('close', () => resolve()))
  store.cache.decrement(id)
  await closed
  assert.equal(store.cache.has(id), false)
  assert.equal(store.isLoaded({ key: core.key as Buffer }), false)
})

test('store.cache answers refpool\'s other calls: get, get without bump, entries, size, maxSize, entry methods, delete closes', async t => {
  const store = new Corestore(ram, { cacheSize: 7 })
  t.after(() => store.close())
  const a = store.get({ name: 'a' })
  const b = store.get({ name: 'b' })
  await Promise.all([a.ready(), b.ready()])
  const idA = (a.discoveryKey as Buffer).toString('hex')
  const idB = (b.discoveryKey as Buffer).toString('hex')
  assert.equal(store.cache.maxSize, 7)
  assert.equal(store.cache.size, 2)
  assert.equal(store.cache.get(idA), a)
  assert.equal(store.cache.get(idB, false), b)
  assert.deepEqual([...store.cache.entries.keys()].sort(), [idA, idB].sort())
  const entry = store.cache.entry(idA)
  assert.ok(entry !== undefined)
  assert.equal(entry.key, idA)
  assert.equal(entry.value, a)
  entry.increment()
  assert.equal(entry.refs, 2, 'an entry is a live view')
  entry.decrement()
  assert.equal(entry.refs, 1)
  assert.equal(store.cache.get('0'.repeat(64)), undefined)
  assert.equal(store.cache.entry('0'.repeat(64)), undefined)

  const closed = new Promise<void>(resolve => b.once('close', () => resolve()))
  store.cache.delete(idB)
  await closed
  assert.equal(store.cache.has(idB), false)
  // A later get opens it afresh.
  const again = store.get({ name: 'b' })
  assert.notEqual(again, b)
  await again.ready()
  assert.equal(again.writable, true)
})

test('a core made outside the store and handed in as the SDKs do is listed, announced and replicated on open and later streams', async t => {
  const a = new Corestore(ram)
  const b = new Corestore(ram)
  t.after(() => Promise.all([a.close(), b.close()]))
  await Promise.all([a.ready(), b.ready()])

  // An open stream before the core exists.
  const early = b.get({ name: 'unrelated' })
  await early.ready()
  const first = connect(a.replicate(true, { live: true }), b.replicate(false, { live: true }))

  const memory = new Hypercore(ram)
  await new Promise<void>((resolve, reject) => memory.append('from outside', (err: Error | null) => err ? reject(err) : resolve()))
  const id = (memory.discoveryKey as Buffer).toString('hex')
  const fed = new Promise<unknown>(resolve => a.once('feed', resolve))
  a.inner.cache.set(id, memory)
  a.inner._injectIntoReplicationStreams(memory)
  a.inner.emit('feed', memory as Corestore.Core, undefined)
  assert.equal(await fed, memory)
  assert.equal(a.list().get(id), memory)
  assert.equal(a.get({ key: memory.key as Buffer }), memory, 'get by key hands out the cached core')

  const copy = b.get({ key: memory.key as Buffer })
  assert.equal((await copy.get(0)).toString(), 'from outside')

  // A store that connects later gets it too.
  const c = new Corestore(ram)
  t.after(() => c.close())
  const second = connect(a.replicate(false, { live: true }), c.replicate(true, { live: true }))
  const copy2 = c.get({ key: memory.key as Buffer })
  assert.equal((await copy2.get(0)).toString(), 'from outside')

  // Closed outside the store, then dropped from the cache as the SDKs do.
  await new Promise<void>(resolve => memory.close(() => resolve()))
  a.inner.cache.delete(id)
  assert.equal(a.cache.has(id), false)
  assert.equal(a.isLoaded({ key: memory.key as Buffer }), false)
  await Promise.all([a.close(), b.close(), c.close()])
  await Promise.all([first.ended, second.ended])
})

test('falsy key, name and discoveryKey count as absent, as in corestore@5; wrong values still fail', async t => {
  const store = new Corestore(ram)
  t.after(() => store.close())
  await store.ready()
  const named = store.get({ name: 'kept' })
  await named.ready()
  // Hyperspace sends an absent name as '' next to a key.
  assert.equal(store.get({ key: named.key as Buffer, name: '' }), named)
  assert.equal(store.get({ key: named.key as Buffer, name: null }), named)
  for (const opts of [{ name: '' }, { key: '' }, { key: null, name: '' }, { discoveryKey: '' }, { key: 0 }]) {
    const fresh = store.get(opts as Corestore.GetOptions)
    await fresh.ready()
    assert.equal(fresh.writable, true, `${JSON.stringify(opts)}: a new writable core`)
    assert.notEqual(fresh, named)
  }
  assert.throws(() => store.get({ key: Buffer.alloc(31) }), { code: 'INVALID_KEY' })
  assert.throws(() => store.get({ name: Buffer.alloc(0) }), { code: 'INVALID_NAME' })
  assert.throws(() => store.get({ discoveryKey: 'zz' }), { code: 'INVALID_KEY' })
  // default(Buffer) is the core of that key; namespace() with no (or an empty) name is a random namespace.
  assert.equal(store.default(named.key as Buffer), named)
  assert.notEqual(store.namespace().name, store.namespace().name)
  assert.notEqual(store.namespace('').name, 'default')
})

test('get({ key, secretKey }) opens the core writable, as corestore@5 handed secretKey to hypercore', async t => {
  const writer = new Corestore(ram)
  t.after(() => writer.close())
  const original = writer.get()
  await original.ready()
  const store = new Corestore(ram)
  t.after(() => store.close())
  const core = store.get({ key: original.key as Buffer, secretKey: original.secretKey as Buffer })
  await core.ready()
  assert.equal(core.writable, true)
  await core.append('signed')
  assert.throws(() => store.get({ key: original.key as Buffer, secretKey: Buffer.alloc(64) }), { code: 'INVALID_KEY' })
})

test('inner.get loads a core passively and inner.isLoaded / isExternal tell it from a held one', async t => {
  const store = new Corestore(ram)
  t.after(() => store.close())
  await store.ready()
  const passive = store.inner.get({ name: 'passive' })
  await new Promise<void>((resolve, reject) => passive.ready((err: Error | null) => err ? reject(err) : resolve()))
  assert.equal(store.inner.isLoaded({ name: 'passive' }), true)
  assert.equal(store.inner.isExternal({ name: 'passive' }), false)
  assert.equal(store.get({ name: 'passive' }), passive, 'a view then holds the same instance')
  assert.equal(store.inner.isExternal({ name: 'passive' }), true)
  await new Promise<void>((resolve, reject) => store.inner._checkIfExists(passive.discoveryKey as Buffer, (err, exists) => {
    if (err) return reject(err)
    assert.equal(exists, true)
    resolve()
  }))
  await new Promise<void>((resolve, reject) => store.inner._checkIfExists(Buffer.alloc(32, 5).toString('hex'), (err, exists) => {
    if (err) return reject(err)
    assert.equal(exists, false)
    resolve()
  }))
  assert.equal(typeof store.inner.storage, 'function')
  assert.equal(store.inner._masterKey, store.primaryKey)
  assert.equal(store.inner.opts.cacheSize, undefined)
})
