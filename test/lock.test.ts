import test from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'child_process'
import fs = require('fs')
import path = require('path')
import readline = require('readline')
import raf = require('random-access-file')
import Corestore = require('../lib')
import { inspectStoreFolder } from '../lib/storage/inspect'
import { rejection, tmpdir } from './helpers/store'

const ENTRY = path.join(__dirname, '..', 'lib')

test('a second store on the same folder in this process fails with STORAGE_LOCKED until the first closes', async () => {
  const { dir, cleanup } = await tmpdir()
  const first = new Corestore(dir)
  await first.ready()
  await first.default().append('one')

  const second = new Corestore(dir)
  const err = await rejection(second.ready())
  assert.equal(err.code, 'STORAGE_LOCKED')
  assert.ok(err.message.includes(path.resolve(dir)), 'the message names the folder')
  await second.close()

  await first.close()
  const third = new Corestore(dir)
  await third.ready()
  const core = third.default()
  await core.ready()
  assert.equal(core.length, 1)
  assert.equal((await core.get(0)).toString(), 'one')
  await third.close()
  await cleanup()
})

test('a core asked for by key waits for the lock and fails with STORAGE_LOCKED when it is held', async () => {
  const { dir, cleanup } = await tmpdir()
  const first = new Corestore(dir)
  const core = first.default()
  await core.ready()
  const second = new Corestore(dir)
  const byKey = second.get(core.key as Buffer)
  const err = await rejection(byKey.ready())
  assert.equal(err.code, 'STORAGE_LOCKED')
  await second.close()
  await first.close()
  await cleanup()
})

test('the lock is made on a missing folder (created) and taken before master_key is written', async () => {
  const { dir, cleanup } = await tmpdir()
  const nested = path.join(dir, 'a', 'b')
  const first = new Corestore(nested)
  await first.ready()
  assert.ok(fs.existsSync(path.join(nested, 'master_key')))
  const second = new Corestore(nested)
  assert.equal((await rejection(second.ready())).code, 'STORAGE_LOCKED')
  await second.close()
  await first.close()
  await cleanup()
})

test('a store in another process holds the folder; after kill -9 it opens here', async () => {
  const { dir, cleanup } = await tmpdir()
  const script = `
    const Corestore = require(${JSON.stringify(ENTRY)})
    const store = new Corestore(${JSON.stringify(dir)})
    store.ready().then(() => store.default().append('from the child')).then(() => console.log('ready'), err => { console.error(err); process.exit(1) })
    setInterval(() => {}, 1000)
  `
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  try {
    const lines = readline.createInterface({ input: child.stdout })
    await new Promise<void>((resolve, reject) => {
      lines.on('line', line => { if (line === 'ready') resolve() })
      child.once('exit', code => reject(new Error(`the child exited (${String(code)}) before it was ready`)))
    })

    const blocked = new Corestore(dir)
    const err = await rejection(blocked.ready())
    assert.equal(err.code, 'STORAGE_LOCKED')
    await blocked.close()

    child.kill('SIGKILL')
    await exited

    const store = new Corestore(dir)
    await store.ready()
    const core = store.default()
    await core.ready()
    assert.equal(core.length, 1, 'the child\'s acknowledged block is there')
    await store.close()
  } finally {
    child.kill('SIGKILL')
    await exited
    await cleanup()
  }
})

test('inspecting a folder works while a store holds it, and takes no lock', async () => {
  const { dir, cleanup } = await tmpdir()
  const store = new Corestore(dir)
  await store.ready()
  await store.default().append(['a', 'b'])
  const inspection = await inspectStoreFolder(dir)
  assert.equal(inspection.cores.length, 1)
  assert.equal(inspection.cores[0]?.length, 2)
  const listed = []
  for await (const dkey of Corestore.listStoredCores(dir)) listed.push(dkey)
  assert.equal(listed.length, 1)
  await store.close()
  // Inspection left no lock behind: a store opens.
  const again = new Corestore(dir)
  await again.ready()
  await again.close()
  await cleanup()
})

test('a failed open (a master_key of the wrong size) releases the lock', async () => {
  const { dir, cleanup } = await tmpdir()
  await fs.promises.writeFile(path.join(dir, 'master_key'), Buffer.alloc(5))
  const bad = new Corestore(dir)
  assert.equal((await rejection(bad.ready())).code, 'INVALID_MASTER_KEY')
  // Not closed, yet the folder is free: the open that failed let go of it.
  await fs.promises.rm(path.join(dir, 'master_key'))
  const good = new Corestore(dir)
  await good.ready()
  await good.close()
  await bad.close()
  await cleanup()
})

test('a storage function takes no lock, even over a folder', async () => {
  const { dir, cleanup } = await tmpdir()
  const storage = (name: string): ReturnType<typeof raf> => raf(name, { directory: dir })
  const a = new Corestore(storage)
  const b = new Corestore(storage)
  await a.ready()
  await b.ready()
  assert.deepEqual(a.primaryKey, b.primaryKey)
  await a.close()
  await b.close()
  // And it left the folder free for a store that locks it.
  const locking = new Corestore(dir)
  await locking.ready()
  await locking.close()
  await cleanup()
})

test('closing releases the lock after the cores closed, so a close callback can reopen at once', async () => {
  const { dir, cleanup } = await tmpdir()
  const store = new Corestore(dir)
  await store.default().append('x')
  await new Promise<void>((resolve, reject) => store.close(err => err ? reject(err) : resolve()))
  const again = new Corestore(dir)
  await again.ready()
  await again.close()
  await cleanup()
})
