import test from 'node:test'
import type { Mock, TestContext } from 'node:test'
import assert from 'node:assert/strict'
import fs = require('fs')
import path = require('path')
import ram = require('random-access-memory')
import type RandomAccessStorage = require('random-access-storage')
import Corestore = require('../lib')
import { FilePool } from '../lib/storage/file-pool'
import { MASTER_KEY, openFds, tmpdir } from './helpers/store'

test('a folder store holds at most maxOpenFiles descriptors, however many cores are loaded, and every block stays readable', { timeout: 300_000 }, async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const CORES = 150
  const MAX = 32
  const before = openFds()
  const store = new Corestore(dir, { masterKey: MASTER_KEY, maxOpenFiles: MAX })
  t.after(() => store.close())
  const cores: Corestore.Core[] = []
  let peak = 0
  for (let i = 0; i < CORES; i++) {
    const core = store.get({ name: `core-${i}` })
    await core.append([`${i}-a`, `${i}-b`])
    cores.push(core)
    peak = Math.max(peak, openFds() - before)
  }
  // Every core loaded at once, read in parallel: the pool reopens what it closed.
  const blocks = await Promise.all(cores.map(core => core.get(1)))
  peak = Math.max(peak, openFds() - before)
  assert.deepEqual(blocks.map(String), cores.map((_, i) => `${i}-b`))
  assert.ok(peak <= MAX + 4, `${peak} descriptors for ${CORES} loaded cores (6 files each), at most ${MAX} in the pool`)
  await Promise.all(cores.map((core, i) => core.append(`${i}-c`)))
  await store.close()
  assert.ok(openFds() <= before + 1, 'close releases them all')

  const again = new Corestore(dir, { masterKey: MASTER_KEY })
  for (const i of [0, 77, CORES - 1]) {
    const core = again.get({ name: `core-${i}` })
    await core.ready()
    assert.equal(core.length, 3)
    assert.deepEqual(await core.audit(), { valid: 3, invalid: 0 })
    assert.equal(String(await core.get(2)), `${i}-c`)
  }
  await again.close()
  t.diagnostic(`peak ${peak} descriptors over the baseline for ${CORES} cores, maxOpenFiles ${MAX}`)
})

test('the pool never closes a descriptor an operation is using, and reopens closed files on demand', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const pool = new FilePool(1)
  const files = ['a', 'b', 'c'].map(name => pool.file(path.join(dir, 'sub', name)))
  // Writes to three files at once through one slot: each gets its descriptor, none is closed mid-write.
  await Promise.all(files.map((file, i) => new Promise<void>((resolve, reject) => {
    file.write(0, Buffer.alloc(64 * 1024, i + 1), err => err ? reject(err) : resolve())
  })))
  assert.ok(pool.openCount <= 1, `${pool.openCount} open after the writes finished`)
  for (const [i, file] of files.entries()) {
    const data = await new Promise<Buffer>((resolve, reject) => file.read(100, 10, (err, data) => err ? reject(err) : resolve(data as Buffer)))
    assert.deepEqual(data, Buffer.alloc(10, i + 1))
    assert.equal(fs.readFileSync(path.join(dir, 'sub', ['a', 'b', 'c'][i] as string)).length, 64 * 1024)
  }
  const missing = pool.file(path.join(dir, 'nope'))
  const err = await new Promise<Error | null>(resolve => missing.read(0, 1, err => resolve(err)))
  assert.equal((err as NodeJS.ErrnoException).code, 'ENOENT', 'reading a missing file fails as random-access-file does')
  assert.equal(fs.existsSync(path.join(dir, 'nope')), false, 'and does not create it')
  await Promise.all(files.map(file => new Promise<void>(resolve => file.close(() => resolve()))))
  assert.equal(pool.openCount, 0)
})

test('maxOpenFiles Infinity keeps every file open, as corestore@5 did (random-access-file)', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const before = openFds()
  const store = new Corestore(dir, { masterKey: MASTER_KEY, maxOpenFiles: Infinity })
  const cores = []
  for (let i = 0; i < 20; i++) {
    const core = store.get({ name: `core-${i}` })
    await core.append('x')
    cores.push(core)
  }
  assert.ok(openFds() - before >= 20 * 4, `${openFds() - before} descriptors for 20 cores`)
  await store.close()
  const again = new Corestore(dir, { masterKey: MASTER_KEY })
  const core = again.get({ name: 'core-19' })
  await core.ready()
  assert.equal(String(await core.get(0)), 'x')
  await again.close()
})

test('maxOpenFiles must be a whole number >= 1 (or Infinity)', () => {
  for (const bad of [0, -1, 1.5, '8']) {
    assert.throws(() => new Corestore('/tmp/unused', { maxOpenFiles: bad as number }), { code: 'INVALID_OPTIONS' })
  }
})

