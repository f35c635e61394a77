import test from 'node:test'
import assert from 'node:assert/strict'
import fs = require('fs')
import path = require('path')
import raf = require('random-access-file')
import Corestore = require('../lib')
import { describeStoredCore, inNamespace, inspectStoreFolder, listStoredCores } from '../lib/storage/inspect'
import { readStoredMasterKey } from '../lib/storage/master-key'
import type { StoredCore } from '../lib/storage/inspect'
import { deriveKeyPair, discoveryKey, randomBytes } from '../lib/keys'
import { coreRoot } from '../lib/storage/layout'
import { MASTER_KEY, rejection, snapshotFolder, tmpdir } from './helpers/store'

const DEFAULT_DKEY = '7e0360c21d822b848c7a981b0a0c5441045960c44cf0dd33bea11a7c33a945ff'

interface Expected {
  label: string
  discoveryKey: Buffer
  publicKey: Buffer
  writableBecause: 'name' | 'secret_key' | null
  name: Buffer | null
  length: number
  byteLength: number
}

/**
 * A store folder with one core of each kind: derived from a name at the root, in a namespace and
 * below it, a named core in a namespace, a non-UTF-8 name, a key pair, a read-only key.
 */
async function writeStore (dir: string, opts: { masterKey?: Buffer } = {}): Promise<Expected[]> {
  const store = new Corestore(dir, opts)
  await store.ready()
  const keyPair = deriveKeyPair(randomBytes(32), Buffer.from('key pair core'))
  const cores = [
    { label: 'default', core: store.default(), name: 'default', blocks: ['hello', 'world', '!'] },
    { label: 'a', core: store.namespace('a').default(), name: 'a', blocks: [] },
    { label: 'a:b', core: store.namespace('a').namespace('b').default(), name: 'a:b', blocks: ['x'.repeat(1000)] },
    { label: 'a named x', core: store.namespace('a').get({ name: 'x' }), name: 'a\u0000x', blocks: ['one'] },
    { label: 'ab', core: store.namespace('ab').default(), name: 'ab', blocks: [] },
    { label: 'named-core', core: store.get({ name: 'named-core' }), name: 'named-core', blocks: blocksOf(13) },
    { label: 'binary name', core: store.get({ name: Buffer.from([0xff, 0xfe, 0x00]) }), name: Buffer.from([0xff, 0xfe, 0x00]), blocks: ['b'] },
    { label: 'key pair', core: store.get({ keyPair }), name: null, blocks: blocksOf(6) },
    { label: 'read-only', core: store.get({ key: deriveKeyPair(randomBytes(32), Buffer.from('ro')).publicKey }), name: null, blocks: [] }
  ]
  const expected: Expected[] = []
  for (const { label, core, name, blocks } of cores) {
    await core.ready()
    for (const block of blocks) await core.append(block)
    const nameBytes = name === null ? null : Buffer.from(name)
    expected.push({
      label,
      discoveryKey: core.discoveryKey as Buffer,
      publicKey: core.key as Buffer,
      writableBecause: nameBytes !== null ? 'name' : label === 'key pair' ? 'secret_key' : null,
      name: nameBytes,
      length: core.length,
      byteLength: core.byteLength
    })
  }
  await store.close()
  return expected
}

/** Blocks of growing sizes, so that each root of the tree has its own byte size. */
function blocksOf (n: number): string[] {
  return Array.from({ length: n }, (_, i) => 'z'.repeat(i * 7 + 1))
}

async function collect (cores: AsyncIterable<Buffer>): Promise<string[]> {
  const out: string[] = []
  for await (const dkey of cores) {
    assert.ok(Buffer.isBuffer(dkey) && dkey.length === 32)
    out.push(dkey.toString('hex'))
  }
  return out
}

const hexes = (cores: Expected[]): string[] => cores.map(c => c.discoveryKey.toString('hex')).sort()

test('listStoredCores yields the discovery key of every core stored in a folder, none loaded, in hex order', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const expected = await writeStore(dir)
  const listed = await collect(listStoredCores(dir))
  assert.deepEqual(listed, hexes(expected))
  assert.equal(listed.length, 9)
})

