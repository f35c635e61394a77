// Replication between corestore-ts and the real corestore@5.8.2 over hypercore-protocol@8, both initiator roles.
import test from 'node:test'
import assert from 'node:assert/strict'
import ram = require('random-access-memory')
import {
  append, block, blocks, ChannelCloses, connect, crypto, DIRECTIONS, discoveryKeyOf, keyOf, memoryStorage,
  ready, Resources, update
} from './helpers/interop'
import type { Link, Package, ReplicateOptions, Store } from './helpers/interop'

const TIMEOUT = { timeout: 30_000 }

/**
 * Connects two stores with `x` or `y` as the initiator; `yOpts` go to y's stream only (after `opts`).
 */
function link (res: Resources, x: Store, y: Store, xInitiates: boolean, opts: ReplicateOptions, yOpts: ReplicateOptions = {}): Link {
  return res.link(xInitiates
    ? connect(x, y, opts, { responder: yOpts })
    : connect(y, x, opts, { initiator: yOpts }))
}

function initiates (x: Package, y: Package, xInitiates: boolean): string {
  return `${xInitiates ? x.name : y.name} initiates`
}

for (const [x, y] of DIRECTIONS) {
  for (const xInitiates of [true, false]) {
    const roles = initiates(x, y, xInitiates)

    test(`cores ${x.name} opened before a stream replicate to ${y.name} until the stream ends (${roles})`, TIMEOUT, async t => {
      const res = new Resources(t)
      const writer = res.store(x.create(ram))
      await writer.ready()
      const cores = [writer.default(), writer.namespace('a').default(), writer.get()]
      for (const [i, core] of cores.entries()) {
        await ready(core)
        await append(core, `core${i}-0`, `core${i}-1`)
      }

      const reader = res.store(y.create(ram))
      await reader.ready()
      const copies = cores.map(core => reader.get({ key: keyOf(core) }))
      for (const copy of copies) await ready(copy)

      const stream = link(res, writer, reader, xInitiates, {})
      await stream.ended
      for (const [i, copy] of copies.entries()) {
        assert.equal(copy.writable, false)
        assert.deepEqual(await blocks(copy), [`core${i}-0`, `core${i}-1`], `core ${i} replicated`)
      }
      assert.deepEqual(stream.errors, [])
    })

    test(`cores opened on either side after a live stream is up are injected and replicate from ${x.name} to ${y.name} (${roles})`, TIMEOUT, async t => {
      const res = new Resources(t)
      const writer = res.store(x.create(ram))
      await writer.ready()
      const early = writer.default()
      await ready(early)
      await append(early, 'early-0')

      const reader = res.store(y.create(ram))
      await reader.ready()
      const stream = link(res, writer, reader, xInitiates, { live: true })
      await stream.handshake

      // The reader opens later a core the writer had from the start.
      const earlyCopy = reader.get({ key: keyOf(early) })
      assert.equal(await block(earlyCopy, 0), 'early-0')

      // The writer creates a core after the stream is up; the reader asks for it after that.
      const late = writer.get()
      await ready(late)
      await append(late, 'late-0', 'late-1')
      const lateCopy = reader.get({ key: keyOf(late) })
      assert.equal(await block(lateCopy, 0), 'late-0')
      assert.equal(await block(lateCopy, 1), 'late-1')

      // The reader asks first, for a core the writer does not have yet (its channel is closed);
      // the writer's core with that key pair, created afterwards, still reaches it.
      const pair = crypto.keyPair()
      const awaited = reader.get({ key: pair.publicKey })
      await ready(awaited)
      const created = writer.get({ keyPair: pair })
      await ready(created)
      await append(created, 'created-0')
      assert.equal(await block(awaited, 0), 'created-0')

      // The stream stays live: new blocks keep flowing to every core.
      await append(late, 'late-2')
      await append(early, 'early-1')
      assert.equal(await block(lateCopy, 2), 'late-2')
      assert.equal(await block(earlyCopy, 1), 'early-1')
      assert.deepEqual(stream.errors, [])
    })

    test(`${x.name} reopened from storage loads the cores ${y.name} asks for passively and serves them (${roles})`, TIMEOUT, async t => {
      const res = new Resources(t)
      const storage = memoryStorage()
      const first = res.store(x.create(storage))
      await first.ready()
      const named = first.default()
      const random = first.get()
      const withPair = first.get({ keyPair: crypto.keyPair() })
      for (const core of [named, random, withPair]) await ready(core)
      await append(named, 'default-0', 'default-1')
      await append(random, 'random-0')
      await append(withPair, 'keyPair-0')
      const keys = [keyOf(named), keyOf(random), keyOf(withPair)] as const
      await res.close(first)

      const server = res.store(x.create(storage))
      await server.ready()
      for (const key of keys) assert.equal(server.isLoaded({ key }), false, 'the reopened store loaded nothing')

      const client = res.store(y.create(ram))
      await client.ready()
      const stream = link(res, server, client, xInitiates, { live: true })
      await stream.handshake

      const [namedCopy, randomCopy, pairCopy] = keys.map(key => client.get({ key }))
      assert.ok(namedCopy !== undefined && randomCopy !== undefined && pairCopy !== undefined)
      assert.equal(await block(namedCopy, 0), 'default-0')
      assert.equal(await block(namedCopy, 1), 'default-1')
      assert.equal(await block(randomCopy, 0), 'random-0')
      assert.equal(await block(pairCopy, 0), 'keyPair-0')
      for (const key of keys) assert.equal(server.isLoaded({ key }), true, `${x.name} loaded ${key.toString('hex').slice(0, 8)} for the peer`)
      assert.equal(server.list().size, 0, 'loaded passively: no view of the server opened them')

      // Once the server's app opens the passive core, it is the replicating one, and still writable.
      const reopened = server.get({ key: keys[0] })
      await ready(reopened)
      assert.equal(reopened.writable, true)
      await append(reopened, 'default-2')
      assert.equal(await block(namedCopy, 2), 'default-2')
      assert.deepEqual(stream.errors, [])
    })

    test(`${x.name} closes the channel of a key it does not have and keeps replicating the other cores to ${y.name} (${roles})`, TIMEOUT, async t => {
      const res = new Resources(t)
      const server = res.store(x.create(ram))
      await server.ready()
      const known = server.default()
      await ready(known)
      await append(known, 'known-0')

      const client = res.store(y.create(ram))
      await client.ready()
      const knownCopy = client.get({ key: keyOf(known) })
      await ready(knownCopy)

      const closes = new ChannelCloses()
      const stream = link(res, server, client, xInitiates, { live: true }, { onchannelclose: closes.onchannelclose })
      assert.equal(await block(knownCopy, 0), 'known-0')

      const missingKey = crypto.keyPair().publicKey
      const missing = client.get({ key: missingKey })
      await ready(missing)
      await closes.waitFor(discoveryKeyOf(missing))
      assert.equal(server.isLoaded({ discoveryKey: discoveryKeyOf(missing) }), false, `${x.name} did not create the core`)

      await append(known, 'known-1')
      assert.equal(await block(knownCopy, 1), 'known-1', 'the other core still replicates')
      assert.ok(!closes.closed.includes(discoveryKeyOf(knownCopy).toString('hex')), 'its channel stayed open')
      assert.equal(stream.initiator.destroyed || stream.responder.destroyed, false, 'the stream is still up')
      assert.deepEqual(stream.errors, [])
    })

    test(`${y.name} downloads only the blocks it asks for from ${x.name} when both stores are sparse (${roles})`, TIMEOUT, async t => {
      const res = new Resources(t)
      const writer = res.store(x.create(ram, { sparse: true }))
      await writer.ready()
      const core = writer.default()
      await ready(core)
      assert.equal(core.sparse, true)
      await append(core, 'block-0', 'block-1', 'block-2', 'block-3', 'block-4')

      const reader = res.store(y.create(ram, { sparse: true }))
      await reader.ready()
      const copy = reader.get({ key: keyOf(core) })
      await ready(copy)
      assert.equal(copy.sparse, true)

      const stream = link(res, writer, reader, xInitiates, { live: true })
      assert.equal(await block(copy, 3), 'block-3')
      assert.equal(copy.has(3), true)
      assert.equal(copy.has(0), false)
      assert.equal(copy.downloaded(), 1, 'only the block asked for')

      await append(core, 'block-5')
      await update(copy, 6)
      assert.equal(copy.length, 6)
      assert.equal(copy.downloaded(), 1, 'an update fetches no blocks')
      assert.equal(await block(copy, 5), 'block-5')
      assert.equal(copy.downloaded(), 2)
      assert.deepEqual(stream.errors, [])
    })
  }
}
