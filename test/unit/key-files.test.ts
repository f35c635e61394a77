import test from 'node:test'
import assert from 'node:assert/strict'
import ram = require('random-access-memory')
import RandomAccessStorage = require('random-access-storage')
import { CoreKeyFiles } from '../../lib/storage/key-files'
import type { DeriveFunction, KeySource, ResolvedKeys } from '../../lib/storage/key-files'
import { deriveKeyPair, discoveryKey, toHex } from '../../lib/keys'
import type { KeyPair } from '../../lib/keys'
import { coreFile, coreRoot } from '../../lib/storage/layout'
import { decodeName, encodeName } from '../../lib/storage/name-codec'
import { MASTER_KEY } from '../helpers/store'

/** Tests that wait on events: a missing event fails the test instead of hanging the run. */
const WAITS = { timeout: 10_000 }
const OTHER_MASTER_KEY = Buffer.alloc(32, 8)
const PAIR = deriveKeyPair(Buffer.alloc(32, 1), Buffer.from('a key pair'))

interface Disk {
  /** The `open` a CoreKeyFiles takes: handles over per-path memory that outlives them. */
  open: (hex: string, file: string) => RandomAccessStorage
  /** A file's bytes (empty when it was never written). */
  read: (path: string) => Buffer
  /** Seeds a file, as an earlier run would have left it. */
  put: (path: string, data: Buffer) => void
  /** Every path written to through `open`, in order. */
  readonly writes: string[]
  /** Every path opened through `open`, in order. */
  readonly opens: string[]
}

function memoryDisk (): Disk {
  const files = new Map<string, RandomAccessStorage>()
  const writes: string[] = []
  const opens: string[] = []
  const backing = (path: string): RandomAccessStorage => files.get(path) ?? files.set(path, ram()).get(path) as RandomAccessStorage
  const open = (hex: string, file: string): RandomAccessStorage => {
    const path = coreFile(hex, file)
    opens.push(path)
    const data = backing(path)
    // A fresh handle per open: a closed random-access-storage never reads again, the bytes stay.
    return new RandomAccessStorage({
      read: req => data.read(req.offset, req.size, (err, buf) => req.callback(err, buf)),
      write: req => {
        writes.push(path)
        data.write(req.offset, req.data as Buffer, err => req.callback(err))
      },
      stat: req => data.stat((err, st) => req.callback(err, st))
    })
  }
  const read = (path: string): Buffer => (files.get(path) as unknown as { toBuffer (): Buffer } | undefined)?.toBuffer() ?? Buffer.alloc(0)
  const put = (path: string, buf: Buffer): void => {
    backing(path).write(0, buf)
  }
  return { open, read, put, writes, opens }
}

/** A derive function under `masterKey` that counts its calls. */
function deriver (masterKey = MASTER_KEY): { derive: DeriveFunction, calls: () => number } {
  let calls = 0
  const derive: DeriveFunction = (name, cb) => {
    calls++
    process.nextTick(cb, null, deriveKeyPair(masterKey, name))
  }
  return { derive, calls: () => calls }
}

function named (name: string, overrides: Partial<KeySource> = {}): KeySource {
  const { publicKey } = deriveKeyPair(MASTER_KEY, Buffer.from(name))
  return { discoveryKey: discoveryKey(publicKey), publicKey, name: Buffer.from(name), secretKey: null, createIfMissing: true, readOnly: false, ...overrides }
}

function byPair (pair: KeyPair, overrides: Partial<KeySource> = {}): KeySource {
  return { discoveryKey: discoveryKey(pair.publicKey), publicKey: pair.publicKey, name: null, secretKey: pair.secretKey, createIfMissing: true, readOnly: false, ...overrides }
}

function byDiscoveryKey (dkey: Buffer, overrides: Partial<KeySource> = {}): KeySource {
  return { discoveryKey: dkey, publicKey: null, name: null, secretKey: null, createIfMissing: false, readOnly: false, ...overrides }
}

