// The request window over real delayed links (bench/link.ts: each chunk held for the delay, in order).
// No timings are asserted: what is checked is how many requests the downloader kept in flight, that
// every block arrived verified, and who was asked for what.
import test from 'node:test'
import assert from 'node:assert/strict'
import ram = require('random-access-memory')
import Corestore = require('../lib')
import { connectThroughLink } from '../bench/link'
import type { DelayLine } from '../bench/link'
import { requestBudget, requestsInFlight } from '../lib/hypercore9'
import type { Feed } from '../lib/hypercore9'
import { CORESTORE_5 } from './helpers/interop'

const WAITS = { timeout: 120_000 }

type Stream = ReturnType<Corestore['replicate']>

/** Two replication streams through a link of `delayMs` each way; `close` destroys both. */
function link (a: Stream, b: Stream, delayMs: number): { lines: [DelayLine, DelayLine], close (): void } {
  a.on('error', () => {})
  b.on('error', () => {})
  const connected = connectThroughLink(a as never, b as never, { delayMs })
  return {
    lines: connected.lines,
    close: () => {
      connected.close()
      a.destroy()
      b.destroy()
    }
  }
}

async function writer (blocks: number, blockSize = 1024): Promise<{ store: Corestore, core: Corestore.Core }> {
  const store = new Corestore(ram)
  const core = store.get({ name: 'source' })
  await core.ready()
  const batch: Buffer[] = []
  for (let i = 0; i < blocks; i++) batch.push(Buffer.alloc(blockSize, i & 0xff))
  await core.append(batch)
  return { store, core }
}

/** Downloads every block of `copy`, recording the most requests its peers had in flight at once. */
async function downloadAll (copy: Feed, length: number): Promise<{ most: number }> {
  let most = 0
  const sample = (): void => {
    for (const peer of copy.peers) most = Math.max(most, requestsInFlight(peer))
  }
  copy.on('download', sample)
  await new Promise<void>((resolve, reject) => copy.download({ start: 0, end: length }, (err: Error | null) => err ? reject(err) : resolve()))
  copy.removeListener('download', sample)
  return { most }
}

async function audited (core: Corestore.Core): Promise<{ valid: number, invalid: number }> {
  return await core.audit()
}

test('over a slow link the window grows past hypercore\'s 16 requests, and every block arrives verified', WAITS, async () => {
  const { store: a, core: source } = await writer(3000)
  const b = new Corestore(ram)
  const copy = b.get({ key: source.key as Buffer, sparse: true })
  await copy.ready()
  const connected = link(a.replicate(false, { live: true }), b.replicate(true, { live: true }), 40)
  const uploads = new Map<number, number>()
  source.on('upload', (index: number) => uploads.set(index, (uploads.get(index) ?? 0) + 1))
  const { most } = await downloadAll(copy, 3000)
  assert.ok(most > 16, `more than 16 requests in flight at once (saw ${most})`)
  assert.deepEqual(await audited(copy), { valid: 3000, invalid: 0 })
  assert.equal(uploads.size, 3000)
  assert.ok([...uploads.values()].every(count => count === 1), 'no block was requested twice from the one peer')
  connected.close()
  await Promise.all([a.close(), b.close()])
})

test('many get()s at once over a slow link use the widened window too', WAITS, async () => {
  const { store: a, core: source } = await writer(1500)
  const b = new Corestore(ram)
  const copy = b.get({ key: source.key as Buffer, sparse: true })
  await copy.ready()
  const connected = link(a.replicate(false, { live: true }), b.replicate(true, { live: true }), 40)
  // A first range widens the window; then a thousand reads wait at once.
  await downloadAll(copy, 500)
  let most = 0
  copy.on('download', () => { for (const peer of copy.peers) most = Math.max(most, requestsInFlight(peer)) })
  const reads = await Promise.all(Array.from({ length: 1000 }, (_, i) => copy.get(500 + i)))
  assert.ok(most > 32, `more than hypercore's 16 + 16 urgent requests in flight (saw ${most})`)
  reads.forEach((block, i) => assert.deepEqual(block, Buffer.alloc(1024, (500 + i) & 0xff)))
  connected.close()
  await Promise.all([a.close(), b.close()])
})

test('a live, non-sparse copy follows appends over a slow link and verifies every block', WAITS, async () => {
  const { store: a, core: source } = await writer(1000)
  const b = new Corestore(ram)
  const copy = b.get({ key: source.key as Buffer })
  await copy.ready()
  const connected = link(a.replicate(false, { live: true }), b.replicate(true, { live: true }), 30)
  const all = (length: number): Promise<void> => new Promise(resolve => {
    const check = (): void => {
      if (copy.length < length || copy.downloaded(0, length) < length) return
      copy.removeListener('download', check)
      copy.removeListener('append', check)
      resolve()
    }
    copy.on('download', check)
    copy.on('append', check)
    check()
  })
  await all(1000)
  await source.append(Array.from({ length: 1000 }, (_, i) => Buffer.alloc(1024, (1000 + i) & 0xff)))
  await all(2000)
  assert.deepEqual(await audited(copy), { valid: 2000, invalid: 0 })
  connected.close()
  await Promise.all([a.close(), b.close()])
})

