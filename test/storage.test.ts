import test from 'node:test'
import assert from 'node:assert/strict'
import fs = require('fs')
import path = require('path')
import raf = require('random-access-file')
import ram = require('random-access-memory')
import Corestore = require('../lib')
import { loadOrCreateMasterKey } from '../lib/storage/master-key'
import { resolveStorage } from '../lib/storage/resolve'
import { listFiles, MASTER_KEY, rejection, thrown, tmpdir } from './helpers/store'

const DEFAULT_DKEY = '7e0360c21d822b848c7a981b0a0c5441045960c44cf0dd33bea11a7c33a945ff'

test('storage that is neither a folder nor a function is a TypeError with code INVALID_STORAGE', () => {
  for (const bad of [42, null, undefined, {}, Buffer.alloc(2)]) {
    const err = thrown(() => new Corestore(bad as unknown as string))
    assert.ok(err instanceof TypeError)
    assert.equal(err.code, 'INVALID_STORAGE')
    assert.match(err.message, /directory path \(string\) or a function/)
  }
})

test('a derived core lives in <dk[0..2]>/<dk[2..4]>/<dk>/ with key and name files, never its secret key', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const store = new Corestore(dir, { masterKey: MASTER_KEY })
  const core = store.default()
  await core.ready()
  await core.append('hello')
  const ns = store.namespace('a').namespace('b').default()
  await ns.ready()
  await store.close()

  const root = `7e/03/${DEFAULT_DKEY}`
  const files = await listFiles(dir)
  assert.deepEqual(files.filter(f => f.startsWith(root)), ['bitfield', 'data', 'key', 'name', 'signatures', 'tree'].map(f => `${root}/${f}`))
  assert.ok(!files.some(f => f.endsWith('secret_key')), 'no secret key is stored for derived cores')
  assert.ok(!files.includes('master_key'), 'a masterKey option is never written to disk')
  assert.equal((await fs.promises.readFile(path.join(dir, root, 'key'))).toString('hex'), 'a0ceace51ea4c4e5c347f57f39f068c02be2fbb43832a98f22a2b9fbace15e9b')
  assert.equal((await fs.promises.readFile(path.join(dir, root, 'name'))).toString('hex'), '0764656661756c74')
  const abRoot = '19/af/19af1b5a4b716a6327d44ee9b920359a3f5cf5e097d242f3e8fc293a784983c4'
  assert.equal((await fs.promises.readFile(path.join(dir, abRoot, 'name'))).toString('hex'), '03613a62')
})

test('a core opened with an explicit key pair stores secret_key and reopens writable by key', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const donor = new Corestore(ram)
  const keyPair: { publicKey: Buffer, secretKey: Buffer } = { publicKey: Buffer.alloc(0), secretKey: Buffer.alloc(0) }
  const first = donor.get()
  await first.ready()
  keyPair.publicKey = first.key as Buffer
  keyPair.secretKey = first.secretKey as Buffer
  await donor.close()

  const store = new Corestore(dir)
  const core = store.get({ keyPair })
  await core.append('x')
  await store.close()
  const files = await listFiles(dir)
  assert.ok(files.some(f => f.endsWith('/secret_key')))
  assert.ok(!files.some(f => f.endsWith('/name')))

  const again = new Corestore(dir)
  const reopened = again.get(keyPair.publicKey)
  await reopened.ready()
  assert.equal(reopened.writable, true)
  await reopened.append('y')
  assert.equal(reopened.length, 2)
  await again.close()
})

test('the master key is created on first ready as 32 bytes, and an existing one is used, never replaced', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const first = new Corestore(dir)
  await first.ready()
  const key = await fs.promises.readFile(path.join(dir, 'master_key'))
  assert.equal(key.length, 32)
  assert.ok(first.primaryKey?.equals(key))
  const defaultKey = first.default()
  await defaultKey.ready()
  await first.close()

  const second = new Corestore(dir)
  const core = second.default()
  await core.ready()
  assert.ok(core.key?.equals(defaultKey.key as Buffer), 'the default core reloads from the stored master key')
  assert.ok((await fs.promises.readFile(path.join(dir, 'master_key'))).equals(key))
  assert.deepEqual((await fs.promises.readdir(dir)).filter(f => f.includes('tmp')), [], 'no temporary file is left behind')
  await second.close()
})