function resolve (files: CoreKeyFiles): Promise<ResolvedKeys> {
  return new Promise((resolve, reject) => files.resolve((err, keys) => err || !keys ? reject(err) : resolve(keys)))
}

function read (file: RandomAccessStorage, size: number): Promise<Buffer> {
  return new Promise((resolve, reject) => file.read(0, size, (err, buf) => err ? reject(err) : resolve(buf as Buffer)))
}

function stat (file: RandomAccessStorage): Promise<number> {
  return new Promise((resolve, reject) => file.stat((err, st) => err ? reject(err) : resolve((st as { size: number }).size)))
}

function closeFile (file: RandomAccessStorage): Promise<void> {
  return new Promise((resolve, reject) => file.close(err => err ? reject(err) : resolve()))
}

/** Runs whatever can settle before the next macrotask: no timer, just a drained queue. */
function drain (): Promise<void> {
  return new Promise(resolve => setImmediate(resolve))
}

/** Writes a new core's key files, as the first run of a store would, and closes them. */
async function created (disk: Disk, source: KeySource, derive = deriver().derive): Promise<ResolvedKeys> {
  const files = new CoreKeyFiles(disk.open, source, derive)
  const keys = await resolve(files)
  await closeFile(files.keyStorage)
  return keys
}

test('a new named core writes its name (varint length, then bytes) and its key, never its secret key', WAITS, async () => {
  const disk = memoryDisk()
  const source = named('a:b')
  const pair = deriveKeyPair(MASTER_KEY, Buffer.from('a:b'))
  const hex = toHex(source.discoveryKey as Buffer)
  const files = new CoreKeyFiles(disk.open, source, deriver().derive)
  const keys = await resolve(files)

  assert.deepEqual(keys, { publicKey: pair.publicKey, secretKey: pair.secretKey, name: Buffer.from('a:b') })
  assert.equal(disk.read(coreFile(hex, 'name')).toString('hex'), '03613a62')
  assert.deepEqual(disk.read(coreFile(hex, 'key')), pair.publicKey)
  assert.equal(disk.read(coreFile(hex, 'secret_key')).length, 0)
  assert.deepEqual(disk.writes, [coreFile(hex, 'name'), coreFile(hex, 'key')], 'the key file goes last')
  assert.ok(disk.opens.every(path => path.startsWith(coreRoot(hex) + '/')), 'every file lives in the core\'s folder')

  assert.deepEqual(await read(files.keyStorage, 32), pair.publicKey)
  assert.deepEqual(await read(files.secretKeyStorage, 64), pair.secretKey)
  assert.equal(await stat(files.keyStorage), 32)
  assert.equal(await stat(files.secretKeyStorage), 64)
  await closeFile(files.keyStorage)
})

test('the name file is the name codec\'s encoding, and decodes back', () => {
  assert.equal(encodeName(Buffer.from('a:b')).toString('hex'), '03613a62')
  const long = Buffer.alloc(200, 0x61)
  assert.deepEqual(encodeName(long).subarray(0, 2), Buffer.from([0xc8, 0x01]), 'a two-byte varint length')
  assert.deepEqual(decodeName(encodeName(long)), long)
  assert.equal(decodeName(Buffer.from('04613a62', 'hex')), null, 'a length that does not match the bytes')
  assert.equal(decodeName(Buffer.from('00', 'hex')), null, 'an empty name')
})

test('a named core reopened by discovery key alone gets its public key, name and secret key from its files', WAITS, async () => {
  const disk = memoryDisk()
  const source = named('reopened')
  const pair = deriveKeyPair(MASTER_KEY, Buffer.from('reopened'))
  await created(disk, source)
  const writesBefore = disk.writes.length

  const { derive, calls } = deriver()
  const files = new CoreKeyFiles(disk.open, byDiscoveryKey(source.discoveryKey as Buffer), derive)
  const keys = await resolve(files)
  assert.deepEqual(keys, { publicKey: pair.publicKey, secretKey: pair.secretKey, name: Buffer.from('reopened') })
  assert.equal(calls(), 1, 'the secret key is derived from the stored name')
  assert.equal(disk.writes.length, writesBefore, 'reopening writes nothing')
  assert.deepEqual(await read(files.secretKeyStorage, 64), pair.secretKey)
  await closeFile(files.keyStorage)
})

