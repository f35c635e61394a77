import test from 'node:test'
import assert from 'node:assert/strict'
import ram = require('random-access-memory')
import RandomAccessStorage = require('random-access-storage')
import type { Core } from '../lib/core'
import type { Feed } from '../lib/hypercore9'
import { deriveKeyPair, discoveryKey, toHex } from '../lib/keys'
import { coreFile } from '../lib/storage/layout'
import { StoreRoot } from '../lib/root'
import type { StoreOptions } from '../lib/root'
import { childView, parseGetRequest, rootView } from '../lib/view'
import type { CoreRequest } from '../lib/view'
import { MASTER_KEY, thrown } from './helpers/store'

/** Tests that wait on events: a missing event fails the test instead of hanging the run. */
const WAITS = { timeout: 10_000 }
const view = rootView({})
const request = (opts: unknown): CoreRequest => parseGetRequest(view, opts)

/** What a test may watch or hold up in a storage's files. */
interface StorageHooks {
  /** Called with every file name the store opens. */
  onOpen?: (name: string) => void
  /** While it returns a promise, closing a file waits for it. */
  beforeClose?: (name: string) => Promise<void> | null
}

/**
 * A storage function over memory whose files outlive the handles opened on them: every open gets a
 * fresh handle (a closed random-access-storage never reads again) over the same bytes.
 */
function sharedStorage (hooks: StorageHooks = {}): { storage: (name: string) => RandomAccessStorage, files: Map<string, RandomAccessStorage>, opened: string[], handles: RandomAccessStorage[] } {
  const files = new Map<string, RandomAccessStorage>()
  const opened: string[] = []
  const handles: RandomAccessStorage[] = []
  const storage = (name: string): RandomAccessStorage => {
    opened.push(name)
    hooks.onOpen?.(name)
    const file = files.get(name) ?? files.set(name, ram()).get(name) as RandomAccessStorage
    const handle = new RandomAccessStorage({
      read: req => file.read(req.offset, req.size, (err, buf) => req.callback(err, buf)),
      write: req => file.write(req.offset, req.data as Buffer, err => req.callback(err)),
      del: req => file.del(req.offset, req.size, err => req.callback(err)),
      stat: req => file.stat((err, st) => req.callback(err, st)),
      close: req => {
        const wait = hooks.beforeClose?.(name) ?? null
        if (wait === null) return req.callback(null)
        wait.then(() => req.callback(null), err => req.callback(err))
      }
    })
    handles.push(handle)
    return handle
  }
  return { storage, files, opened, handles }
}

function rootOn (opts: StoreOptions = {}, hooks?: StorageHooks): { root: StoreRoot, files: Map<string, RandomAccessStorage>, opened: string[] } {
  const { storage, files, opened } = sharedStorage(hooks)
  return { root: new StoreRoot(storage, opts), files, opened }
}

/** Runs whatever can settle before the next macrotask (no timer): enough for a core to start opening. */
function drain (): Promise<void> {
  return new Promise(resolve => setImmediate(resolve))
}

/** Resolves once the core has closed (at once when it already has). */
function closedEvent (core: Feed): Promise<void> {
  return new Promise(resolve => {
    if (core.closed) return resolve()
    core.once('close', () => resolve())
  })
}

/** Read through a function: TypeScript would keep an earlier `assert.equal(root.masterKey, null)` narrowing. */
function masterKeyOf (root: StoreRoot): Buffer | null {
  return root.masterKey
}

function openForPeer (root: StoreRoot, dkey: Buffer): Promise<{ core: Feed | null, settled: (attached: boolean) => void }> {
  return new Promise(resolve => root.serving.openForPeer(dkey, (core, settled) => resolve({ core, settled })))
}

