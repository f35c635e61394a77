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

test('a block the downloader cannot store fails its waiting get with the coded EIO, and the store tells it once with the core and the peer', { timeout: 120_000 }, async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const source = new Corestore(ram, { masterKey: MASTER_KEY })
  const cores = new Map<string, Corestore.Core>()
  for (const name of ['broken', 'healthy']) {
    const core = source.get({ name })
    for (let i = 0; i < BLOCKS; i++) await core.append(`${name}-${i}`)
    cores.set(name, core)
  }
  const disk = new FaultyFolder(dir)
  const reader = new Corestore(disk.storage, { sparse: true })
  t.after(() => Promise.all([source.close(), reader.close()]))
  const broken = reader.get((cores.get('broken') as Corestore.Core).key as Buffer)
  const healthy = reader.get((cores.get('healthy') as Corestore.Core).key as Buffer)
  await Promise.all([broken.ready(), healthy.ready()])
  const events: Array<[Corestore.Core, Corestore.PeerStats, Error & { code?: string }]> = []
  reader.on('replication-error', (core, peer, err) => events.push([core, peer, err]))
  const { a: stream } = replicateStores(source, reader)
  await broken.update({ minLength: BLOCKS })

  disk.fail('data', 'write', 1, (broken.discoveryKey as Buffer).toString('hex'))
  const started = Date.now()
  const err = await broken.get(3).then(() => null, (e: Error & { code?: string }) => e)
  assert.ok(err !== null, 'the get failed')
  assert.equal(err.code, 'EIO')
  assert.ok(Date.now() - started < 30_000, 'it failed, rather than waiting forever')
  assert.equal(events.length, 1, 'one replication-error event')
  assert.equal(events[0]?.[0], broken)
  assert.match(events[0]?.[1].id ?? '', /^[0-9a-f]{16}$/)
  assert.equal(events[0]?.[2].code, 'EIO')
  assert.equal(reader.stats().cores.find(c => c.key === (broken.key as Buffer).toString('hex'))?.replicationErrors, 1)
  for (let i = 0; i < BLOCKS; i++) assert.equal(String(await healthy.get(i)), `healthy-${i}`, 'the other core on the stream goes on')
  assert.equal(stream.destroyed, false)
  // Storage recovered (the fault fired once): a new request over a new stream works.
  const again = replicateStores(source, reader)
  assert.equal(String(await broken.get(3)), 'broken-3')
  again.a.destroy()
})

test('a block that is not there fails get(i, { wait: false }) with BLOCK_NOT_AVAILABLE and hypercore\'s message', async () => {
  const store = new Corestore(ram)
  const core = store.get({ name: 'short' })
  await core.append('one')
  const err = await core.get(1e9, { wait: false }).then(() => null, (e: Error & { code?: string }) => e)
  assert.equal(err?.code, 'BLOCK_NOT_AVAILABLE')
  assert.equal(err?.message, 'Block not downloaded', 'the message callers matched stays')
  const viaCallback = await new Promise<Error & { code?: string }>(resolve => core.get(5, { wait: false }, err => resolve(err as Error)))
  assert.equal(viaCallback.code, 'BLOCK_NOT_AVAILABLE')
  const cancelled = core.get(7)
  core.cancel(7)
  assert.equal((await cancelled.then(() => null, (e: Error & { code?: string }) => e))?.code, 'REQUEST_CANCELLED')
  await store.close()
})

test('a block the server cannot read fires its replication-error once, and the reader gets that block from its other peer', { timeout: 120_000 }, async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const source = new Corestore(ram, { masterKey: MASTER_KEY })
  const core = source.get({ name: 'served' })
  for (let i = 0; i < BLOCKS; i++) await core.append(`served-${i}`)
  const key = core.key as Buffer
  // A mirror on a faulty disk holds every block.
  const disk = new FaultyFolder(dir)
  const mirror = new Corestore(disk.storage)
  const mirrored = mirror.get(key)
  await mirrored.ready()
  const filling = replicateStores(source, mirror)
  await mirrored.download({ start: 0, end: BLOCKS })
  filling.a.destroy()
  await filling.ended

  const reader = new Corestore(ram, { sparse: true })
  t.after(() => Promise.all([source.close(), mirror.close(), reader.close()]))
  const copy = reader.get(key)
  await copy.ready()
  const errors: Array<[Corestore.Core, Error & { code?: string }]> = []
  mirror.on('replication-error', (failed, _peer, err) => errors.push([failed, err]))
  // The mirror first, alone: every data read of its copy fails from now on.
  replicateStores(mirror, reader)
  await copy.update({ minLength: BLOCKS })
  disk.fail('data', 'read', 1000, (mirrored.discoveryKey as Buffer).toString('hex'))
  const read = copy.get(4)
  await once(mirror, 'replication-error')
  // Then the source joins: the block comes from it.
  replicateStores(source, reader)
  assert.equal(String(await read), 'served-4')
  assert.equal(errors.length, 1, 'one event on the server')
  assert.equal(errors[0]?.[0], mirrored)
  assert.equal(errors[0]?.[1].code, 'EIO')
  assert.equal(mirror.stats().cores[0]?.replicationErrors, 1)
})
