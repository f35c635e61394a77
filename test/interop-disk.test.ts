// Storage folders shared with the real corestore@5.8.2, in both directions, and the exact file layout.
import test from 'node:test'
import assert from 'node:assert/strict'
import fs = require('fs')
import path = require('path')
import ram = require('random-access-memory')
import {
  append, block, blocks, connect, CORESTORE_5, CORESTORE_TS, coreDir, crypto, DIRECTIONS, DISK_STORAGES,
  discoveryKeyOf, keyOf, listFiles, MASTER_KEY, ready, rejection, Resources
} from './helpers/interop'
import type { DiskStorage, Feed, KeyPair, Package, StorageFunction, Store } from './helpers/interop'

const TIMEOUT = { timeout: 30_000 }

/** DESIGN.md's test vectors: master key = 32 bytes of 0x07. */
const VECTORS = {
  default: {
    publicKey: 'a0ceace51ea4c4e5c347f57f39f068c02be2fbb43832a98f22a2b9fbace15e9b',
    discoveryKey: '7e0360c21d822b848c7a981b0a0c5441045960c44cf0dd33bea11a7c33a945ff'
  },
  a: {
    publicKey: 'd3b0534e8b97e25fe6175c87efb4ec489bf2199f785955defd47e4e6350fcb78',
    discoveryKey: 'a7e346f47126f1d97a4572ade94bda42ee54e2dbbe0943edc951c15779cfa3f4'
  },
  'a:b': {
    publicKey: '3fbad90c11a29a2f1986a214d0fdb1183f0026bd5b062bceae4958471a3e47e8',
    discoveryKey: '19af1b5a4b716a6327d44ee9b920359a3f5cf5e097d242f3e8fc293a784983c4'
  },
  'named-core': {
    publicKey: 'b0d5ce5ccc2babfa6fcefadfbc5f954ca910c7bed91227e5ab53bfae997bcf4e',
    discoveryKey: 'b84b54e4333de1ff9f6dfc87db62a2c35c49e70d970795ee7d296cc8516d98fe'
  }
}

/** The cores of a fixture folder, by what they are. */
const LABELS = ['default', 'a', 'a:b', 'named-core', 'random', 'keyPair', 'readOnly'] as const
type Label = typeof LABELS[number]
/** Derived cores and the key-pair core: writable wherever the folder is opened. */
const WRITABLE = LABELS.filter(label => label !== 'readOnly')

interface Fixture {
  dir: string
  storage: string | StorageFunction
  /** The bytes of `master_key` right after the writer closed. */
  masterKey: Buffer
  keys: Map<Label, Buffer>
  pair: KeyPair
}

/**
 * A folder written by `writer`: a default core, namespaced defaults `a` and `a:b`, a root
 * `get({ name })`, a random `get()`, a `get({ keyPair })` core (two blocks each, `<label>-0` and
 * `<label>-1`) and a read-only core opened by the key of a remote core, whose two blocks were
 * replicated in from that remote.
 */
async function writeFixture (res: Resources, writer: Package, kind: DiskStorage): Promise<Fixture> {
  const dir = res.dir()
  const storage = kind.storage(dir)

  const remote = res.store(writer.create(ram))
  await remote.ready()
  const remoteCore = remote.default()
  await ready(remoteCore)
  await append(remoteCore, 'readOnly-0', 'readOnly-1')

  const store = res.store(writer.create(storage))
  await store.ready()
  const pair = crypto.keyPair()
  const cores = new Map<Label, Feed>([
    ['default', store.default()],
    ['a', store.namespace('a').default()],
    ['a:b', store.namespace('a').namespace('b').default()],
    ['named-core', store.get({ name: 'named-core' })],
    ['random', store.get()],
    ['keyPair', store.get({ keyPair: pair })],
    ['readOnly', store.get({ key: keyOf(remoteCore) })]
  ])
  const keys = new Map<Label, Buffer>()
  for (const [label, core] of cores) {
    await ready(core)
    keys.set(label, keyOf(core))
    if (label === 'readOnly') {
      assert.equal(core.writable, false, `${writer.name} opened the remote core read-only`)
    } else {
      assert.equal(core.writable, true, `${writer.name} made ${label} writable`)
      await append(core, `${label}-0`, `${label}-1`)
    }
  }

  const link = res.link(connect(remote, store, { live: true }))
  const readOnly = get(cores, 'readOnly')
  assert.equal(await block(readOnly, 0), 'readOnly-0')
  assert.equal(await block(readOnly, 1), 'readOnly-1')
  await link.close()
  await res.close(store)
  await res.close(remote)

  return { dir, storage, masterKey: fs.readFileSync(path.join(dir, 'master_key')), keys, pair }
}