test('a short, long or corrupt master_key is an INVALID_MASTER_KEY error and the file is left as it was', async t => {
  for (const size of [1, 31, 33, 64]) {
    const { dir, cleanup } = await tmpdir()
    t.after(cleanup)
    const content = Buffer.alloc(size, 9)
    await fs.promises.writeFile(path.join(dir, 'master_key'), content)
    const store = new Corestore(dir)
    const err = await rejection(store.ready())
    assert.equal(err.code, 'INVALID_MASTER_KEY', `size ${size}`)
    assert.match(err.message, new RegExp(`holds ${size} bytes, expected 32`))
    assert.ok((await fs.promises.readFile(path.join(dir, 'master_key'))).equals(content))
    assert.deepEqual(await listFiles(dir), ['master_key'], 'nothing else was written')
  }
})

test('with function storage a short master_key is also an error, and an empty one is created', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  await fs.promises.writeFile(path.join(dir, 'master_key'), Buffer.alloc(5))
  const bad = new Corestore(name => raf(name, { directory: dir }))
  assert.equal((await rejection(bad.ready())).code, 'INVALID_MASTER_KEY')
  assert.equal((await fs.promises.readFile(path.join(dir, 'master_key'))).length, 5)

  await fs.promises.writeFile(path.join(dir, 'master_key'), Buffer.alloc(0))
  const good = new Corestore(name => raf(name, { directory: dir }))
  await good.ready()
  const key = await fs.promises.readFile(path.join(dir, 'master_key'))
  assert.equal(key.length, 32)
  assert.ok(good.primaryKey?.equals(key))
  await good.close()
})

test('stores readying the same new folder at once: one opens, the others find it locked', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const stores = Array.from({ length: 4 }, () => new Corestore(dir))
  const results = await Promise.allSettled(stores.map(s => s.ready()))
  const opened = stores.filter((_, i) => results[i]?.status === 'fulfilled')
  assert.equal(opened.length, 1)
  for (const result of results) {
    if (result.status === 'rejected') assert.equal((result.reason as { code?: string }).code, 'STORAGE_LOCKED')
  }
  const onDisk = await fs.promises.readFile(path.join(dir, 'master_key'))
  assert.ok(opened[0]?.primaryKey?.equals(onDisk))
  await Promise.all(stores.map(s => s.close()))
})

test('processes creating one folder\'s master key at once agree on one key (corestore@5 takes no lock)', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const storage = resolveStorage(dir)
  const keys = await Promise.all(Array.from({ length: 4 }, () => new Promise<Buffer>((resolve, reject) => {
    loadOrCreateMasterKey(storage, (err, key) => err || !key ? reject(err) : resolve(key))
  })))
  const onDisk = await fs.promises.readFile(path.join(dir, 'master_key'))
  for (const key of keys) assert.ok(key.equals(onDisk))
})

test('a wrong masterKey option throws at construction with INVALID_MASTER_KEY', () => {
  assert.equal(thrown(() => new Corestore(ram, { masterKey: Buffer.alloc(16) })).code, 'INVALID_MASTER_KEY')
  assert.equal(thrown(() => new Corestore(ram, { primaryKey: 'abc' as unknown as Buffer })).code, 'INVALID_MASTER_KEY')
})

test('a bad key leaves no core folder behind', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const store = new Corestore(dir)
  await store.ready()
  assert.equal(thrown(() => store.get(Buffer.alloc(31))).code, 'INVALID_KEY')
  assert.equal(thrown(() => store.get({ key: 'abc' })).code, 'INVALID_KEY')
  assert.equal(thrown(() => store.get({ discoveryKey: Buffer.alloc(5) })).code, 'INVALID_KEY')
  assert.equal(thrown(() => store.get({ name: Buffer.alloc(0) })).code, 'INVALID_NAME')
  assert.equal(thrown(() => store.get({ key: Buffer.alloc(32), keyPair: { publicKey: Buffer.alloc(32), secretKey: Buffer.alloc(63) } })).code, 'INVALID_KEY')
  const unknown = store.get({ discoveryKey: Buffer.alloc(32, 1) })
  assert.equal((await rejection(unknown.ready())).code, 'CORE_NOT_FOUND')
  assert.equal(store.isLoaded({ discoveryKey: Buffer.alloc(32, 1) }), false)
  await store.close()
  assert.deepEqual(await listFiles(dir), ['master_key'])
})