test('listStoredCores finds cores while a store has them open, and reads relative paths', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const store = new Corestore(dir, { masterKey: MASTER_KEY })
  try {
    const core = store.default()
    await core.append('x')
    assert.deepEqual(await collect(listStoredCores(dir)), [DEFAULT_DKEY])
    assert.deepEqual(await collect(listStoredCores(path.relative(process.cwd(), dir))), [DEFAULT_DKEY])
  } finally {
    await store.close()
  }
})

test('a namespace filter keeps the cores whose name places them in that namespace or below it', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const expected = await writeStore(dir)
  const pick = (...labels: string[]): string[] => hexes(expected.filter(c => labels.includes(c.label)))

  assert.deepEqual(await collect(listStoredCores(dir, { namespace: 'a' })), pick('a', 'a:b', 'a named x'))
  assert.deepEqual(await collect(listStoredCores(dir, { namespace: 'a:b' })), pick('a:b'))
  assert.deepEqual(await collect(listStoredCores(dir, { namespace: 'ab' })), pick('ab'))
  assert.deepEqual(await collect(listStoredCores(dir, { namespace: 'default' })), pick('default'))
  assert.deepEqual(await collect(listStoredCores(dir, { namespace: 'missing' })), [])

  for (const bad of ['', 'a\u0000b']) {
    const err = await rejection(collect(listStoredCores(dir, { namespace: bad })))
    assert.equal(err.code, 'INVALID_OPTIONS')
  }
})

test('inNamespace: the namespace itself, a namespace below it, or a core named in it', () => {
  assert.equal(inNamespace(Buffer.from('a'), 'a'), true)
  assert.equal(inNamespace(Buffer.from('a:b'), 'a'), true)
  assert.equal(inNamespace(Buffer.from('a\u0000name'), 'a'), true)
  assert.equal(inNamespace(Buffer.from('a:b\u0000name'), 'a:b'), true)
  assert.equal(inNamespace(Buffer.from('ab'), 'a'), false)
  assert.equal(inNamespace(Buffer.from('b'), 'a'), false)
  assert.equal(inNamespace(Buffer.from('a'), 'a:b'), false)
  assert.equal(inNamespace(Buffer.from('default'), 'a'), false)
})

test('a folder that does not exist holds no cores; storage given as a function cannot be listed', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  assert.deepEqual(await collect(listStoredCores(path.join(dir, 'not-yet'))), [])
  const err = await rejection(collect(listStoredCores(name => raf(name, { directory: dir }))))
  assert.equal(err.code, 'STORAGE_NOT_LISTABLE')
  assert.match(err.message, /directory path/)
})

test('listing skips folders that hold no core: stray names, a short key, a key of another discovery key', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const expected = await writeStore(dir, { masterKey: MASTER_KEY })
  const someKey = deriveKeyPair(MASTER_KEY, Buffer.from('elsewhere')).publicKey
  const plant = async (rel: string, file: string, data: Buffer): Promise<void> => {
    await fs.promises.mkdir(path.join(dir, rel), { recursive: true })
    await fs.promises.writeFile(path.join(dir, rel, file), data)
  }
  const other = discoveryKey(someKey).toString('hex')
  await plant(coreRoot(other), 'key', someKey.subarray(0, 10)) // a key file cut short
  await plant(coreRoot('ab'.repeat(32)), 'key', someKey) // the key of another discovery key
  await plant(`${other.slice(0, 2)}/${other.slice(2, 4)}/${'ff'.repeat(32)}`, 'key', someKey) // in the wrong parent folder
  await plant(`${other.slice(0, 2)}/${other.slice(2, 4)}/${other.toUpperCase()}`, 'key', someKey) // not corestore's spelling
  await plant('node_modules/xx', 'key', someKey)
  await plant('zz/00', 'key', someKey)
  const used = new Set([...hexes(expected), other, 'ab'].map(hex => hex.slice(0, 2)))
  const free = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0')).find(hex => !used.has(hex)) as string
  await fs.promises.writeFile(path.join(dir, free), 'a file where a folder could be')

  assert.deepEqual(await collect(listStoredCores(dir)), hexes(expected))

  const err = await rejection(describeStoredCore(dir, 'ab'.repeat(32), null))
  assert.equal(err.code, 'KEY_MISMATCH')
  const missing = await rejection(describeStoredCore(dir, other, null))
  assert.equal(missing.code, 'CORE_NOT_FOUND')
  const malformed = await rejection(describeStoredCore(dir, 'not a key', null))
  assert.equal(malformed.code, 'INVALID_KEY')
})

