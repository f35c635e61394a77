import test from 'node:test'
import assert from 'node:assert/strict'
import fs = require('fs')
import path = require('path')
import ram = require('random-access-memory')
import type RandomAccessStorage = require('random-access-storage')
import Corestore = require('../lib')
import { FilePool } from '../lib/file-pool'
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