test('open() loads or creates the master key once and hands every caller the same promise', WAITS, async () => {
  const { root, files, opened } = rootOn()
  assert.equal(root.masterKey, null, 'no master key before open')
  assert.equal(root.opened, false)
  const first = root.open()
  assert.equal(root.open(), first)
  await first
  assert.equal(root.opened, true)
  const key = masterKeyOf(root)
  assert.ok(key !== null && key.length === 32)
  assert.deepEqual(opened.filter(name => name === 'master_key'), ['master_key'], 'the master_key file is opened once')
  assert.deepEqual((files.get('master_key') as unknown as { toBuffer (): Buffer }).toBuffer(), key, 'the new key is stored')
  await root.open()
  assert.equal(root.masterKey, key, 'a later open() keeps the key')
  await root.close()
})

test('a store reopened on the same storage loads the stored master key', WAITS, async () => {
  const { storage } = sharedStorage()
  const first = new StoreRoot(storage, {})
  await first.open()
  await first.close()
  const second = new StoreRoot(storage, {})
  await second.open()
  assert.deepEqual(second.masterKey, first.masterKey)
  await second.close()
})

test('a master key given as an option is used as it is, without reading storage', WAITS, async () => {
  const { root, opened } = rootOn({ masterKey: MASTER_KEY })
  assert.deepEqual(root.masterKey, MASTER_KEY)
  await root.open()
  assert.deepEqual(opened, [])
  await root.close()
})

test('two holders acquiring the same name get the same core, which counts two references', WAITS, async () => {
  const { root } = rootOn()
  await root.open()
  const a = {}
  const b = {}
  const first = root.acquire(request({ name: 'shared' }), a)
  const second = root.acquire(request({ name: 'shared' }), b)
  assert.equal(second.core, first.core)
  const expected = toHex(discoveryKey(deriveKeyPair(root.masterKey as Buffer, Buffer.from('shared')).publicKey))
  assert.equal(first.id, expected)
  assert.equal(second.id, expected)
  assert.equal(root.references(request({ name: 'shared' })), 2)
  assert.equal(root.acquire(request({ name: 'shared' }), a).core, first.core, 'the same holder again')
  assert.equal(root.references(request({ name: 'shared' })), 2, 'a holder counts once')
  assert.notEqual(root.acquire(request({ name: 'other' }), a).core, first.core)
  await root.close()
})

test('a name in a namespace is another core than the same name at the root', WAITS, async () => {
  const { root } = rootOn()
  await root.open()
  const holder = {}
  const atRoot = root.acquire(request({ name: 'x' }), holder)
  const inNamespace = root.acquire(parseGetRequest(childView(view, { namespace: 'ns' }), { name: 'x' }), holder)
  assert.notEqual(inNamespace.core, atRoot.core)
  assert.notEqual(inNamespace.id, atRoot.id)
  await root.close()
})

test('a release by one holder keeps the core open; the last release closes it and forgets it', WAITS, async () => {
  const { root } = rootOn()
  await root.open()
  const a = {}
  const b = {}
  const { core, id } = root.acquire(request({ name: 'x' }), a)
  root.acquire(request({ name: 'x' }), b)
  await core.ready()
  const closed = closedEvent(core)

  await root.release(a, [id as string])
  assert.equal(core.closed, false)
  assert.equal(core.closing, false)
  assert.equal(root.lookup(request({ name: 'x' })), core)
  assert.equal(root.references(request({ name: 'x' })), 1)

  await root.release(b, [id as string])
  await closed
  assert.equal(core.closed, true)
  assert.equal(root.lookup(request({ name: 'x' })), undefined)
  assert.equal(root.references(request({ name: 'x' })), 0)
  await root.close()
})

test('a name asked for before open() waits without an id, then is filed under its discovery key and held', WAITS, async () => {
  const { root } = rootOn()
  const holder = {}
  const byName = request({ name: 'early' })
  const { core, id } = root.acquire(byName, holder)
  assert.equal(id, null)
  assert.equal(root.lookup(byName), core, 'found by name while it waits')
  assert.equal(root.references(byName), 0, 'nothing can be counted before the discovery key is known')

  await root.open()
  await core.ready()
  const dkey = discoveryKey(deriveKeyPair(root.masterKey as Buffer, Buffer.from('early')).publicKey)
  assert.deepEqual(core.discoveryKey, dkey)
  assert.equal(core.storeId, toHex(dkey))
  assert.equal(root.lookup(request({ discoveryKey: dkey })), core)
  assert.equal(root.lookup(byName), core)
  assert.equal(root.references(byName), 1, 'the holder that asked holds it')
  assert.equal(root.acquire(request({ name: 'early' }), {}).core, core, 'a later acquire finds the same core')
  await root.close()
})

