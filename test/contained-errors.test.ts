import test from 'node:test'
import assert from 'node:assert/strict'
import ram = require('random-access-memory')
import Corestore = require('../lib')
import { FaultyFolder } from './helpers/faulty-storage'
import { MASTER_KEY, replicateStores, tmpdir } from './helpers/store'

/*
 * One core's storage failing while it is served (EIO reading a block, EIO opening it) closes that
 * core's channel only: the stream and every other core on it go on. hypercore@9 alone destroys the
 * whole stream, with every channel on it.
 */

const BLOCKS = 10

async function writeCores (dir: string, names: string[]): Promise<Map<string, { key: Buffer, dkey: string }>> {
  const store = new Corestore(dir, { masterKey: MASTER_KEY })
  const out = new Map<string, { key: Buffer, dkey: string }>()
  for (const name of names) {
    const core = store.get({ name })
    for (let i = 0; i < BLOCKS; i++) await core.append(`${name}-${i}`)
    out.set(name, { key: core.key as Buffer, dkey: (core.discoveryKey as Buffer).toString('hex') })
  }
  await store.close()
  return out
}

function once (emitter: NodeJS.EventEmitter, event: string): Promise<void> {
  return new Promise(resolve => emitter.once(event, () => resolve()))
}

async function readAll (core: Corestore.Core, name: string): Promise<void> {
  for (let i = 0; i < BLOCKS; i++) assert.equal(String(await core.get(i)), `${name}-${i}`)
}

test('a block the server cannot read closes that core\'s channel only; the stream and the other cores go on', { timeout: 120_000 }, async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const cores = await writeCores(dir, ['a', 'b', 'c'])
  const disk = new FaultyFolder(dir)
  const server = new Corestore(disk.storage, { masterKey: MASTER_KEY })
  const reader = new Corestore(ram, { sparse: true })
  t.after(() => Promise.all([server.close(), reader.close()]))
  const { a: served } = replicateStores(server, reader)

  const copies = new Map<string, Corestore.Core>()
  for (const [name, { key }] of cores) {
    const copy = reader.get(key)
    copies.set(name, copy)
    assert.equal(String(await copy.get(0)), `${name}-0`)
  }
  const b = copies.get('b') as Corestore.Core
  disk.fail('data', 'read', 1000, (cores.get('b') as { dkey: string }).dkey)
  const left = once(b, 'peer-remove')
  const pending = b.get(5)
  pending.catch(() => {})
  await left
  assert.ok(disk.fired.length > 0, 'the fault fired')
  assert.equal(b.peers.length, 0, 'core b lost its peer')

  await readAll(copies.get('a') as Corestore.Core, 'a')
  await readAll(copies.get('c') as Corestore.Core, 'c')
  assert.equal(served.destroyed, false, 'the stream is still up')
})

test('a core that fails to open for a peer closes that channel only; the other cores go on', { timeout: 120_000 }, async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const cores = await writeCores(dir, ['a', 'broken'])
  const disk = new FaultyFolder(dir)
  const server = new Corestore(disk.storage, { masterKey: MASTER_KEY })
  const reader = new Corestore(ram, { sparse: true })
  t.after(() => Promise.all([server.close(), reader.close()]))
  await server.ready()
  const { a: served } = replicateStores(server, reader)
  disk.fail('bitfield', 'stat', 1000, (cores.get('broken') as { dkey: string }).dkey)

  const broken = reader.get((cores.get('broken') as { key: Buffer }).key)
  await broken.ready()
  const refused = broken.peers.length > 0 ? once(broken, 'peer-remove') : Promise.resolve()
  await refused
  assert.equal(broken.peers.length, 0)
  assert.ok(disk.fired.includes('bitfield stat'))

  await readAll(reader.get((cores.get('a') as { key: Buffer }).key), 'a')
  assert.equal(served.destroyed, false, 'the stream is still up')
})