/** Opens every core of a fixture the way an app would: derived ones by name, the others by key. */
async function openFixture (store: Store, fixture: Fixture): Promise<Map<Label, Feed>> {
  const byKey = (label: Label): Feed => store.get({ key: get(fixture.keys, label) })
  const cores = new Map<Label, Feed>([
    ['default', store.default()],
    ['a', store.namespace('a').default()],
    ['a:b', store.namespace('a').namespace('b').default()],
    ['named-core', store.get({ name: 'named-core' })],
    ['random', byKey('random')],
    ['keyPair', byKey('keyPair')],
    ['readOnly', byKey('readOnly')]
  ])
  for (const core of cores.values()) await ready(core)
  return cores
}

function get<V> (map: Map<Label, V>, label: Label): V {
  const value = map.get(label)
  assert.ok(value !== undefined, `no ${label}`)
  return value
}

for (const kind of DISK_STORAGES) {
  for (const [writer, reader] of DIRECTIONS) {
    const folder = `a folder written by ${writer.name} through ${kind.label}`

    test(`${folder} opens in ${reader.name} with the same keys and discovery keys and keeps its 32-byte master_key`, TIMEOUT, async t => {
      const res = new Resources(t)
      const fixture = await writeFixture(res, writer, kind)
      assert.equal(fixture.masterKey.length, 32)

      const store = res.store(reader.create(fixture.storage))
      await store.ready()
      const cores = await openFixture(store, fixture)
      for (const label of LABELS) {
        const core = get(cores, label)
        assert.deepEqual(keyOf(core), get(fixture.keys, label), `${label}: key`)
        assert.deepEqual(discoveryKeyOf(core), crypto.discoveryKey(get(fixture.keys, label)), `${label}: discovery key`)
        assert.ok(fs.existsSync(path.join(fixture.dir, coreDir(discoveryKeyOf(core)), 'key')), `${label}: files where ${writer.name} put them`)
      }
      const byKeyPair = store.get({ keyPair: fixture.pair })
      await ready(byKeyPair)
      assert.deepEqual(keyOf(byKeyPair), get(fixture.keys, 'keyPair'))

      await res.close(store)
      assert.deepEqual(fs.readFileSync(path.join(fixture.dir, 'master_key')), fixture.masterKey, 'master_key is left as it was')
    })

    test(`every derived core and the key-pair core of ${folder} is writable in ${reader.name} and appends`, TIMEOUT, async t => {
      const res = new Resources(t)
      const fixture = await writeFixture(res, writer, kind)

      const store = res.store(reader.create(fixture.storage))
      await store.ready()
      const cores = await openFixture(store, fixture)
      for (const label of WRITABLE) {
        const core = get(cores, label)
        assert.equal(core.writable, true, `${label} is writable`)
        await append(core, `${label}-2`)
        assert.equal(core.length, 3, `${label} appended`)
        assert.equal(await block(core, 2, { wait: false }), `${label}-2`)
      }
      const byKeyPair = store.get({ keyPair: fixture.pair })
      await ready(byKeyPair)
      assert.equal(byKeyPair.writable, true, 'get({ keyPair }) is writable')
      assert.equal(byKeyPair.length, 3)
    })

    test(`blocks ${reader.name} appends to ${folder} read back in ${writer.name} after reopening`, TIMEOUT, async t => {
      const res = new Resources(t)
      const fixture = await writeFixture(res, writer, kind)

      const store = res.store(reader.create(fixture.storage))
      await store.ready()
      for (const [label, core] of await openFixture(store, fixture)) {
        if (label !== 'readOnly') await append(core, `${label}-2`)
      }
      await res.close(store)

      const reopened = res.store(writer.create(fixture.storage))
      await reopened.ready()
      for (const [label, core] of await openFixture(reopened, fixture)) {
        if (label === 'readOnly') {
          assert.deepEqual(await blocks(core), ['readOnly-0', 'readOnly-1'])
          continue
        }
        assert.deepEqual(await blocks(core), [`${label}-0`, `${label}-1`, `${label}-2`], `${label} reads back`)
        assert.equal(core.writable, true, `${label} is still writable in ${writer.name}`)
        await append(core, `${label}-3`)
        assert.equal(core.length, 4)
      }
    })

    test(`the blocks in ${folder} read back in ${reader.name}, the replicated read-only core's too`, TIMEOUT, async t => {
      const res = new Resources(t)
      const fixture = await writeFixture(res, writer, kind)

      const store = res.store(reader.create(fixture.storage))
      await store.ready()
      for (const [label, core] of await openFixture(store, fixture)) {
        assert.equal(core.length, 2, `${label}: length`)
        assert.deepEqual(await blocks(core), [`${label}-0`, `${label}-1`], `${label}: blocks`)
      }
    })

    test(`the cores of ${folder} reopen in ${reader.name} by key, writable where they were`, TIMEOUT, async t => {
      const res = new Resources(t)
      const fixture = await writeFixture(res, writer, kind)

      const store = res.store(reader.create(fixture.storage))
      await store.ready()
      for (const label of LABELS) {
        const key = get(fixture.keys, label)
        const core = store.get({ key: label === 'a' ? key.toString('hex') : key })
        await ready(core)
        assert.deepEqual(keyOf(core), key, `${label}: key`)
        assert.equal(core.writable, label !== 'readOnly', `${label}: writable`)
        assert.deepEqual(await blocks(core), [`${label}-0`, `${label}-1`], `${label}: blocks`)
      }
    })

    test(`the cores of ${folder} reopen in ${reader.name} by discovery key`, TIMEOUT, async t => {
      const res = new Resources(t)
      const fixture = await writeFixture(res, writer, kind)

      const store = res.store(reader.create(fixture.storage))
      await store.ready()
      for (const label of LABELS) {
        const key = get(fixture.keys, label)
        const dkey = crypto.discoveryKey(key)
        assert.equal(store.isLoaded({ discoveryKey: dkey }), false, `${label} is not loaded yet`)
        const core = store.get({ discoveryKey: label === 'a' ? dkey.toString('hex') : dkey })
        await ready(core)
        assert.deepEqual(keyOf(core), key, `${label}: key`)
        assert.deepEqual(discoveryKeyOf(core), dkey, `${label}: discovery key`)
        assert.equal(core.writable, label !== 'readOnly', `${label}: writable`)
        assert.equal(await block(core, 0, { wait: false }), `${label}-0`)
      }
    })

    test(`the read-only core of ${folder} stays read-only in ${reader.name}`, TIMEOUT, async t => {
      const res = new Resources(t)
      const fixture = await writeFixture(res, writer, kind)
      const key = get(fixture.keys, 'readOnly')
      const files = path.join(fixture.dir, coreDir(crypto.discoveryKey(key)))
      const before = fs.readdirSync(files).sort()
      assert.ok(!before.includes('name') && !before.includes('secret_key'), `${writer.name} stored no secret for it`)

      const store = res.store(reader.create(fixture.storage))
      await store.ready()
      const core = store.get({ key })
      await ready(core)
      assert.equal(core.writable, false)
      await rejection(append(core, 'not mine'))
      assert.equal(core.length, 2)
      await res.close(store)
      assert.deepEqual(fs.readdirSync(files).sort(), before, 'no key files were added')

      const reopened = res.store(reader.create(fixture.storage))
      await reopened.ready()
      const again = reopened.get({ discoveryKey: crypto.discoveryKey(key) })
      await ready(again)
      assert.equal(again.writable, false, 'still read-only when reopened by discovery key')
      assert.deepEqual(await blocks(again), ['readOnly-0', 'readOnly-1'])
    })
  }

  test(`corestore-ts and corestore@5.8.2 write byte-identical files for the same master key through ${kind.label}`, TIMEOUT, async t => {
    const res = new Resources(t)
    const pair = crypto.keyPair(Buffer.alloc(32, 0x09))
    const remoteKey = crypto.keyPair(Buffer.alloc(32, 0x08)).publicKey

    const written = new Map<string, string>()
    for (const pkg of [CORESTORE_TS, CORESTORE_5]) {
      const dir = res.dir()
      const store = res.store(pkg.create(kind.storage(dir), { masterKey: MASTER_KEY }))
      await store.ready()
      const cores = [
        store.default(),
        store.namespace('a').default(),
        store.namespace('a').namespace('b').default(),
        store.get({ name: 'named-core' }),
        store.get({ keyPair: pair }),
        store.get({ key: remoteKey })
      ]
      for (const core of cores) {
        await ready(core)
        if (core.writable) await append(core, 'block-0', 'block-1')
      }
      await res.close(store)
      written.set(pkg.name, dir)
    }

    const tsDir = written.get(CORESTORE_TS.name) ?? assert.fail('no corestore-ts folder')
    const legacyDir = written.get(CORESTORE_5.name) ?? assert.fail('no corestore@5.8.2 folder')
    const files = listFiles(tsDir)
    assert.deepEqual(files, listFiles(legacyDir), 'the same relative paths')
    for (const file of files) {
      assert.deepEqual(fs.readFileSync(path.join(tsDir, file)), fs.readFileSync(path.join(legacyDir, file)), `${file} is byte-identical`)
    }

    const read = (dkeyHex: string, name: string): Buffer | null => {
      const file = path.join(tsDir, coreDir(Buffer.from(dkeyHex, 'hex')), name)
      return fs.existsSync(file) ? fs.readFileSync(file) : null
    }
    // A name file is a varint length, then the name: `a:b` is 03 613a62.
    const nameFiles: Array<[keyof typeof VECTORS, string]> = [
      ['default', '0764656661756c74'],
      ['a', '0161'],
      ['a:b', '03613a62'],
      ['named-core', '0a6e616d65642d636f7265']
    ]
    for (const [name, nameFile] of nameFiles) {
      const dkey = VECTORS[name].discoveryKey
      assert.equal(read(dkey, 'key')?.toString('hex'), VECTORS[name].publicKey, `${name}: key file`)
      assert.equal(read(dkey, 'name')?.toString('hex'), nameFile, `${name}: name file`)
      assert.equal(read(dkey, 'secret_key'), null, `${name}: no secret_key file`)
    }
    const pairDkey = crypto.discoveryKey(pair.publicKey).toString('hex')
    assert.deepEqual(read(pairDkey, 'key'), pair.publicKey)
    assert.deepEqual(read(pairDkey, 'secret_key'), pair.secretKey, 'a key-pair core stores its 64-byte secret key')
    assert.equal(read(pairDkey, 'name'), null)
    const remoteDkey = crypto.discoveryKey(remoteKey).toString('hex')
    assert.deepEqual(read(remoteDkey, 'key'), remoteKey)
    assert.equal(read(remoteDkey, 'name'), null)
    assert.equal(read(remoteDkey, 'secret_key'), null)
    assert.ok(!files.includes('master_key'), 'a master key given as an option is not written')
  })
}

for (const pkg of [CORESTORE_TS, CORESTORE_5]) {
  test(`${pkg.name} derives the DESIGN.md test vectors from a master key of 32 bytes of 0x07`, TIMEOUT, async t => {
    const res = new Resources(t)
    const store = res.store(pkg.create(ram, { masterKey: MASTER_KEY }))
    await store.ready()
    const cores: Array<[keyof typeof VECTORS, Feed]> = [
      ['default', store.default()],
      ['a', store.namespace('a').default()],
      ['a:b', store.namespace('a').namespace('b').default()],
      ['named-core', store.get({ name: 'named-core' })]
    ]
    for (const [name, core] of cores) {
      await ready(core)
      assert.equal(keyOf(core).toString('hex'), VECTORS[name].publicKey, `${name}: public key`)
      assert.equal(discoveryKeyOf(core).toString('hex'), VECTORS[name].discoveryKey, `${name}: discovery key`)
      assert.equal(core.writable, true, `${name}: writable`)
    }
  })
}
