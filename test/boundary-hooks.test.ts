// The hypercore@9 boundary's hooks, driven by a real peer: two HookedFeeds over memory storage, one
// writing and one reading, replicate over a hypercore-protocol stream pair; each hook must fire once
// per event with the right feed, peer and byte count.
import test from 'node:test'
import assert from 'node:assert/strict'
import { EventEmitter, once } from 'events'
import ram = require('random-access-memory')
import type RandomAccessStorage = require('random-access-storage')
import { HookedFeed, ProtocolStream, requestBudget, requestsInFlight, setRequestBudget } from '../lib/hypercore9'
import type { FeedFiles, FeedHooks, Peer } from '../lib/hypercore9'
import { discoveryKey, keyPairFromSeed } from '../lib/keys'
import type { KeyPair } from '../lib/keys'

const WAITS = { timeout: 20_000 }

type Call = [hook: keyof FeedHooks, feed: HookedFeed, ...rest: unknown[]]

/** Records every hook call, in order, and emits each one's name. */
class Recorder extends EventEmitter implements FeedHooks {
  readonly calls: Call[] = []
  onopen (feed: HookedFeed): void { this.#record(['onopen', feed]) }
  onopenfailed (feed: HookedFeed, err: Error): void { this.#record(['onopenfailed', feed, err]) }
  onclose (feed: HookedFeed): void { this.#record(['onclose', feed]) }
  onpeeradd (feed: HookedFeed, peer: Peer): void { this.#record(['onpeeradd', feed, peer]) }
  onpeerremove (feed: HookedFeed, peer: Peer): void { this.#record(['onpeerremove', feed, peer]) }
  onrequest (feed: HookedFeed, peer: Peer, index: number): void { this.#record(['onrequest', feed, peer, index]) }
  ondownload (feed: HookedFeed, peer: Peer | null, index: number, bytes: number): void { this.#record(['ondownload', feed, peer, index, bytes]) }
  onupload (feed: HookedFeed, peer: Peer, index: number, bytes: number): void { this.#record(['onupload', feed, peer, index, bytes]) }
  onpeererror (feed: HookedFeed, peer: Peer, err: Error): void { this.#record(['onpeererror', feed, peer, err]) }
  onwantspeers (feed: HookedFeed): void { this.#record(['onwantspeers', feed]) }

  of (hook: keyof FeedHooks, feed?: HookedFeed): Call[] {
    return this.calls.filter(call => call[0] === hook && (feed === undefined || call[1] === feed))
  }

  /** Resolves once `hook` has fired for `feed` (at once when it already has). */
  async fired (hook: keyof FeedHooks, feed: HookedFeed): Promise<void> {
    while (this.of(hook, feed).length === 0) await once(this, hook)
  }

  #record (call: Call): void {
    this.calls.push(call)
    this.emit(call[0])
  }
}

/** A feed's files in memory; `files` lets a test swap one for a faulty one. */
function memoryFiles (keys: KeyPair, writable: boolean, wrap: (name: string, file: RandomAccessStorage) => RandomAccessStorage = (_, f) => f): FeedFiles {
  return {
    keyStorage: ram(keys.publicKey),
    secretKeyStorage: writable ? ram(keys.secretKey) : ram(),
    discoveryKey: discoveryKey(keys.publicKey),
    name: null,
    openFile: name => wrap(name, ram()),
    resolve: cb => process.nextTick(cb, null, { publicKey: keys.publicKey })
  }
}

function ready (feed: HookedFeed): Promise<void> {
  return new Promise((resolve, reject) => feed.ready((err: Error | null) => err ? reject(err) : resolve()))
}

function append (feed: HookedFeed, blocks: Buffer[]): Promise<void> {
  return new Promise((resolve, reject) => feed.append(blocks, (err: Error | null) => err ? reject(err) : resolve()))
}

function get (feed: HookedFeed, index: number): Promise<Buffer> {
  return new Promise((resolve, reject) => feed.get(index, (err: Error | null, data?: Buffer) => err ? reject(err) : resolve(data as Buffer)))
}

function close (...feeds: HookedFeed[]): Promise<unknown> {
  return Promise.all(feeds.map(feed => new Promise<void>(resolve => feed.close(() => resolve()))))
}

/** Two protocol streams piped together, the writer's initiating. */
function streams (): { a: ProtocolStream, b: ProtocolStream, ended: Promise<void> } {
  const a = new ProtocolStream(true, { live: true })
  const b = new ProtocolStream(false, { live: true })
  a.pipe(b).pipe(a)
  // Destroying one side ends the other with a premature close: expected here.
  a.on('error', () => {})
  b.on('error', () => {})
  const closed = (s: ProtocolStream): Promise<void> => new Promise(resolve => s.once('close', () => resolve()))
  const ended = Promise.all([closed(a), closed(b)]).then(() => {})
  return { a, b, ended }
}

async function writerAndReader (seed: number, blocks: Buffer[], hooks: FeedHooks, wrap?: (name: string, file: RandomAccessStorage) => RandomAccessStorage): Promise<{ writer: HookedFeed, reader: HookedFeed }> {
  const keys = keyPairFromSeed(Buffer.alloc(32, seed))
  const writer = new HookedFeed(memoryFiles(keys, true, wrap), keys.publicKey, {}, hooks)
  const reader = new HookedFeed(memoryFiles(keys, false), keys.publicKey, { sparse: true }, hooks)
  await Promise.all([ready(writer), ready(reader)])
  await append(writer, blocks)
  return { writer, reader }
}

test('a feed reports its open and its close once each, and a failed open once', WAITS, async () => {
  const hooks = new Recorder()
  const keys = keyPairFromSeed(Buffer.alloc(32, 1))
  const feed = new HookedFeed(memoryFiles(keys, true), keys.publicKey, {}, hooks)
  await ready(feed)
  assert.deepEqual(hooks.calls.map(c => c[0]), ['onopen'])
  assert.equal(hooks.calls[0]?.[1], feed)
  await close(feed)
  assert.deepEqual(hooks.calls.map(c => c[0]), ['onopen', 'onclose'])

  const failing = new HookedFeed({ ...memoryFiles(keys, true), resolve: cb => process.nextTick(cb, Object.assign(new Error('no keys here'), { code: 'EIO' })) }, keys.publicKey, {}, hooks)
  await assert.rejects(ready(failing), /no keys here/)
  const failed = hooks.of('onopenfailed', failing)
  assert.equal(failed.length, 1)
  assert.match((failed[0]?.[2] as Error).message, /no keys here/)
  assert.equal(hooks.of('onopen', failing).length, 0)
})

test('each block a peer downloads fires onrequest and ondownload on the reader and onupload on the writer once, with that peer and its bytes', WAITS, async () => {
  const hooks = new Recorder()
  const blocks = [Buffer.alloc(100, 1), Buffer.alloc(2000, 2), Buffer.alloc(7, 3)]
  const { writer, reader } = await writerAndReader(2, blocks, hooks)
  const { a, b, ended } = streams()
  writer.replicate(true, { stream: a, live: true })
  reader.replicate(false, { stream: b, live: true })
  for (let i = 0; i < blocks.length; i++) assert.deepEqual(await get(reader, i), blocks[i])

  const downloads = hooks.of('ondownload', reader)
  assert.deepEqual(downloads.map(c => [c[3], c[4]]).sort((x, y) => (x[0] as number) - (y[0] as number)), [[0, 100], [1, 2000], [2, 7]])
  const readerPeer = hooks.of('onpeeradd', reader)[0]?.[2]
  assert.ok(readerPeer !== undefined)
  for (const call of downloads) assert.equal(call[2], readerPeer, 'the reader\'s peer of that stream')
  const uploads = hooks.of('onupload', writer)
  assert.deepEqual(uploads.map(c => [c[3], c[4]]).sort((x, y) => (x[0] as number) - (y[0] as number)), [[0, 100], [1, 2000], [2, 7]])
  const writerPeer = hooks.of('onpeeradd', writer)[0]?.[2]
  for (const call of uploads) assert.equal(call[2], writerPeer)
  const requests = hooks.of('onrequest', reader)
  assert.deepEqual(requests.map(c => c[3]).sort(), [0, 1, 2], 'one request per block, none twice')
  for (const call of requests) assert.equal(call[2], readerPeer)
  assert.equal(hooks.of('onrequest', writer).length, 0, 'the writer requested nothing')
  assert.equal(hooks.of('ondownload', writer).length, 0, 'the writer downloaded nothing')
  assert.equal(hooks.of('onupload', reader).length, 0)

  assert.equal(hooks.of('onpeeradd', reader).length, 1, 'one peer per stream')
  assert.equal(hooks.of('onpeeradd', writer).length, 1)
  a.destroy()
  await ended
  await close(writer, reader)
  assert.equal(hooks.of('onpeerremove', reader).length, 1)
  assert.equal(hooks.of('onpeerremove', reader)[0]?.[2], readerPeer)
  assert.equal(hooks.of('onpeerremove', writer).length, 1)
})

test('a failed read while serving closes that channel only and fires onpeererror once, with the peer and the error', WAITS, async () => {
  const hooks = new Recorder()
  let failReads = false
  // The writer's data file fails every read once switched on (EIO while answering a request).
  const wrap = (name: string, file: RandomAccessStorage): RandomAccessStorage => {
    if (name !== 'data') return file
    const read = file.read.bind(file)
    file.read = (offset: number, size: number, cb: (err: Error | null, data?: Buffer) => void) => {
      if (failReads) return process.nextTick(cb, Object.assign(new Error('EIO: injected'), { code: 'EIO' }))
      read(offset, size, cb)
    }
    return file
  }
  const broken = await writerAndReader(3, [Buffer.from('lost')], hooks, wrap)
  const healthy = await writerAndReader(4, [Buffer.from('kept')], hooks)
  const { a, b, ended } = streams()
  broken.writer.replicate(true, { stream: a, live: true })
  healthy.writer.replicate(true, { stream: a, live: true })
  broken.reader.replicate(false, { stream: b, live: true })
  healthy.reader.replicate(false, { stream: b, live: true })
  failReads = true
  broken.reader.get(0, () => {})
  assert.deepEqual(await get(healthy.reader, 0), Buffer.from('kept'), 'the other core on the stream still replicates')
  await hooks.fired('onpeererror', broken.writer)
  const errors = hooks.of('onpeererror', broken.writer)
  assert.equal(errors.length, 1)
  assert.equal(errors[0]?.[2], hooks.of('onpeeradd', broken.writer)[0]?.[2], 'the peer whose channel failed')
  assert.equal((errors[0]?.[3] as NodeJS.ErrnoException).code, 'EIO')
  assert.equal(a.destroyed, false, 'the stream stays open')
  assert.equal(hooks.of('onpeererror', healthy.writer).length, 0)
  a.destroy()
  await ended
  await close(broken.writer, broken.reader, healthy.writer, healthy.reader)
})

test('a request budget set on a peer is read back, and bounds that peer\'s requests in flight', WAITS, async () => {
  const hooks = new Recorder()
  const blocks = Array.from({ length: 64 }, (_, i) => Buffer.alloc(512, i))
  const { writer, reader } = await writerAndReader(5, blocks, hooks)
  const { a, b, ended } = streams()
  writer.replicate(true, { stream: a, live: true })
  reader.replicate(false, { stream: b, live: true })
  const peer = reader.peers[0]
  assert.ok(peer !== undefined)
  assert.equal(requestBudget(peer), 16, 'hypercore@9\'s default')
  setRequestBudget(peer, 3)
  assert.equal(requestBudget(peer), 3)
  let most = 0
  const downloaded = new Promise<void>((resolve, reject) => {
    reader.download({ start: 0, end: blocks.length }, (err: Error | null) => err ? reject(err) : resolve())
  })
  reader.on('download', () => { most = Math.max(most, requestsInFlight(peer)) })
  await downloaded
  assert.ok(most <= 3, `at most 3 requests in flight, saw ${most}`)
  assert.ok(most >= 1)
  assert.equal(hooks.of('ondownload', reader).length, blocks.length)
  a.destroy()
  await ended
  await close(writer, reader)
})

test('wantPeers reports a feed with no peer that needs data, at most once a second', WAITS, async () => {
  const hooks = new Recorder()
  const keys = keyPairFromSeed(Buffer.alloc(32, 6))
  const reader = new HookedFeed(memoryFiles(keys, false), keys.publicKey, { sparse: true }, hooks)
  await ready(reader)
  reader.wantPeers()
  reader.wantPeers()
  assert.equal(hooks.of('onwantspeers', reader).length, 1)
  const writer = new HookedFeed(memoryFiles(keys, true), keys.publicKey, {}, hooks)
  await ready(writer)
  writer.wantPeers()
  assert.equal(hooks.of('onwantspeers', writer).length, 0, 'a writable feed needs no peer')
  await close(reader, writer)
})