test('a key-pair core writes secret_key and key, and reopens writable by discovery key alone', WAITS, async () => {
  const disk = memoryDisk()
  const source = byPair(PAIR)
  const hex = toHex(source.discoveryKey as Buffer)
  const { derive, calls } = deriver()
  const keys = await created(disk, source, derive)
  assert.deepEqual(keys, { publicKey: PAIR.publicKey, secretKey: PAIR.secretKey, name: null })
  assert.deepEqual(disk.writes, [coreFile(hex, 'secret_key'), coreFile(hex, 'key')])
  assert.deepEqual(disk.read(coreFile(hex, 'secret_key')), PAIR.secretKey)
  assert.deepEqual(disk.read(coreFile(hex, 'key')), PAIR.publicKey)
  assert.equal(disk.read(coreFile(hex, 'name')).length, 0)
  assert.equal(calls(), 0, 'nothing to derive')

  const reopened = new CoreKeyFiles(disk.open, byDiscoveryKey(source.discoveryKey as Buffer), derive)
  assert.deepEqual(await resolve(reopened), { publicKey: PAIR.publicKey, secretKey: PAIR.secretKey, name: null })
  await closeFile(reopened.keyStorage)
})

test('a core known by its key alone resolves without a secret key, which the secret key file then refuses', WAITS, async () => {
  const disk = memoryDisk()
  const source = byPair(PAIR, { secretKey: null })
  const files = new CoreKeyFiles(disk.open, source, deriver().derive)
  assert.deepEqual(await resolve(files), { publicKey: PAIR.publicKey, secretKey: null, name: null })
  await assert.rejects(read(files.secretKeyStorage, 64), /No secret key/)
  await assert.rejects(stat(files.secretKeyStorage), /No secret key/)
  await closeFile(files.keyStorage)
})

test('a core first stored by key alone remembers its name when it is opened by name later', WAITS, async () => {
  const disk = memoryDisk()
  const source = named('later')
  const hex = toHex(source.discoveryKey as Buffer)
  await created(disk, { ...source, name: null })
  assert.equal(disk.read(coreFile(hex, 'name')).length, 0)

  const keys = await created(disk, source)
  assert.deepEqual(keys.secretKey, deriveKeyPair(MASTER_KEY, Buffer.from('later')).secretKey)
  assert.deepEqual(decodeName(disk.read(coreFile(hex, 'name'))), Buffer.from('later'))
})

test('createIfMissing false on an empty folder fails with CORE_NOT_FOUND and writes nothing', WAITS, async () => {
  const disk = memoryDisk()
  const files = new CoreKeyFiles(disk.open, named('absent', { createIfMissing: false }), deriver().derive)
  const err = await resolve(files).then(() => null, (err: Error & { code?: string }) => err)
  assert.equal(err?.code, 'CORE_NOT_FOUND')
  assert.deepEqual(disk.writes, [])
  const byKey = new CoreKeyFiles(disk.open, byDiscoveryKey(discoveryKey(PAIR.publicKey), { createIfMissing: true }), deriver().derive)
  assert.equal((await resolve(byKey).then(() => null, (err: Error & { code?: string }) => err))?.code, 'CORE_NOT_FOUND', 'without a public key there is nothing to create')
  assert.deepEqual(disk.writes, [])
  await assert.rejects(read(files.keyStorage, 32), { code: 'CORE_NOT_FOUND' })
  await closeFile(files.keyStorage)
  await closeFile(byKey.keyStorage)
})