test('maxBytesInFlight bounds the window: never more blocks in flight than fit', WAITS, async () => {
  const { store: a, core: source } = await writer(600, 4096)
  const b = new Corestore(ram, { maxBytesInFlight: 64 * 1024 })
  const copy = b.get({ key: source.key as Buffer, sparse: true })
  await copy.ready()
  const connected = link(a.replicate(false, { live: true }), b.replicate(true, { live: true }), 30)
  const { most } = await downloadAll(copy, 600)
  assert.ok(most <= 16, `64 KiB of 4 KiB blocks is 16 blocks (saw ${most} in flight)`)
  assert.deepEqual(await audited(copy), { valid: 600, invalid: 0 })
  connected.close()
  await Promise.all([a.close(), b.close()])
})

test('a maxRequests given by the user fixes the window, as in corestore@5', WAITS, async () => {
  const { store: a, core: source } = await writer(800)
  const b = new Corestore(ram, { maxRequests: 8 })
  const copy = b.get({ key: source.key as Buffer, sparse: true })
  await copy.ready()
  const connected = link(a.replicate(false, { live: true }), b.replicate(true, { live: true }), 30)
  const { most } = await downloadAll(copy, 800)
  assert.ok(most <= 8, `at most 8 requests in flight (saw ${most})`)
  assert.ok(most >= 1)
  assert.deepEqual(await audited(copy), { valid: 800, invalid: 0 })
  connected.close()
  await Promise.all([a.close(), b.close()])
})

test('a peer that stops answering loses its window and its requests go to another peer', WAITS, async () => {
  const { store: a, core: source } = await writer(400)
  // A mirror with the same blocks, which will stop answering.
  const mirror = new Corestore(ram)
  const mirrorCore = mirror.get({ key: source.key as Buffer })
  await mirrorCore.ready()
  const filling = link(a.replicate(false, { live: true }), mirror.replicate(true, { live: true }), 0)
  await mirrorCore.download({ start: 0, end: 400 })
  filling.close()

  const b = new Corestore(ram)
  const copy = b.get({ key: source.key as Buffer, sparse: true })
  await copy.ready()
  // No stream timeout: without the window's overdue check the download would wait for the mirror forever.
  const toMirror = b.replicate(true, { live: true, timeout: false })
  const fromMirror = mirror.replicate(false, { live: true, timeout: false })
  let frozen = false
  toMirror.on('data', (chunk: Buffer) => fromMirror.write(chunk))
  fromMirror.on('data', (chunk: Buffer) => { if (!frozen) toMirror.write(chunk) })
  for (const s of [toMirror, fromMirror]) s.on('error', () => {})
  await copy.update({ minLength: 400 })
  const stalled = copy.peers[0]
  assert.ok(stalled !== undefined)
  frozen = true
  // The store's overdue check runs on an unref'd timer (a library never holds a process open), and
  // in-memory streams hold nothing either: this handle keeps the test's process alive meanwhile.
  const alive = setInterval(() => {}, 1000)
  const done = copy.download({ start: 0, end: 400 })
  // The mirror holds the first requests; the source joins over a link of its own.
  const toSource = link(a.replicate(false, { live: true }), b.replicate(true, { live: true }), 20)
  try {
    await done
  } finally {
    // A failure (a hang guard firing) must not leave the test file's process held open.
    clearInterval(alive)
  }
  assert.deepEqual(await audited(copy), { valid: 400, invalid: 0 })
  assert.equal(copy.peers.includes(stalled), true, 'the mirror is still connected, only silent')
  assert.equal(requestBudget(stalled), 1, 'the silent peer may keep one request in flight until it answers')
  toSource.close()
  toMirror.destroy()
  fromMirror.destroy()
  await Promise.all([a.close(), b.close(), mirror.close()])
})

test('a download from a corestore@5.8.2 uploader over a slow link widens the window and verifies every block', WAITS, async () => {
  const a = CORESTORE_5.create(ram)
  await a.ready()
  const source = a.default()
  await new Promise<void>((resolve, reject) => source.ready(err => err ? reject(err) : resolve()))
  const blocks = Array.from({ length: 2000 }, (_, i) => Buffer.alloc(1024, i & 0xff))
  await new Promise<void>((resolve, reject) => source.append(blocks as unknown as Buffer, err => err ? reject(err) : resolve()))
  const b = new Corestore(ram)
  const copy = b.get({ key: source.key as Buffer, sparse: true })
  await copy.ready()
  const connected = link(a.replicate(false, { live: true }) as unknown as Stream, b.replicate(true, { live: true }), 40)
  const { most } = await downloadAll(copy, 2000)
  assert.ok(most > 16, `more than 16 requests in flight at once (saw ${most})`)
  assert.deepEqual(await audited(copy), { valid: 2000, invalid: 0 })
  for (const i of [0, 999, 1999]) assert.deepEqual(await copy.get(i), blocks[i])
  connected.close()
  await b.close()
  await new Promise<void>(resolve => a.close(() => resolve()))
})

test('a maxBytesInFlight that is not a whole number of bytes >= 1 is refused with INVALID_OPTIONS, on the store and on replicate()', () => {
  for (const bad of [0, -1, 1.5, '8MiB', Number.NaN]) {
    assert.throws(() => new Corestore(ram, { maxBytesInFlight: bad as number }), { code: 'INVALID_OPTIONS' }, String(bad))
  }
  const store = new Corestore(ram)
  assert.throws(() => store.replicate(true, { maxBytesInFlight: 0 }), { code: 'INVALID_OPTIONS', message: /maxBytesInFlight must be a whole number of bytes >= 1, got 0/ })
  return store.close()
})
