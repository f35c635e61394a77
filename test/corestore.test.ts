import test from 'node:test'
import assert from 'node:assert/strict'
import z32 = require('z32')
import ram = require('random-access-memory')
import Corestore = require('../lib')
import { MASTER_KEY, thrown, tmpdir } from './helpers/store'

test('require returns the class itself, so it can stand in for corestore', () => {
  const exported: unknown = require('../lib')
  assert.equal(exported, Corestore)
  assert.equal(typeof exported, 'function')
  assert.ok(new Corestore(ram) instanceof Corestore)
})

test('every form of get for one core returns the same instance', async t => {
  const store = new Corestore(ram)
  t.after(() => store.close())
  const core = store.default()
  await core.ready()
  const key = core.key as Buffer
  const same = [
    store.get(key),
    store.get(key.toString('hex')),
    store.get(z32.encode(key)),
    store.get({ key }),
    store.get({ key: key.toString('hex') }),
    store.get({ discoveryKey: core.discoveryKey as Buffer }),
    store.get({ discoveryKey: (core.discoveryKey as Buffer).toString('hex') }),
    store.get({ keyPair: { publicKey: key, secretKey: core.secretKey as Buffer } }),
    store.get({ name: 'default' }),
    store.default(key)
  ]
  for (const other of same) assert.equal(other, core)
})

test('get without a key or name creates a new writable core each time', async t => {
  const store = new Corestore(ram)
  t.after(() => store.close())
  const a = store.get()
  const b = store.get()
  await Promise.all([a.ready(), b.ready()])
  assert.notEqual(a, b)
  assert.ok(!(a.key as Buffer).equals(b.key as Buffer))
  assert.equal(a.writable, true)
})

test('store options reach every core, get options override them', async t => {
  const store = new Corestore(ram, { valueEncoding: 'json', sparse: true })
  t.after(() => store.close())
  const core = store.default()
  await core.append({ hello: 'world' })
  assert.deepEqual(await core.get(0), { hello: 'world' })
  assert.equal(core.sparse, true)
  const utf8 = store.get({ name: 'text', valueEncoding: 'utf-8' })
  await utf8.append('plain')
  assert.equal(await utf8.get(0), 'plain')
})

test('namespaces derive separate default cores, nested names join with a colon, Buffer names become hex', async t => {
  const store = new Corestore(ram, { masterKey: MASTER_KEY })
  t.after(() => store.close())
  const a = store.namespace('a').default()
  const ab = store.namespace('a').namespace('b').default()
  const abFlat = store.namespace('a:b').default()
  const buf = store.namespace(Buffer.from('beef', 'hex')).default()
  const bufByHex = store.namespace('beef').default()
  await Promise.all([a.ready(), ab.ready(), buf.ready()])
  assert.equal(a.key?.toString('hex'), 'd3b0534e8b97e25fe6175c87efb4ec489bf2199f785955defd47e4e6350fcb78')
  assert.equal(ab.key?.toString('hex'), '3fbad90c11a29a2f1986a214d0fdb1183f0026bd5b062bceae4958471a3e47e8')
  assert.equal(abFlat, ab)
  assert.equal(buf, bufByHex)
  const r1 = store.namespace()
  const r2 = store.namespace()
  assert.notEqual(r1.name, r2.name)
  assert.match(r1.name, /^[0-9a-f]{64}$/)
})

test('list shows the cores each view opened; isLoaded and isExternal tell what is in memory', async t => {
  const store = new Corestore(ram)
  t.after(() => store.close())
  const ns = store.namespace('ns')
  const rootCore = store.default()
  const nsCore = ns.default()
  await Promise.all([rootCore.ready(), nsCore.ready()])
  assert.deepEqual([...store.list().keys()], [(rootCore.discoveryKey as Buffer).toString('hex')])
  assert.deepEqual([...ns.list().values()], [nsCore])
  assert.equal(store.isLoaded({ key: nsCore.key as Buffer }), true)
  assert.equal(store.isLoaded({ discoveryKey: nsCore.discoveryKey as Buffer }), true)
  assert.equal(store.isLoaded({ key: Buffer.alloc(32, 3) }), false)
  assert.equal(store.isExternal({ key: nsCore.key as Buffer }), true)
  assert.equal(store.cache.entry((nsCore.discoveryKey as Buffer).toString('hex'))?.refs, 1)
  assert.equal(store.isExternal({ key: Buffer.alloc(32, 3) }), false)
})

test('a namespace view closes only the cores it opened and no other view holds', async t => {
  const store = new Corestore(ram)
  t.after(() => store.close())
  const ns = store.namespace('ns')
  const shared = ns.default()
  const own = ns.get({ name: 'own' })
  await Promise.all([shared.ready(), own.ready()])
  assert.equal(store.get(shared.key as Buffer), shared)
  assert.equal(store.cache.entry((shared.discoveryKey as Buffer).toString('hex'))?.refs, 2)

  await ns.close()
  assert.equal(own.closed, true, 'a core only the namespace held is closed')
  assert.equal(shared.closed, false, 'a core the root also holds stays open')
  assert.equal(store.cache.entry((shared.discoveryKey as Buffer).toString('hex'))?.refs, 1)
  assert.equal(store.isLoaded({ key: own.key as Buffer }), false)
  assert.equal(thrown(() => ns.get()).code, 'STORE_CLOSED')
  await shared.append('still works')
})