test('describeStoredCore reads keys, writability, names and lengths from the files alone', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const expected = await writeStore(dir)
  const masterKey = await readStoredMasterKey(dir)
  assert.ok(masterKey !== null && masterKey.length === 32)

  for (const core of expected) {
    const described = await describeStoredCore(dir, core.discoveryKey, masterKey)
    const want: StoredCore = {
      discoveryKey: core.discoveryKey,
      publicKey: core.publicKey,
      writable: core.writableBecause !== null,
      writableBecause: core.writableBecause,
      name: core.name === null ? null : core.label === 'binary name' ? null : core.name.toString(),
      nameHex: core.name === null ? null : core.name.toString('hex'),
      length: core.length,
      byteLength: core.byteLength,
      warnings: []
    }
    assert.deepEqual(described, want, core.label)
  }
  const named = expected.find(c => c.label === 'named-core') as Expected
  assert.equal(named.length, 13)
  assert.equal(named.byteLength, blocksOf(13).join('').length)
  // A hex discovery key works as well as a Buffer.
  const byHex = await describeStoredCore(dir, named.discoveryKey.toString('hex'), masterKey)
  assert.equal(byHex.length, 13)
})

test('without the master key, or with another one, named cores read as read-only and say why', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const expected = await writeStore(dir, { masterKey: MASTER_KEY })
  assert.equal(await readStoredMasterKey(dir), null, 'a masterKey option is not written to the folder')
  const named = expected.find(c => c.label === 'default') as Expected
  const keyPair = expected.find(c => c.label === 'key pair') as Expected

  const withKey = await describeStoredCore(dir, named.discoveryKey, MASTER_KEY)
  assert.equal(withKey.writableBecause, 'name')
  assert.equal(withKey.publicKey.toString('hex'), 'a0ceace51ea4c4e5c347f57f39f068c02be2fbb43832a98f22a2b9fbace15e9b')

  const without = await describeStoredCore(dir, named.discoveryKey, null)
  assert.equal(without.writable, false)
  assert.equal(without.writableBecause, null)
  assert.match(without.warnings.join(), /no master key/)

  const other = await describeStoredCore(dir, named.discoveryKey, Buffer.alloc(32, 1))
  assert.equal(other.writable, false)
  assert.match(other.warnings.join(), /another public key/)

  // A stored secret key needs no master key.
  const stored = await describeStoredCore(dir, keyPair.discoveryKey, null)
  assert.equal(stored.writableBecause, 'secret_key')
  assert.deepEqual(stored.warnings, [])
})

test('a secret key of another core, a cut tree and a torn signature show as warnings, not errors', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const expected = await writeStore(dir, { masterKey: MASTER_KEY })
  const keyPair = expected.find(c => c.label === 'key pair') as Expected
  const named = expected.find(c => c.label === 'named-core') as Expected
  const folder = (core: Expected): string => path.join(dir, coreRoot(core.discoveryKey.toString('hex')))

  await fs.promises.writeFile(path.join(folder(keyPair), 'secret_key'), deriveKeyPair(MASTER_KEY, Buffer.from('x')).secretKey)
  const wrongSecret = await describeStoredCore(dir, keyPair.discoveryKey, MASTER_KEY)
  assert.equal(wrongSecret.writable, false)
  assert.match(wrongSecret.warnings.join(), /secret_key belongs to another public key/)

  await fs.promises.truncate(path.join(folder(named), 'tree'), 32 + 40 * 4)
  await fs.promises.appendFile(path.join(folder(named), 'signatures'), Buffer.alloc(10))
  const cut = await describeStoredCore(dir, named.discoveryKey, MASTER_KEY)
  assert.equal(cut.length, 13)
  assert.equal(cut.byteLength, null)
  assert.equal(cut.warnings.length, 2)
  assert.match(cut.warnings.join('\n'), /partial signature/)
  assert.match(cut.warnings.join('\n'), /holds no root node/)
})

