import test from 'node:test'
import assert from 'node:assert/strict'
import { EventEmitter } from 'events'
import { Duplex, PassThrough } from 'stream'
import ram = require('random-access-memory')
import { Feed, ProtocolStream } from '../lib/hypercore9'
import { Replicator, resolveReplicationArgs } from '../lib/replication'
import type { CoreSource, ReplicationArgs } from '../lib/replication'
import { connect } from './helpers/store'

/** Tests that wait on events: a missing event fails the test instead of hanging the run. */
const WAITS = { timeout: 10_000 }

/** A CoreSource whose answers the test decides; it records every request and every settle. */
class FakeSource extends EventEmitter implements CoreSource {
  readonly asked: string[] = []
  readonly settled = new Map<string, number>()
  readonly #answer: (dkey: Buffer, cb: (core: Feed | null, settled: () => void) => void, settled: () => void) => void
  readonly #waiting = new Map<string, () => void>()

  constructor (answer: (dkey: Buffer, cb: (core: Feed | null, settled: () => void) => void, settled: () => void) => void) {
    super()
    this.#answer = answer
  }

  openForPeer (dkey: Buffer, cb: (core: Feed | null, settled: () => void) => void): void {
    const id = dkey.toString('hex')
    this.asked.push(id)
    const settled = (): void => {
      this.settled.set(id, (this.settled.get(id) ?? 0) + 1)
      this.#waiting.get(id)?.()
    }
    this.#answer(dkey, cb, settled)
  }