test('the feed event fires once per loaded core with the get options, on every view', async t => {
  const store = new Corestore(ram)
  t.after(() => store.close())
  const ns = store.namespace('x')
  const seen: Array<[Corestore.Core, unknown]> = []
  const seenByNs: Corestore.Core[] = []
  store.on('feed', (core, opts) => seen.push([core, opts]))
  ns.on('feed', core => seenByNs.push(core))
  const opts = { name: 'one' }
  const core = store.get(opts)
  await core.ready()
  store.get(opts)
  await store.get(core.key as Buffer).ready()
  assert.equal(seen.length, 1)
  assert.equal(seen[0]?.[0], core)
  assert.equal(seen[0]?.[1], opts)
  assert.deepEqual(seenByNs, [core])
})

test('ready and close take a callback or return a promise', async () => {
  const store = new Corestore(ram)
  await new Promise<void>((resolve, reject) => store.ready(err => err ? reject(err) : resolve()))
  assert.equal(store.opened, true)
  const core = store.default()
  await new Promise<void>((resolve, reject) => core.ready(err => err ? reject(err) : resolve()))
  await new Promise<void>((resolve, reject) => store.close(err => err ? reject(err) : resolve()))
  assert.equal(core.closed, true)
  await store.close()
})

test('after close, get, namespace and replicate throw STORE_CLOSED', async () => {
  const store = new Corestore(ram)
  await store.ready()
  await store.close()
  assert.equal(thrown(() => store.get()).code, 'STORE_CLOSED')
  assert.equal(thrown(() => store.default()).code, 'STORE_CLOSED')
  assert.equal(thrown(() => store.namespace('a')).code, 'STORE_CLOSED')
  assert.equal(thrown(() => store.replicate(true)).code, 'STORE_CLOSED')
})

test('get works before ready: named cores get their keys once the master key is loaded', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const store = new Corestore(dir)
  const core = store.default()
  const again = store.default()
  const ns = store.namespace('n').default()
  assert.equal(core, again)
  assert.equal(core.key === null, true, 'no key before the master key is loaded')
  await core.append('early')
  await ns.ready()
  assert.equal(core.writable, true)
  assert.equal(store.get(core.key as Buffer), core)
  assert.equal(store.list().size, 1)
  assert.equal(store.cache.entry((core.discoveryKey as Buffer).toString('hex'))?.refs, 1)
  await store.close()

  const reopened = new Corestore(dir)
  const back = reopened.default()
  await back.ready()
  assert.ok(back.key?.equals(core.key as Buffer))
  assert.equal((await back.get(0)).toString(), 'early')
  await reopened.close()
})

test('derived cores stay writable when reopened by key or by discovery key', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const store = new Corestore(dir)
  const cores = [store.default(), store.get({ name: 'n' }), store.namespace('x').default(), store.get()]
  for (const core of cores) await core.append('one')
  const keys = cores.map(c => ({ key: c.key as Buffer, discoveryKey: c.discoveryKey as Buffer }))
  await store.close()

  const byKey = new Corestore(dir)
  for (const { key } of keys) {
    const core = byKey.get(key)
    await core.append('two')
    assert.equal(core.writable, true)
    assert.equal(core.length, 2)
  }
  await byKey.close()

  const byDiscoveryKey = new Corestore(dir)
  for (const { key, discoveryKey } of keys) {
    const core = byDiscoveryKey.get({ discoveryKey })
    await core.ready()
    assert.ok(core.key?.equals(key))
    assert.equal(core.writable, true)
    assert.equal(core.length, 2)
  }
  await byDiscoveryKey.close()
})

test('a core opened by the key of another store is read-only and appends fail', async t => {
  const other = new Corestore(ram)
  const store = new Corestore(ram)
  t.after(() => Promise.all([other.close(), store.close()]))
  const remote = other.default()
  await remote.ready()
  const local = store.get(remote.key as Buffer)
  await local.ready()
  assert.equal(local.writable, false)
  await assert.rejects(local.append('x'))
})

test('storedCores lists the cores on disk, loaded or not, and a namespace lists its own', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const store = new Corestore(dir)
  const rootCore = store.default()
  const nsDefault = store.namespace('ns').default()
  const nsNamed = store.namespace('ns').get({ name: 'x' })
  await Promise.all([rootCore.ready(), nsDefault.ready(), nsNamed.ready()])
  await store.close()

  const reopened = new Corestore(dir)
  t.after(() => reopened.close())
  const hex = (cores: Corestore.Core[]): string[] => cores.map(c => (c.discoveryKey as Buffer).toString('hex')).sort()
  const all: string[] = []
  for await (const dkey of reopened.storedCores()) all.push(dkey.toString('hex'))
  assert.deepEqual(all.sort(), hex([rootCore, nsDefault, nsNamed]))
  assert.equal(reopened.list().size, 0, 'listing loads nothing')
  const inNs: string[] = []
  for await (const dkey of reopened.namespace('ns').storedCores()) inNs.push(dkey.toString('hex'))
  assert.deepEqual(inNs.sort(), hex([nsDefault, nsNamed]))
})

test('default() with a null key or key pair is the default core, as Hyperdrive v10 calls it', async t => {
  const store = new Corestore(ram, { masterKey: MASTER_KEY })
  t.after(() => store.close())
  const ns = store.namespace('a')
  const core = ns.default({ key: null, keyPair: undefined, sparse: true } as unknown as Corestore.GetOptions)
  await core.ready()
  assert.equal(core, ns.default())
  assert.equal(core.key?.toString('hex'), 'd3b0534e8b97e25fe6175c87efb4ec489bf2199f785955defd47e4e6350fcb78')
})