test('a holder that released a waiting name before open() does not hold it afterwards', WAITS, async () => {
  const { root } = rootOn()
  const holder = {}
  const { core } = root.acquire(request({ name: 'early' }), holder)
  await root.release(holder, [])
  await root.open()
  await core.ready()
  assert.equal(root.references(request({ name: 'early' })), 0)
  assert.equal(root.lookup(request({ name: 'early' })), core, 'kept as a passive core')
  await root.close()
})

test('a waiting name nobody holds any more is closed after open() when no passive cores may stay', WAITS, async () => {
  const { root } = rootOn({ cacheSize: 0 })
  const holder = {}
  const { core } = root.acquire(request({ name: 'early' }), holder)
  const closed = closedEvent(core)
  await root.release(holder, [])
  await root.open()
  await closed
  assert.equal(root.lookup(request({ name: 'early' })), undefined)
  await root.close()
})

test('acquire after close() throws STORE_CLOSED', WAITS, async () => {
  const { root } = rootOn()
  await root.open()
  assert.equal(root.closed, false)
  await root.close()
  assert.equal(root.closed, true)
  const err = thrown(() => root.acquire(request({ name: 'x' }), {}))
  assert.equal(err.code, 'STORE_CLOSED')
})

test('close() closes every loaded core, and every later call gets the same promise', WAITS, async () => {
  const { root } = rootOn()
  const holder = {}
  const early = root.acquire(request({ name: 'before-open' }), holder).core
  await root.open()
  const named = root.acquire(request({ name: 'a' }), holder).core
  const pair = deriveKeyPair(MASTER_KEY, Buffer.from('pair'))
  const byPair = root.acquire(request({ keyPair: pair }), holder).core
  await Promise.all([named.ready(), byPair.ready()])

  const closing = root.close()
  assert.equal(root.close(), closing)
  await closing
  assert.equal(named.closed, true)
  assert.equal(byPair.closed, true)
  assert.equal(early.closed, true, 'asked for before open(), filed after it')
  assert.equal(root.cache.size, 0)
  await root.close()
})

test('close() before open() closes the cores still waiting for the master key', WAITS, async () => {
  const { root } = rootOn()
  const { core, id } = root.acquire(request({ name: 'never-opened' }), {})
  assert.equal(id, null)
  await root.close()
  assert.equal(core.closed, true)
  assert.equal(root.lookup(request({ name: 'never-opened' })), undefined)
})

test("'feed' is emitted once per core with the caller's options, 'core-open' when it opened, 'core-close' when it closed", WAITS, async () => {
  const { root } = rootOn()
  await root.open()
  const events: Array<[string, Core, unknown?]> = []
  root.on('feed', (core, opts) => events.push(['feed', core, opts]))
  root.on('core-open', core => events.push(['core-open', core]))
  root.on('core-close', core => events.push(['core-close', core]))

  const opts = { name: 'evented', valueEncoding: 'utf-8' }
  const a = {}
  const b = {}
  const { core, id } = root.acquire(request(opts), a)
  root.acquire(request({ name: 'evented' }), b)
  assert.deepEqual(events, [], 'nothing before the core opened')
  await core.ready()
  assert.deepEqual(events, [['feed', core, opts], ['core-open', core]])
  assert.equal(events[0]?.[2], opts, 'the very object the caller passed')

  const closed = closedEvent(core)
  await root.release(a, [id as string])
  await root.release(b, [id as string])
  await closed
  assert.deepEqual(events, [['feed', core, opts], ['core-open', core], ['core-close', core]])
  await root.close()
})