test('a stored key other than the requested public key fails with KEY_MISMATCH and is left as it is', WAITS, async () => {
  const disk = memoryDisk()
  const source = byPair(PAIR)
  const hex = toHex(source.discoveryKey as Buffer)
  const stranger = deriveKeyPair(MASTER_KEY, Buffer.from('stranger')).publicKey
  disk.put(coreFile(hex, 'key'), stranger)

  const files = new CoreKeyFiles(disk.open, source, deriver().derive)
  const err = await resolve(files).then(() => null, (err: Error & { code?: string }) => err)
  assert.equal(err?.code, 'KEY_MISMATCH')
  assert.match(err?.message ?? '', new RegExp(`stored public key is ${toHex(stranger)}, the requested one ${toHex(PAIR.publicKey)}`))
  const byDkey = new CoreKeyFiles(disk.open, byDiscoveryKey(source.discoveryKey as Buffer), deriver().derive)
  await assert.rejects(resolve(byDkey), { code: 'KEY_MISMATCH' }, 'a key that belongs to another discovery key')
  assert.deepEqual(disk.writes, [])
  assert.deepEqual(disk.read(coreFile(hex, 'key')), stranger)
  await closeFile(files.keyStorage)
  await closeFile(byDkey.keyStorage)
})

test('a stored name that derives another key under this master key fails with KEY_MISMATCH', WAITS, async () => {
  const disk = memoryDisk()
  const source = named('mine')
  await created(disk, source)
  const files = new CoreKeyFiles(disk.open, byDiscoveryKey(source.discoveryKey as Buffer), deriver(OTHER_MASTER_KEY).derive)
  const err = await resolve(files).then(() => null, (err: Error & { code?: string }) => err)
  assert.equal(err?.code, 'KEY_MISMATCH')
  assert.match(err?.message ?? '', /"mine"/)
  await closeFile(files.keyStorage)
})

test('hypercore may write the same public key to the key file, and no other', WAITS, async () => {
  const disk = memoryDisk()
  const source = byPair(PAIR)
  const files = new CoreKeyFiles(disk.open, source, deriver().derive)
  await new Promise<void>((resolve, reject) => files.keyStorage.write(0, PAIR.publicKey, err => err ? reject(err) : resolve()))
  const other = deriveKeyPair(MASTER_KEY, Buffer.from('other')).publicKey
  await assert.rejects(new Promise<void>((resolve, reject) => files.keyStorage.write(0, other, err => err ? reject(err) : resolve())), { code: 'KEY_MISMATCH' })
  const writes = disk.writes.length
  await new Promise<void>((resolve, reject) => files.secretKeyStorage.write(0, Buffer.alloc(64), err => err ? reject(err) : resolve()))
  assert.equal(disk.writes.length, writes, 'a secret key write from hypercore is dropped')
  assert.deepEqual(disk.read(coreFile(toHex(source.discoveryKey as Buffer), 'secret_key')), PAIR.secretKey)
  await closeFile(files.keyStorage)
})

test('readOnly hides the secret key from hypercore, whatever the files hold', WAITS, async () => {
  const disk = memoryDisk()
  const source = named('hidden')
  await created(disk, source)
  const files = new CoreKeyFiles(disk.open, { ...source, readOnly: true }, deriver().derive)
  const keys = await resolve(files)
  assert.deepEqual(keys.publicKey, source.publicKey)
  await assert.rejects(read(files.secretKeyStorage, 64), /No secret key/)
  await assert.rejects(stat(files.secretKeyStorage), /No secret key/)
  assert.deepEqual(await read(files.keyStorage, 32), source.publicKey)
  await closeFile(files.keyStorage)
})

