import test from 'node:test'
import type { TestContext } from 'node:test'
import assert from 'node:assert/strict'
import ram = require('random-access-memory')
import Corestore = require('../lib')
import { FaultyFolder } from './helpers/faulty-storage'
import { MASTER_KEY, rejection, replicateStores, tmpdir } from './helpers/store'

/*
 * A failing disk (EIO injected into one file of a core at a time) never leaves a core whose memory
 * disagrees with its files: the write's error reaches the caller with its code, the next append lands
 * at the right index, and the reopened folder audits clean and replicates every block to a peer.
 */

const BLOCKS = ['zero', 'one', 'two', 'three', 'four']

async function blocksOf (core: Corestore.Core): Promise<string[]> {
  const out: string[] = []
  for (let i = 0; i < core.length; i++) out.push(String(await core.get(i)))
  return out
}

/** Reopens the folder with a plain store, audits the core, and copies every block to a fresh peer. */
async function checkOnDisk (dir: string, expected: string[], { replicate = true } = {}): Promise<void> {
  const store = new Corestore(dir, { masterKey: MASTER_KEY })
  const peer = new Corestore(ram)
  try {
    const core = store.get({ name: 'log' })
    await core.ready()
    assert.equal(core.length, expected.length, 'length on disk')
    assert.deepEqual(await core.audit(), { valid: expected.length, invalid: 0 })
    assert.deepEqual(await blocksOf(core), expected)
    if (!replicate) return
    replicateStores(store, peer)
    const copy = peer.get(core.key as Buffer)
    await copy.update({ minLength: expected.length })
    assert.deepEqual(await blocksOf(copy), expected, 'a peer downloads and verifies every block')
  } finally {
    await Promise.all([store.close(), peer.close()])
  }
}

/** A store on a folder whose files can fail, with core `log` holding BLOCKS (one append each). */
async function faultyLog (t: TestContext): Promise<{ dir: string, disk: FaultyFolder, store: Corestore, core: Corestore.Core }> {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const disk = new FaultyFolder(dir)
  const store = new Corestore(disk.storage, { masterKey: MASTER_KEY })
  const core = store.get({ name: 'log' })
  for (const block of BLOCKS) await core.append(block)
  return { dir, disk, store, core }
}

for (const file of ['data', 'tree', 'signatures', 'bitfield']) {
  test(`an append whose ${file} write fails reports EIO, and the next append lands at the right index`, async t => {
    const { dir, disk, store, core } = await faultyLog(t)
    disk.fail(file, 'write')
    const err = await rejection(core.append('lost'))
    assert.equal(err.code, 'EIO')
    assert.deepEqual(disk.fired, [`${file} write`])
    assert.equal(core.length, BLOCKS.length, 'the failed block is not counted')

    assert.equal(await core.append('five'), 5)
    assert.equal(await core.append(['six', 'seven']), 6)
    const expected = [...BLOCKS, 'five', 'six', 'seven']
    assert.deepEqual(await blocksOf(core), expected)
    assert.deepEqual(await core.audit(), { valid: expected.length, invalid: 0 })
    await store.close()
    await checkOnDisk(dir, expected)
  })
}

test('a truncate whose bitfield write fails reports EIO and leaves what is on disk', async t => {
  const { dir, disk, store, core } = await faultyLog(t)
  disk.fail('bitfield', 'write')
  assert.equal((await rejection(core.truncate(2))).code, 'EIO')
  assert.equal(core.length, BLOCKS.length, 'memory agrees with the files again')
  assert.equal(await core.append('five'), 5)
  await core.truncate(3)
  assert.equal(core.length, 3)
  assert.equal(await core.append('three again'), 3, 'an append after a truncate reports the new index')
  await store.close()
  // hypercore@9 cannot prove blocks to a peer after any truncate (its own warning: "might break your
  // core"), failed or not, so this folder is checked locally only.
  await checkOnDisk(dir, ['zero', 'one', 'two', 'three again'], { replicate: false })
})

test('a clear whose bitfield write fails reports EIO and the block stays readable', async t => {
  const { dir, disk, store, core } = await faultyLog(t)
  disk.fail('bitfield', 'write')
  assert.equal((await rejection(core.clear(1, 2))).code, 'EIO')
  assert.equal(core.has(1), true, 'the bitfield in memory is the one on disk')
  assert.equal(String(await core.get(1)), 'one')
  assert.equal(await core.append('five'), 5)
  await store.close()
  await checkOnDisk(dir, [...BLOCKS, 'five'])
})

for (const [file, op] of [['tree', 'read'], ['bitfield', 'stat'], ['signatures', 'read']] as const) {
  test(`a transient EIO on the ${file} ${op} at open fails the open, and opening again gets the whole core`, async t => {
    const { dir, cleanup } = await tmpdir()
    t.after(cleanup)
    const first = new Corestore(dir, { masterKey: MASTER_KEY })
    await first.get({ name: 'log' }).append(BLOCKS)
    await first.close()

    const disk = new FaultyFolder(dir)
    const store = new Corestore(disk.storage, { masterKey: MASTER_KEY })
    t.after(() => store.close())
    disk.fail(file, op)
    const failed = store.get({ name: 'log' })
    assert.equal((await rejection(failed.ready())).code, 'EIO')
    assert.deepEqual(disk.fired, [`${file} ${op}`])

    const core = store.get({ name: 'log' })
    assert.notEqual(core, failed, 'the failed instance is forgotten')
    await core.ready()
    assert.equal(core.length, BLOCKS.length)
    assert.equal(await core.append('five'), 5, 'nothing acknowledged is overwritten')
    await store.close()
    await checkOnDisk(dir, [...BLOCKS, 'five'])
  })
}