test('a core that failed to open emits neither feed nor core-open, and is forgotten', WAITS, async () => {
  const { root } = rootOn()
  await root.open()
  const events: string[] = []
  root.on('feed', () => events.push('feed'))
  root.on('core-open', () => events.push('core-open'))
  root.on('core-close', () => events.push('core-close'))
  const missing = request({ key: deriveKeyPair(MASTER_KEY, Buffer.from('absent')).publicKey, createIfMissing: false })
  const { core } = root.acquire(missing, {})
  await assert.rejects(core.ready(), { code: 'CORE_NOT_FOUND' })
  assert.deepEqual(events, [])
  assert.equal(root.lookup(missing), undefined)
  await root.close()
  assert.deepEqual(events, [])
})

test('a core still closing after its release is not handed out again: the new instance opens after the old closed', WAITS, async () => {
  const order: string[] = []
  let watched: string | null = null
  // Holds the old instance's tree file open until the test lets it close.
  let letClose: () => void = () => {}
  const closeHeld = new Promise<void>(resolve => { letClose = resolve })
  const { root } = rootOn({}, {
    onOpen: name => { if (name === watched) order.push('key file opened') },
    beforeClose: name => {
      if (watched === null || !name.endsWith('/tree')) return null
      order.push('old tree closing')
      return closeHeld
    }
  })
  await root.open()
  const a = {}
  const { core: old, id } = root.acquire(request({ name: 'reborn' }), a)
  await old.ready()
  await old.append(Buffer.from('written before release'))

  watched = coreFile(id as string, 'key')
  old.once('close', () => order.push('old closed'))
  const released = root.release(a, [id as string])
  assert.equal(root.lookup(request({ name: 'reborn' })), undefined, 'forgotten as soon as it is released')

  const b = {}
  const { core: current } = root.acquire(request({ name: 'reborn' }), b)
  assert.notEqual(current, old)
  current.once('ready', () => order.push('new ready'))
  await drain()
  assert.deepEqual(order, ['old tree closing'], 'the new instance reads nothing while the old one is closing')
  letClose()
  await current.ready()
  await released
  assert.deepEqual(order, ['old tree closing', 'old closed', 'key file opened', 'new ready'])
  assert.equal(current.length, 1)
  assert.deepEqual(await current.get(0), Buffer.from('written before release'))
  assert.equal(root.lookup(request({ name: 'reborn' })), current)
  await root.close()
})

/** A named core appended to and released, so that it is only on storage. */
async function storedCore (root: StoreRoot, name: string): Promise<{ dkey: Buffer, publicKey: Buffer }> {
  const holder = {}
  const { core, id } = root.acquire(request({ name }), holder)
  await core.ready()
  await core.append(Buffer.from('stored'))
  await root.release(holder, [id as string])
  assert.equal(core.closed, true)
  return { dkey: core.discoveryKey as Buffer, publicKey: core.key as Buffer }
}

test('openForPeer answers null for a discovery key the store does not have', WAITS, async () => {
  const { root } = rootOn()
  await root.open()
  const { core, settled } = await openForPeer(root, discoveryKey(deriveKeyPair(MASTER_KEY, Buffer.from('unknown')).publicKey))
  assert.equal(core, null)
  settled(false)
  assert.equal(root.cache.size, 0)
  await root.close()
})

test('openForPeer loads a core that is only on storage, passively', WAITS, async () => {
  const { root } = rootOn()
  await root.open()
  const { dkey, publicKey } = await storedCore(root, 'stored')
  assert.equal(root.lookup(request({ discoveryKey: dkey })), undefined, 'not loaded any more')

  const { core, settled } = await openForPeer(root, dkey)
  assert.ok(core !== null)
  await core.ready()
  assert.deepEqual(core.key, publicKey)
  assert.equal(core.length, 1)
  assert.deepEqual(await core.get(0), Buffer.from('stored'))
  assert.equal(root.lookup(request({ discoveryKey: dkey })), core)
  assert.equal(root.references(request({ discoveryKey: dkey })), 0, 'nobody holds it')
  settled(true)
  assert.equal(root.lookup(request({ discoveryKey: dkey })), core, 'below cacheSize a core its peer uses stays loaded')
  await root.close()
  assert.equal(core.closed, true)
})