test('a name asked for before the master key derives its discovery key through derive, and only then opens files', WAITS, async () => {
  const disk = memoryDisk()
  const source = named('early', { discoveryKey: null, publicKey: null })
  const pair = deriveKeyPair(MASTER_KEY, Buffer.from('early'))
  const dkey = discoveryKey(pair.publicKey)
  const files = new CoreKeyFiles(disk.open, source, deriver().derive)
  assert.equal(files.discoveryKey, null)
  assert.throws(() => files.openFile('tree'), /before its keys were resolved/)
  assert.deepEqual(disk.opens, [])

  const keys = await resolve(files)
  assert.deepEqual(keys, { publicKey: pair.publicKey, secretKey: pair.secretKey, name: Buffer.from('early') })
  assert.deepEqual(files.discoveryKey, dkey)
  const tree = files.openFile('tree')
  assert.equal(disk.opens.at(-1), coreFile(toHex(dkey), 'tree'))
  assert.deepEqual(disk.read(coreFile(toHex(dkey), 'key')), pair.publicKey)
  await closeFile(tree)
  await closeFile(files.keyStorage)
})

test('the key files are resolved once, however often and from wherever they are asked for', WAITS, async () => {
  const disk = memoryDisk()
  const { derive, calls } = deriver()
  const files = new CoreKeyFiles(disk.open, named('once', { discoveryKey: null, publicKey: null }), derive)
  const all = await Promise.all([resolve(files), resolve(files), read(files.keyStorage, 32), stat(files.secretKeyStorage)])
  const derived = calls()
  assert.ok(derived > 0)
  const opened = disk.opens.length
  const again = await resolve(files)
  assert.equal(again, all[0], 'the same answer')
  assert.equal(all[1], all[0])
  assert.deepEqual(all[2], again.publicKey)
  assert.equal(calls(), derived, 'derive is not called again')
  assert.equal(disk.opens.length, opened, 'no file is read again')
  assert.deepEqual(disk.writes.filter(path => path.endsWith('/key')).length, 1)
  await closeFile(files.keyStorage)
})

/** A copy of a source whose buffers are copies too, to compare the original against later. */
function copyOf (source: KeySource): KeySource {
  const copy = (buf: Buffer | null): Buffer | null => buf === null ? null : Buffer.from(buf)
  return { ...source, discoveryKey: copy(source.discoveryKey), publicKey: copy(source.publicKey), name: copy(source.name), secretKey: copy(source.secretKey) }
}

test('the source passed in is never modified, neither its fields nor its buffers', WAITS, async () => {
  const disk = memoryDisk()
  for (const source of [named('untouched', { discoveryKey: null, publicKey: null }), byPair(PAIR), named('again')]) {
    const before = copyOf(source)
    const files = new CoreKeyFiles(disk.open, Object.freeze(source), deriver().derive)
    await resolve(files)
    assert.deepEqual(source, before)
    await closeFile(files.keyStorage)
  }
})

test('`after` delays every read until it settles; its rejection fails the resolve without reading', WAITS, async () => {
  for (const outcome of ['fulfil', 'reject'] as const) {
    const disk = memoryDisk()
    let settle: () => void = () => {}
    const after = new Promise<void>((resolve, reject) => {
      settle = outcome === 'fulfil' ? resolve : () => reject(new Error('the old instance failed to close'))
    })
    after.catch(() => {})
    const files = new CoreKeyFiles(disk.open, named('after'), deriver().derive, after)
    let done = false
    const resolved = resolve(files).then(keys => { done = true; return keys })
    await drain()
    assert.equal(done, false, `${outcome}: nothing resolved before`)
    assert.deepEqual(disk.opens, [], `${outcome}: no file read before`)
    settle()
    if (outcome === 'reject') {
      await assert.rejects(resolved, /the old instance failed to close/)
      assert.deepEqual(disk.opens, [], 'a rejected wait reads nothing')
      continue
    }
    const keys = await resolved
    assert.deepEqual(keys.publicKey, named('after').publicKey)
    assert.ok(disk.opens.length > 0)
    await closeFile(files.keyStorage)
  }
})