  /** Resolves once `settled` was called for this discovery key. */
  settledFor (dkey: Buffer): Promise<void> {
    const id = dkey.toString('hex')
    if ((this.settled.get(id) ?? 0) > 0) return Promise.resolve()
    return new Promise(resolve => this.#waiting.set(id, resolve))
  }
}

/** A source that knows these cores (answers at once) and nothing else. */
function sourceOf (...cores: Feed[]): FakeSource {
  return new FakeSource((dkey, cb, settled) => cb(cores.find(core => (core.discoveryKey as Buffer).equals(dkey)) ?? null, settled))
}

function args (initiator: boolean): ReplicationArgs {
  return resolveReplicationArgs(initiator, { live: true })
}

function ready (feed: Feed): Promise<void> {
  return new Promise((resolve, reject) => feed.ready((err: Error | null) => err ? reject(err) : resolve()))
}

function append (feed: Feed, data: string): Promise<void> {
  return new Promise((resolve, reject) => feed.append(data, (err: Error | null) => err ? reject(err) : resolve()))
}

function get (feed: Feed, index: number): Promise<Buffer> {
  return new Promise((resolve, reject) => feed.get(index, (err: Error | null, value?: Buffer) => err ? reject(err) : resolve(value as Buffer)))
}

function close (...feeds: Feed[]): Promise<unknown> {
  return Promise.all(feeds.map(feed => new Promise(resolve => feed.close(resolve))))
}

/** A writable core on memory holding `blocks`. */
async function writer (...blocks: string[]): Promise<Feed> {
  const feed = new Feed(ram)
  await ready(feed)
  for (const block of blocks) await append(feed, block)
  return feed
}

/** A reader of `feed` on its own memory. */
async function reader (feed: Feed): Promise<Feed> {
  const clone = new Feed(ram, feed.key)
  await ready(clone)
  return clone
}

function once (emitter: EventEmitter, event: string): Promise<unknown[]> {
  return new Promise(resolve => emitter.once(event, (...values: unknown[]) => resolve(values)))
}

/** Two Replicators' streams, piped together; `end()` destroys both and waits until they closed. */
function pair (a: Replicator, aCores: Feed[], b: Replicator, bCores: Feed[]): { sa: ProtocolStream, sb: ProtocolStream, end: () => Promise<void> } {
  const sa = a.replicate(args(true), aCores)
  const sb = b.replicate(args(false), bCores)
  const { ended } = connect(sa, sb)
  return { sa, sb, end: () => { sa.destroy(); sb.destroy(); return ended } }
}

test('cores given to replicate() on both sides replicate their data over the stream pair', WAITS, async () => {
  const source = await writer('hello', 'world')
  const copy = await reader(source)
  const a = new Replicator(sourceOf(source), {})
  const b = new Replicator(sourceOf(copy), {})
  const { end } = pair(a, [source], b, [copy])
  assert.deepEqual(await get(copy, 1), Buffer.from('world'))
  assert.deepEqual(await get(copy, 0), Buffer.from('hello'))
  await end()
  await close(source, copy)
})

test('a core attached later (the store attaches each core that opens) joins the streams already open', WAITS, async () => {
  const source = await writer('late')
  const copy = await reader(source)
  // Neither source would answer a peer: the core can only reach the stream through attach().
  const aSource = sourceOf()
  const bSource = sourceOf()
  const a = new Replicator(aSource, {})
  const b = new Replicator(bSource, {})
  const { end } = pair(a, [], b, [])
  a.attach(source)
  b.attach(copy)
  assert.deepEqual(await get(copy, 0), Buffer.from('late'))
  assert.deepEqual(aSource.asked, [], 'the peer never had to ask')
  assert.deepEqual(bSource.asked, [])
  await end()
  await close(source, copy)
})

test('a core the source answers for a peer is replicated to that peer', WAITS, async () => {
  const source = await writer('asked for')
  const copy = await reader(source)
  const aSource = sourceOf(source)
  const a = new Replicator(aSource, {})
  const b = new Replicator(sourceOf(copy), {})
  const { end } = pair(a, [], b, [copy])
  assert.deepEqual(await get(copy, 0), Buffer.from('asked for'))
  assert.deepEqual(aSource.asked, [(source.discoveryKey as Buffer).toString('hex')])
  await end()
  await close(source, copy)
})

test('a discovery key the source answers null for gets its channel closed, and the stream stays open', WAITS, async () => {
  const unknown = await writer('nobody has me')
  const copy = await reader(unknown)
  const aSource = sourceOf()
  const a = new Replicator(aSource, {})
  const b = new Replicator(sourceOf(copy), {})
  const removed = once(copy, 'peer-remove')
  const { sa, sb, end } = pair(a, [], b, [copy])
  await removed
  assert.deepEqual(aSource.asked, [(copy.discoveryKey as Buffer).toString('hex')])
  assert.equal(sb.opened(copy.key as Buffer), false, 'the asking side\'s channel is closed')
  assert.equal(copy.peers.length, 0)
  assert.equal(sa.destroyed, false)
  assert.equal(sb.destroyed, false)
  assert.equal(a.size, 1)
  assert.equal(b.size, 1)
  await end()
  await close(unknown, copy)
})

/** Resolves with 'data' once `feed` has block `index`, or with 'closed' when a peer left it first. */
function dataOrPeerLeft (feed: Feed, index: number): Promise<'data' | 'closed'> {
  return new Promise(resolve => {
    const onremove = (): void => resolve('closed')
    feed.once('peer-remove', onremove)
    feed.get(index, (err: Error | null) => {
      feed.removeListener('peer-remove', onremove)
      if (!err) resolve('data')
    })
  })
}

test('a null answer that comes after another replicator on the same stream opened the channel leaves it open', WAITS, async () => {
  const source = await writer('first')
  const copy = await reader(source)
  const answers: Array<() => void> = []
  const slow = new FakeSource((_, cb, settled) => {
    answers.push(() => cb(null, settled))
    slow.emit('asked')
  })
  const asked = once(slow, 'asked')
  const shared = new ProtocolStream(true, { live: true })
  const serving = new Replicator(sourceOf(source), {})
  const empty = new Replicator(slow, {})
  serving.replicate(resolveReplicationArgs(shared, undefined), [])
  empty.replicate(resolveReplicationArgs(shared, undefined), [])
  const b = new Replicator(sourceOf(copy), {})
  const sb = b.replicate(args(false), [copy])
  const { ended } = connect(shared, sb)

  assert.equal(await dataOrPeerLeft(copy, 0), 'data')
  await asked
  assert.equal(shared.opened(source.key as Buffer), true)
  answers[0]?.()
  assert.equal(shared.opened(source.key as Buffer), true, 'the channel the other replicator opened stays')
  await append(source, 'second')
  assert.equal(await dataOrPeerLeft(copy, 1), 'data')
  shared.destroy()
  sb.destroy()
  await ended
  await close(source, copy)
})

// Several stores may share one stream: the one without the core must not close a channel another
// one serves, even when it answers first.
test('a replicator without the core does not close the channel another replicator on the same stream serves', { ...WAITS }, async () => {
  const source = await writer('shared')
  const copy = await reader(source)
  const shared = new ProtocolStream(true, { live: true })
  const serving = new Replicator(sourceOf(source), {})
  const empty = new Replicator(sourceOf(), {})
  serving.replicate(resolveReplicationArgs(shared, undefined), [])
  empty.replicate(resolveReplicationArgs(shared, undefined), [])
  const plain = copy.replicate(false, { live: true })
  const { ended } = connect(shared, plain)
  const outcome = await dataOrPeerLeft(copy, 0)
  shared.destroy()
  plain.destroy()
  await ended
  await close(source, copy)
  assert.equal(outcome, 'data')
})

test('settled is called exactly once per request, whether the core was found or not', WAITS, async () => {
  const found = await writer('found')
  const missing = await writer('missing')
  const foundCopy = await reader(found)
  const missingCopy = await reader(missing)
  const aSource = sourceOf(found)
  const a = new Replicator(aSource, {})
  const b = new Replicator(sourceOf(foundCopy, missingCopy), {})
  const { end } = pair(a, [], b, [foundCopy, missingCopy])
  await Promise.all([aSource.settledFor(found.discoveryKey as Buffer), aSource.settledFor(missing.discoveryKey as Buffer)])
  assert.deepEqual(await get(foundCopy, 0), Buffer.from('found'))
  await end()
  assert.deepEqual(Object.fromEntries(aSource.settled), {
    [(found.discoveryKey as Buffer).toString('hex')]: 1,
    [(missing.discoveryKey as Buffer).toString('hex')]: 1
  })
  assert.equal(aSource.asked.length, 2)
  await close(found, missing, foundCopy, missingCopy)
})

test('an answer that arrives after its stream was destroyed is settled once and not replicated', WAITS, async () => {
  const source = await writer('too late')
  const copy = await reader(source)
  // This source holds its answer until the test gives it.
  const answers: Array<() => void> = []
  const aSource = new FakeSource((_, cb, settled) => {
    answers.push(() => cb(source, settled))
    aSource.emit('asked')
  })
  const asked = once(aSource, 'asked')
  const a = new Replicator(aSource, {})
  const b = new Replicator(sourceOf(copy), {})
  const { sa, end } = pair(a, [], b, [copy])
  await asked
  await end()
  assert.equal(sa.destroyed, true)
  assert.equal(answers.length, 1)
  answers[0]?.()
  await aSource.settledFor(source.discoveryKey as Buffer)
  assert.equal(aSource.settled.get((source.discoveryKey as Buffer).toString('hex')), 1)
  assert.equal(source.peers.length, 0, 'not replicated over a destroyed stream')
  await close(source, copy)
})

test('size counts the open streams and drops when a stream closes', WAITS, async () => {
  const a = new Replicator(sourceOf(), {})
  assert.equal(a.size, 0)
  const first = a.replicate(args(true), [])
  const second = a.replicate(args(false), [])
  assert.equal(a.size, 2)
  const closed = once(first, 'close')
  first.destroy()
  await closed
  assert.equal(a.size, 1)
  const secondClosed = once(second, 'close')
  second.destroy()
  await secondClosed
  assert.equal(a.size, 0)
})

test('destroyAll() destroys every stream, and a later replicate() returns a destroyed stream', WAITS, async () => {
  const feed = await writer('x')
  const a = new Replicator(sourceOf(feed), {})
  const b = new Replicator(sourceOf(), {})
  const { sa, sb, end } = pair(a, [feed], b, [])
  const other = a.replicate(args(false), [])
  assert.equal(a.size, 2)
  const closed = Promise.all([once(sa, 'close'), once(other, 'close')])
  a.destroyAll()
  assert.equal(a.size, 0)
  // streamx marks a stream destroyed once its destroy has run, a tick later.
  await closed
  assert.equal(sa.destroyed, true)
  assert.equal(other.destroyed, true)

  const later = a.replicate(args(true), [feed])
  const raw = new PassThrough()
  const overRaw = a.replicate(resolveReplicationArgs(raw, { initiator: true }), [])
  assert.equal(a.size, 0, 'streams asked for later are not tracked')
  await Promise.all([once(later, 'close'), once(overRaw, 'close'), once(raw, 'close')])
  assert.equal(later.destroyed, true)
  assert.equal(overRaw.destroyed, true)
  assert.equal(raw.destroyed, true, 'the raw duplex goes with it')
  assert.equal(feed.peers.length, 0, 'the core was never replicated over them')
  await end()
  assert.equal(sb.destroyed, true)
  await close(feed)
})

test('a stream piped over a raw duplex pair replicates, and closing the raw side destroys it', WAITS, async () => {
  const source = await writer('over raw')
  const copy = await reader(source)
  const ab = new PassThrough()
  const ba = new PassThrough()
  const rawA = Duplex.from({ readable: ba, writable: ab })
  const rawB = Duplex.from({ readable: ab, writable: ba })
  const a = new Replicator(sourceOf(source), {})
  const b = new Replicator(sourceOf(copy), {})
  const sa = a.replicate(resolveReplicationArgs(rawA, { initiator: true }), [source])
  const sb = b.replicate(resolveReplicationArgs(rawB, { initiator: false }), [copy])
  assert.equal(sa.live, true, 'live by default over a raw connection')
  assert.deepEqual(await get(copy, 0), Buffer.from('over raw'))

  const closedA = once(sa, 'close')
  const closedB = once(sb, 'close')
  rawA.destroy()
  rawB.destroy()
  await Promise.all([closedA, closedB])
  assert.equal(sa.destroyed, true)
  assert.equal(a.size, 0)
  assert.equal(b.size, 0)
  await close(source, copy)
})