test('openForPeer hands out the loaded instance of a core a view holds', WAITS, async () => {
  const { root } = rootOn()
  await root.open()
  const { core } = root.acquire(request({ name: 'held' }), {})
  await core.ready()
  const answer = await openForPeer(root, core.discoveryKey as Buffer)
  assert.equal(answer.core, core)
  answer.settled(false)
  assert.equal(core.closed, false, 'a core a view holds stays, whatever the peer did')
  await root.close()
})

test('a passive core awaiting its peer is kept beyond cacheSize, and evicted once settled', WAITS, async () => {
  const { root } = rootOn({ cacheSize: 0 })
  await root.open()
  const { dkey } = await storedCore(root, 'passive')

  const { core, settled } = await openForPeer(root, dkey)
  assert.ok(core !== null)
  await core.ready()
  assert.equal(root.cache.has(toHex(dkey)), true, 'kept while the peer waits for it')
  assert.equal(core.closing || core.closed, false)

  const closed = closedEvent(core)
  settled(true)
  await closed
  assert.equal(root.cache.has(toHex(dkey)), false)
  assert.equal(root.lookup(request({ discoveryKey: dkey })), undefined)
  await root.close()
})

test('openForPeer after close() answers null', WAITS, async () => {
  const { root } = rootOn()
  await root.open()
  const { dkey } = await storedCore(root, 'stored')
  await root.close()
  const { core } = await openForPeer(root, dkey)
  assert.equal(core, null)
})

// A name asked for before open() has no discovery key yet, so a request for the same core by key,
// also before open(), makes another instance. Two instances must never both use the files: the one by
// key is the store's, and the one by name fails with CORE_CONFLICT without reading a file.
test('a name and its key asked for before open(): the instance by key is the store\'s, the one by name fails with CORE_CONFLICT', { ...WAITS }, async () => {
  const { storage } = sharedStorage()
  const first = new StoreRoot(storage, {})
  await first.open()
  const { dkey, publicKey } = await storedCore(first, 'twice')
  await first.close()

  const root = new StoreRoot(storage, {})
  const holder = {}
  const byName = root.acquire(request({ name: 'twice' }), holder).core
  const byKey = root.acquire(request({ key: publicKey }), holder).core
  await root.open()
  await assert.rejects(byName.ready(), { code: 'CORE_CONFLICT' })
  await byKey.ready()
  assert.deepEqual(byKey.discoveryKey, dkey)
  assert.equal(root.lookup(request({ name: 'twice' })), byKey, 'after open the name finds the store\'s instance')
  assert.equal(root.acquire(request({ name: 'twice' }), holder).core, byKey)
  await root.close()
  assert.ok(byKey.closed, 'close() closed the store\'s instance')
})

// A core that fails to open has read its key and name files: none of them may stay open.
test('a core that failed to open leaves none of its files open', { ...WAITS }, async () => {
  const { storage, handles } = sharedStorage()
  const first = new StoreRoot(storage, { masterKey: MASTER_KEY })
  const { dkey } = await storedCore(first, 'elsewhere')
  await first.close()

  const root = new StoreRoot(storage, { masterKey: Buffer.alloc(32, 8) })
  await root.open()
  const { core } = root.acquire(request({ discoveryKey: dkey }), {})
  await assert.rejects(core.ready(), { code: 'KEY_MISMATCH' })
  await root.close()
  assert.equal(handles.filter(handle => handle.opened && !handle.closed).length, 0)
})

test('a passive core whose peer did not attach (capability check failed, or it left) closes at once, below cacheSize too', WAITS, async () => {
  const { root } = rootOn()
  await root.open()
  const { dkey } = await storedCore(root, 'forged')
  const { core, settled } = await openForPeer(root, dkey)
  assert.ok(core !== null)
  await core.ready()
  const closed = closedEvent(core)
  settled(false)
  await closed
  assert.equal(root.cache.has(toHex(dkey)), false)
  await root.close()
})