test('a core\'s key files are read once and closed; its data files stay with hypercore', async () => {
  const files: Array<{ name: string, file: RandomAccessStorage }> = []
  const store = new Corestore((name: string) => {
    const file = ram()
    files.push({ name: path.basename(name), file })
    return file
  }, { masterKey: MASTER_KEY })
  const core = store.get({ name: 'keys' })
  await core.append('x')
  const keyFiles = files.filter(({ name }) => ['key', 'name', 'secret_key'].includes(name))
  assert.ok(keyFiles.length >= 2, `key files opened: ${keyFiles.map(f => f.name).join(', ')}`)
  assert.deepEqual(keyFiles.filter(({ file }) => !file.closed).map(({ name }) => name), [], 'every key file is closed once the keys are known')
  assert.ok(files.some(({ name, file }) => name === 'data' && !file.closed))
  await store.close()
})

/** A pool file's read or write as a promise. */
function fileWrite (file: RandomAccessStorage, offset: number, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => file.write(offset, data, err => err ? reject(err) : resolve()))
}

function fileRead (file: RandomAccessStorage, offset: number, size: number): Promise<Buffer> {
  return new Promise((resolve, reject) => file.read(offset, size, (err, data) => err ? reject(err) : resolve(data as Buffer)))
}

test('operations waiting for a closed file open it once for all of them, file after file', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  for (const name of ['a', 'b']) fs.writeFileSync(path.join(dir, name), Buffer.alloc(100, name))
  const pool = new FilePool(1)
  const holder = pool.file(path.join(dir, 'holder'))
  const [a, b] = ['a', 'b'].map(name => pool.file(path.join(dir, name))) as unknown as [RandomAccessStorage, RandomAccessStorage]
  // Each file used once first: random-access-storage has then opened it and runs each read at once.
  for (const file of [holder, a, b]) await fileWrite(file, 200, Buffer.from('.'))
  const opens = t.mock.method(fs, 'open')
  // The one descriptor goes to `holder`; then reads of a and b alternate, all waiting for it.
  const writing = fileRead(holder, 200, 1)
  const reads: Array<Promise<Buffer>> = []
  for (let i = 0; i < 6; i++) reads.push(fileRead(i % 2 === 0 ? a : b, i, 1))
  await writing
  const data = await Promise.all(reads)
  assert.deepEqual(data.map(String), ['a', 'b', 'a', 'b', 'a', 'b'])
  const opened = opens.mock.calls.map(call => path.basename(String(call.arguments[0])))
  // One open per file, not one per operation: a, b, a, b... through one descriptor would be 6.
  assert.deepEqual(opened, ['holder', 'a', 'b'])
  await Promise.all([holder, a, b].map(file => new Promise<void>(resolve => file.close(() => resolve()))))
})

/** A pooled file `f` of `size` zero bytes in a fresh folder, and a spy on fs.write from then on. */
async function spiedFile (t: TestContext, size: number): Promise<{ dir: string, file: RandomAccessStorage, writes: Mock<typeof fs.write> }> {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const file = new FilePool(4).file(path.join(dir, 'f'))
  await fileWrite(file, 0, Buffer.alloc(size))
  return { dir, file, writes: t.mock.method(fs, 'write') }
}

/** The byte counts of the fs.write calls a spy saw. */
function writeSizes (writes: Mock<typeof fs.write>): unknown[] {
  return writes.mock.calls.map(call => (call.arguments as unknown[])[3])
}

test('writes that arrive in one turn go out together at its end, one write per adjacent run, every callback after its bytes', async t => {
  const { dir, file, writes } = await spiedFile(t, 200)
  const done: number[] = []
  const pending = [
    [0, 'aaaa'], [4, 'bbbb'], [8, 'cccc'], [12, 'dddd'], [100, 'zz'], [102, 'yy'], [50, 'mm']
  ].map(([offset, text], i) => fileWrite(file, offset as number, Buffer.from(text as string)).then(() => {
    // Its bytes are on disk when its callback runs.
    const onDisk = fs.readFileSync(path.join(dir, 'f')).subarray(offset as number, (offset as number) + (text as string).length)
    assert.equal(onDisk.toString(), text)
    done.push(i)
  }))
  await Promise.all(pending)
  assert.equal(done.length, 7)
  // 0 to 16 is one write, 100 and 102 another, 50 its own.
  const sizes = writeSizes(writes)
  assert.deepEqual(sizes, [16, 4, 2], `writes of ${sizes.join(', ')} bytes for 7 requests`)
  const content = fs.readFileSync(path.join(dir, 'f'))
  assert.equal(content.subarray(0, 16).toString(), 'aaaabbbbccccdddd')
  assert.equal(content.subarray(100, 104).toString(), 'zzyy')
  assert.equal(content.subarray(50, 52).toString(), 'mm')
  await new Promise<void>(resolve => file.close(() => resolve()))
})