test('inspectStoreFolder describes every core and tells a store from other folders', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const expected = await writeStore(dir)
  const inspection = await inspectStoreFolder(dir)
  assert.equal(inspection.directory, dir)
  assert.equal(inspection.masterKeySource, 'file')
  assert.deepEqual(inspection.warnings, [])
  assert.deepEqual(inspection.cores.map(c => c.discoveryKey.toString('hex')), hexes(expected))
  assert.ok(inspection.cores.every(c => c.writable === (c.writableBecause !== null)))
  assert.equal(inspection.cores.filter(c => c.writable).length, 8)

  const inA = await inspectStoreFolder(dir, { namespace: 'a' })
  assert.deepEqual(inA.cores.map(c => c.name).sort(), ['a', 'a\u0000x', 'a:b'])

  const empty = await tmpdir()
  t.after(empty.cleanup)
  assert.equal((await rejection(inspectStoreFolder(empty.dir))).code, 'NOT_A_STORE')
  assert.equal((await rejection(inspectStoreFolder(path.join(empty.dir, 'missing')))).code, 'STORE_FOLDER_NOT_FOUND')
  await fs.promises.writeFile(path.join(empty.dir, 'file'), 'x')
  assert.equal((await rejection(inspectStoreFolder(path.join(empty.dir, 'file')))).code, 'NOT_A_STORE')

  // A master_key alone is a store with no cores yet.
  await fs.promises.writeFile(path.join(empty.dir, 'master_key'), MASTER_KEY)
  assert.deepEqual((await inspectStoreFolder(empty.dir)).cores, [])
  // One of the wrong size is reported and not used.
  await fs.promises.writeFile(path.join(empty.dir, 'master_key'), Buffer.alloc(5))
  const bad = await inspectStoreFolder(empty.dir)
  assert.equal(bad.masterKeySource, null)
  assert.match(bad.warnings.join(), /holds 5 bytes, expected 32/)
  assert.equal((await rejection(readStoredMasterKey(empty.dir))).code, 'INVALID_MASTER_KEY')
})

test('inspectStoreFolder checks named cores against a given master key when the folder has none', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  await writeStore(dir, { masterKey: MASTER_KEY })
  const without = await inspectStoreFolder(dir)
  assert.equal(without.masterKeySource, null)
  assert.equal(without.cores.filter(c => c.writable).length, 1, 'only the key pair core')

  const withKey = await inspectStoreFolder(dir, { masterKey: MASTER_KEY })
  assert.equal(withKey.masterKeySource, 'option')
  assert.equal(withKey.cores.filter(c => c.writable).length, 8)
  assert.equal(withKey.cores.find(c => c.discoveryKey.toString('hex') === DEFAULT_DKEY)?.writableBecause, 'name')
})

test('listing, describing and inspecting leave the folder unchanged: bytes, mtimes, ctimes, file atimes, no new files', async t => {
  for (const opts of [{}, { masterKey: MASTER_KEY }]) {
    const { dir, cleanup } = await tmpdir()
    t.after(cleanup)
    const expected = await writeStore(dir, opts)
    const before = await snapshotFolder(dir)

    await collect(listStoredCores(dir))
    await collect(listStoredCores(dir, { namespace: 'a' }))
    const masterKey = await readStoredMasterKey(dir)
    for (const core of expected) await describeStoredCore(dir, core.discoveryKey, masterKey)
    await inspectStoreFolder(dir)
    await inspectStoreFolder(dir, { namespace: 'a:b', masterKey: MASTER_KEY })

    const after = await snapshotFolder(dir)
    assert.deepEqual([...after.entries()], [...before.entries()])
    assert.equal(before.has('master_key'), opts.masterKey === undefined, 'no master key is created')
  }
})
