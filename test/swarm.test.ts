import test from 'node:test'
import assert from 'node:assert/strict'
import { EventEmitter } from 'events'
import ram = require('random-access-memory')
import Corestore = require('../lib')
import { StoreSwarm, parseBootstrapAddress, replicateOverSwarm, startBootstrapNode } from '../lib/swarm'
import { rejection, thrown } from './helpers/store'

type Core = Corestore.Core

/** Resolves once `check()` holds, re-checking whenever one of `events` fires on one of `emitters`. */
function until (what: string, check: () => boolean, emitters: EventEmitter[], events: string[], ms = 20000): Promise<void> {
  return new Promise((resolve, reject) => {
    const listeners: Array<() => void> = []
    const done = (err?: Error): void => {
      clearTimeout(timer)
      for (const off of listeners) off()
      if (err) reject(err)
      else resolve()
    }
    const recheck = (): void => { if (check()) done() }
    const timer = setTimeout(() => done(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
    for (const emitter of emitters) {
      for (const event of events) {
        emitter.on(event, recheck)
        listeners.push(() => emitter.removeListener(event, recheck))
      }
    }
    recheck()
  })
}

/** One after-hook that runs the cleanups in reverse order: swarms close before their DHT node does. */
function cleanups (t: { after: (fn: () => Promise<void>) => void }): (fn: () => Promise<unknown>) => void {
  const stack: Array<() => Promise<unknown>> = []
  t.after(async () => {
    for (const fn of stack.reverse()) await fn()
  })
  return fn => { stack.push(fn) }
}

const SWARM_EVENTS = ['connection', 'connection-closed', 'peer-add', 'peer-remove']
const CORE_EVENTS = ['download', 'append', 'peer-add', 'peer-remove', 'peer-open']

test('three stores find each other on a local DHT and replicate all their cores over one connection per pair', { timeout: 60000 }, async t => {
  const cleanup = cleanups(t)
  const dht = await startBootstrapNode()
  cleanup(() => dht.close())

  const stores = ['a', 'b', 'c'].map(() => new Corestore(ram))
  cleanup(() => Promise.all(stores.map(s => s.close())))
  // Two cores of its own per store, with a few blocks each.
  const own: Core[] = []
  for (const [i, store] of stores.entries()) {
    for (const name of ['one', 'two']) {
      const core = store.get({ name })
      await core.append([`${name} from ${i}`, 'second', 'third'])
      own.push(core)
    }
  }
  // Every store wants every core.
  const copies = stores.map(store => own.map(core => store.get(core.key as Buffer)))
  await Promise.all(copies.flat().map(core => core.ready()))

  // lan: false: dial only peers the DHT names, so this proves the DHT path (not multicast DNS).
  const swarms = stores.map(store => new StoreSwarm(store, { bootstrap: dht.bootstrap, lan: false }))
  cleanup(() => Promise.all(swarms.map(s => s.close())))
  let dials = 0
  for (const swarm of swarms) swarm.on('connection', info => { if (info.client) dials++ })

  // One after the other: each later store finds the earlier ones announced and dials them.
  for (const swarm of swarms) {
    for (const core of own) await swarm.join(core.discoveryKey as Buffer)
  }
  // A fresh lookup makes the earlier stores dial the later ones too: every pair is dialled from
  // both sides, and each side must drop the same one of the two connections.
  for (const swarm of swarms.slice(0, 2)) await swarm.join(own[0]?.discoveryKey as Buffer)

  const expectedIds = swarms.map(s => s.keyPair.publicKey.toString('hex'))
  const settled = (): boolean => swarms.every(s => s.peers.size === 2 && s.connections === 2 && s.connecting === 0)
  const replicated = (): boolean => copies.flat().every(core => core.length === 3 && core.downloaded() === 3)
  await until('every core on every store', replicated, copies.flat(), CORE_EVENTS)
  await until('one connection per pair', settled, swarms, SWARM_EVENTS)
  // Hyperswarm has dialled every peer it found (none is left in flight) and nothing changed.
  await Promise.all(swarms.map(s => s.flush()))
  assert.ok(settled(), 'still one connection per pair after the swarms flushed')

  assert.ok(dials > 3, `some pairs were dialled from both sides (${dials} dials for 3 pairs)`)
  for (const [i, swarm] of swarms.entries()) {
    const others = expectedIds.filter((_, j) => j !== i).sort()
    assert.deepEqual([...swarm.peers.keys()].sort(), others, `store ${i} has one connection to each other store`)
    for (const [j, other] of swarms.entries()) {
      if (i === j) continue
      const mine = swarm.peers.get(expectedIds[j] as string)
      const theirs = other.peers.get(expectedIds[i] as string)
      assert.ok(mine !== undefined && theirs !== undefined)
      assert.notEqual(mine.client, theirs.client, `stores ${i} and ${j} kept the same connection: one dialled, one accepted`)
    }
    // All six cores ride the same two connections.
    const streams = new Set([...swarm.peers.values()].map(p => p.stream))
    for (const core of copies[i] ?? []) {
      const carriers = core.peers.map(p => p.stream.stream)
      assert.equal(carriers.length, 2, 'each core has a peer on each connection')
      assert.ok(carriers.every(s => streams.has(s)), 'over the connections the swarm kept')
    }
  }
  for (const [i, store] of stores.entries()) {
    for (const [k, core] of own.entries()) {
      const copy = store.get(core.key as Buffer)
      assert.equal(copy, copies[i]?.[k])
      assert.equal((await copy.get(0)).toString(), `${k % 2 === 0 ? 'one' : 'two'} from ${Math.floor(k / 2)}`)
    }
  }
})

test('replicateOverSwarm announces and looks up each key; a late core joins the existing connection', { timeout: 60000 }, async t => {
  const cleanup = cleanups(t)
  const dht = await startBootstrapNode()
  cleanup(() => dht.close())
  const writer = new Corestore(ram)
  const reader = new Corestore(ram)
  cleanup(() => Promise.all([writer.close(), reader.close()]))

  const first = writer.get({ name: 'first', valueEncoding: 'json' })
  const second = writer.get({ name: 'second', valueEncoding: 'json' })
  await second.append({ n: 2 })
  await first.append({ second: (second.key as Buffer).toString('hex') })

  const writerSwarm = replicateOverSwarm(writer, [first.discoveryKey as Buffer, second.discoveryKey as Buffer], { bootstrap: dht.bootstrap, lan: false })
  cleanup(() => writerSwarm.close())
  await writerSwarm.flush()

  const firstCopy = reader.get({ key: first.key as Buffer, valueEncoding: 'json' })
  await firstCopy.ready()
  const readerSwarm = replicateOverSwarm(reader, [firstCopy.discoveryKey as Buffer], { bootstrap: dht.bootstrap, announce: false, lan: false })
  cleanup(() => readerSwarm.close())

  await firstCopy.update()
  const { second: secondKey } = await firstCopy.get(0) as { second: string }
  // Opened after the connection exists: the store adds it to that connection.
  const secondCopy = reader.get({ key: secondKey, valueEncoding: 'json' })
  await secondCopy.ready()
  await secondCopy.update()
  assert.deepEqual(await secondCopy.get(0), { n: 2 })
  assert.equal(readerSwarm.peers.size, 1)
  assert.equal(readerSwarm.connections, 1)
  assert.equal(secondCopy.peers[0]?.stream.stream, [...readerSwarm.peers.values()][0]?.stream)
})

test('close() leaves the store open and usable; bootstrap addresses are validated', { timeout: 30000 }, async t => {
  const cleanup = cleanups(t)
  const dht = await startBootstrapNode()
  cleanup(() => dht.close())
  const store = new Corestore(ram)
  cleanup(() => store.close())
  const swarm = new StoreSwarm(store, { bootstrap: dht.bootstrap })
  assert.deepEqual(await swarm.checkBootstrap(), dht.bootstrap)
  await swarm.close()
  await swarm.close()
  assert.equal(swarm.closed, true)
  const core = store.get({ name: 'still-open' })
  await core.append('x')
  assert.equal(core.length, 1)

  assert.deepEqual(parseBootstrapAddress('localhost:49737'), { host: 'localhost', port: 49737 })
  for (const bad of ['localhost', 'localhost:0', 'localhost:70000', ':1234', 'a b:1', '::1:49737']) {
    assert.equal(thrown(() => parseBootstrapAddress(bad)).code, 'INVALID_OPTIONS', bad)
  }
  assert.equal(thrown(() => new StoreSwarm(store, { bootstrap: ['nope'] })).code, 'INVALID_OPTIONS')
  assert.equal(thrown(() => replicateOverSwarm(store, ['not a key'])).code, 'INVALID_KEY')
})

test('checkBootstrap() fails at once with BOOTSTRAP_UNREACHABLE when no bootstrap host resolves', { timeout: 30000 }, async t => {
  const cleanup = cleanups(t)
  const store = new Corestore(ram)
  cleanup(() => store.close())
  const swarm = new StoreSwarm(store, { bootstrap: ['no-such-host.invalid:49737'] })
  cleanup(() => swarm.close())
  const err = await rejection(swarm.checkBootstrap())
  assert.equal(err.code, 'BOOTSTRAP_UNREACHABLE')
  assert.match(err.message, /Cannot resolve the DHT bootstrap host no-such-host\.invalid/)
})