test('writes that arrive while a batch is under way go out after it, together; a read, a stat or a truncation never passes a waiting write', async t => {
  const realWrite = fs.write
  const { dir, file, writes } = await spiedFile(t, 64)
  // The first batch goes at the turn's end; the next three arrive while it is under way.
  const first = fileWrite(file, 0, Buffer.from('1111'))
  await new Promise(resolve => setImmediate(resolve))
  const second = [[4, '2222'], [8, '3333'], [40, 'ee']].map(([offset, text]) => fileWrite(file, offset as number, Buffer.from(text as string)))
  await Promise.all([first, ...second])
  assert.deepEqual(writeSizes(writes), [4, 8, 2])

  // From here each write lands 20 ms late: an operation sent to the thread pool beside it would pass it.
  const lateWrite = (...args: unknown[]): void => { setTimeout(() => Reflect.apply(realWrite, fs, args), 20) }
  writes.mock.mockImplementation(lateWrite as typeof fs.write)
  // A read issued after a write of the same turn sees the written bytes.
  const written = fileWrite(file, 20, Buffer.from('rw'))
  const read = fileRead(file, 20, 2)
  assert.equal(String(await read), 'rw')
  await written
  const stat = await new Promise<{ size: number }>((resolve, reject) => {
    fileWrite(file, 100, Buffer.from('grow')).catch(reject)
    file.stat((err, st) => err ? reject(err) : resolve(st as { size: number }))
  })
  assert.equal(stat.size, 104, 'the stat ran after the write that grew the file')
  // A truncation to 104 issued after a write to 104..108 leaves 104 bytes.
  await Promise.all([
    fileWrite(file, 104, Buffer.from('more')),
    new Promise<void>((resolve, reject) => file.del(104, 4, err => err ? reject(err) : resolve()))
  ])
  assert.equal(fs.statSync(path.join(dir, 'f')).size, 104, 'the truncation ran after the write')
  assert.equal(fs.readFileSync(path.join(dir, 'f')).subarray(0, 12).toString(), '111122223333')
  await new Promise<void>(resolve => file.close(() => resolve()))
})

test('a queued write that a later one overwrites whole from the same offset is left out; its callback rides on the later one', async t => {
  const { dir, file, writes } = await spiedFile(t, 32)
  const done: string[] = []
  // All four wait for the turn's end: 'p1p1' and 'p2p2' are overwritten by 'p3p3' from offset 0.
  const pending = [[0, 'p1p1'], [0, 'p2p2'], [8, 'xx'], [0, 'p3p3']].map(([offset, text]) =>
    fileWrite(file, offset as number, Buffer.from(text as string)).then(() => { done.push(text as string) }))
  await Promise.all(pending)
  assert.deepEqual(done.sort(), ['p1p1', 'p2p2', 'p3p3', 'xx'], 'every callback ran')
  const sizes = writeSizes(writes)
  assert.deepEqual(sizes, [2, 4], `writes of ${sizes.join(', ')} bytes for 4 requests`)
  const content = fs.readFileSync(path.join(dir, 'f'))
  assert.equal(content.subarray(0, 4).toString(), 'p3p3')
  assert.equal(content.subarray(8, 10).toString(), 'xx')

  // A later write that is shorter does not cover the earlier one: both are written.
  writes.mock.resetCalls()
  await Promise.all([[0, 'AAAA'], [0, 'BBBBBBBB'], [0, 'C']].map(([offset, text]) => fileWrite(file, offset as number, Buffer.from(text as string))))
  const lengths = (writeSizes(writes) as number[]).sort()
  assert.deepEqual(lengths, [1, 4, 8], `writes of ${lengths.join(', ')} bytes`)
  await new Promise<void>(resolve => file.close(() => resolve()))
})

test('a write behind a read of a missing file creates it, and the read fails as random-access-file\'s does', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const pool = new FilePool(2)
  // Opening for the read has started (no create) when the write arrives.
  const opening = pool.file(path.join(dir, 'new', 'one'))
  const read = fileRead(opening, 0, 4).then(() => null, (err: NodeJS.ErrnoException) => err.code)
  const write = fileWrite(opening, 0, Buffer.from('data'))
  assert.equal(await read, 'ENOENT')
  await write
  assert.equal(fs.readFileSync(path.join(dir, 'new', 'one')).toString(), 'data')

  // Both waiting for a descriptor before either opens: the open creates the file for the write.
  const single = new FilePool(1)
  const holder = single.file(path.join(dir, 'holder'))
  const waiting = single.file(path.join(dir, 'new', 'two'))
  await fileWrite(holder, 0, Buffer.from('h'))
  const held = fileRead(holder, 0, 1)
  const readTwo = fileRead(waiting, 0, 4).then(() => null, (err: Error) => err.message)
  const writeTwo = fileWrite(waiting, 0, Buffer.from('more'))
  await held
  await writeTwo
  const readResult = await readTwo
  assert.ok(readResult === null || /Could not satisfy length/.test(readResult), String(readResult))
  assert.equal(fs.readFileSync(path.join(dir, 'new', 'two')).toString(), 'more')
  await Promise.all([opening, holder, waiting].map(file => new Promise<void>(resolve => file.close(() => resolve()))))
})