test('a read error with an errno code is reported, not taken for a missing file', WAITS, async () => {
  const disk = memoryDisk()
  const failing = (hex: string, file: string): RandomAccessStorage => {
    if (file !== 'key') return disk.open(hex, file)
    return new RandomAccessStorage({
      stat: req => req.callback(Object.assign(new Error('EIO'), { code: 'EIO' })),
      read: req => req.callback(Object.assign(new Error('EIO'), { code: 'EIO' })),
      write: req => { disk.writes.push(coreFile(hex, file)); req.callback(null) }
    })
  }
  const files = new CoreKeyFiles(failing, named('broken'), deriver().derive)
  const err = await resolve(files).then(() => null, (err: Error & { code?: string }) => err)
  assert.equal(err?.code, 'EIO')
  assert.deepEqual(disk.writes, [], 'no new core over one that could not be read')
  await closeFile(files.keyStorage)
})

test('a stat error without a code (random-access-memory\'s "not found") counts as a missing file', WAITS, async () => {
  const disk = memoryDisk()
  const notFound = (hex: string, file: string): RandomAccessStorage => {
    const real = disk.open(hex, file)
    let first = true
    return new RandomAccessStorage({
      stat: req => {
        if (first && file === 'key') {
          first = false
          return req.callback(new Error('Not found'))
        }
        real.stat((err, st) => req.callback(err, st))
      },
      read: req => real.read(req.offset, req.size, (err, buf) => req.callback(err, buf)),
      write: req => real.write(req.offset, req.data as Buffer, err => req.callback(err))
    })
  }
  const source = named('fresh')
  const files = new CoreKeyFiles(notFound, source, deriver().derive)
  assert.deepEqual((await resolve(files)).publicKey, source.publicKey)
  assert.deepEqual(disk.read(coreFile(toHex(source.discoveryKey as Buffer), 'key')), source.publicKey)
  await closeFile(files.keyStorage)
})

/** An opener that records which of the core's files were closed. */
function closeTracking (disk: Disk): { open: (hex: string, file: string) => RandomAccessStorage, closed: string[] } {
  const closed: string[] = []
  const open = (hex: string, file: string): RandomAccessStorage => {
    const handle = disk.open(hex, file)
    handle.on('close', () => closed.push(file))
    return handle
  }
  return { open, closed }
}

test('closing the key storage hypercore used closes every key file read behind it', WAITS, async () => {
  const disk = memoryDisk()
  const { open, closed } = closeTracking(disk)
  const files = new CoreKeyFiles(open, named('closing'), deriver().derive)
  await read(files.keyStorage, 32)
  await closeFile(files.keyStorage)
  assert.deepEqual(closed.sort(), ['key', 'name'])
})

test('destroying the key storage destroys the key, name and secret_key files, read or not', WAITS, async () => {
  const disk = memoryDisk()
  const source = named('doomed')
  await created(disk, source)
  const destroyed: string[] = []
  const tracking = (hex: string, file: string): RandomAccessStorage => {
    const handle = disk.open(hex, file)
    handle.on('destroy', () => destroyed.push(file))
    return handle
  }
  const files = new CoreKeyFiles(tracking, byDiscoveryKey(source.discoveryKey as Buffer), deriver().derive)
  await read(files.keyStorage, 32)
  await new Promise<void>((resolve, reject) => files.keyStorage.destroy(err => err ? reject(err) : resolve()))
  assert.deepEqual(destroyed.sort(), ['key', 'name', 'secret_key'])
})

// hypercore never opens the virtual key storage of a core whose keys failed to resolve, so the key
// files read while resolving must close by themselves.
test('closing the key storage after a failed resolve closes the key files that were read', { ...WAITS }, async () => {
  const disk = memoryDisk()
  const source = named('mismatch')
  await created(disk, source)
  const { open, closed } = closeTracking(disk)
  const files = new CoreKeyFiles(open, byDiscoveryKey(source.discoveryKey as Buffer), deriver(OTHER_MASTER_KEY).derive)
  await assert.rejects(resolve(files), { code: 'KEY_MISMATCH' })
  await closeFile(files.keyStorage)
  assert.deepEqual(closed.sort(), ['key', 'name'])
})
