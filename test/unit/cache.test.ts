import test from 'node:test'
import assert from 'node:assert/strict'
import { CoreCache, IDLE_CHANNEL_MS } from '../../lib/cache'

interface FakeCore {
  name: string
  peers: unknown[]
}

const PEER = { remote: true }

function core (name: string, peers: unknown[] = []): FakeCore {
  return { name, peers }
}

/** A cache of fake cores whose `evict` calls are recorded as [core name, id]. */
function cacheOf (maxPassive: number): { cache: CoreCache<FakeCore>, evicted: Array<[string, string]> } {
  const evicted: Array<[string, string]> = []
  const cache = new CoreCache<FakeCore>({
    maxPassive,
    isBusy: c => c.peers.length > 0,
    evict: (c, id) => { evicted.push([c.name, id]) }
  })
  return { cache, evicted }
}

test('a held core is never evicted, however many passive cores come after it', () => {
  const { cache, evicted } = cacheOf(0)
  const a = core('a')
  cache.hold('id-a', a, {})
  cache.addPassive('id-b', core('b'))
  cache.addPassive('id-c', core('c'))
  cache.trim()
  assert.deepEqual(evicted, [['b', 'id-b'], ['c', 'id-c']])
  assert.equal(cache.peek('id-a'), a)
  assert.equal(cache.size, 1)
})

test('releasing the last holder of an idle core hands it back to close, and the cache forgets it', () => {
  const { cache, evicted } = cacheOf(10)
  const a = core('a')
  const first = {}
  const second = {}
  cache.hold('id-a', a, first)
  cache.hold('id-a', a, second)
  assert.equal(cache.release('id-a', first), null, 'another view still holds it')
  assert.ok(cache.has('id-a'))
  assert.equal(cache.release('id-a', second), a)
  assert.equal(cache.has('id-a'), false)
  assert.equal(cache.size, 0)
  assert.equal(cache.get('id-a'), undefined)
  assert.deepEqual(evicted, [], 'the caller closes it, not evict')
  assert.equal(cache.release('id-a', second), null, 'a second release finds nothing')
})

test('releasing the last holder of a busy core keeps it passive until it is idle', () => {
  const { cache, evicted } = cacheOf(0)
  const a = core('a', [PEER])
  const view = {}
  cache.hold('id-a', a, view)
  assert.equal(cache.release('id-a', view), null)
  assert.ok(cache.has('id-a'))
  assert.equal(cache.references('id-a'), 0)
  assert.deepEqual([...cache.activeCores()], [])
  assert.deepEqual(evicted, [])

  a.peers.length = 0
  cache.refresh('id-a')
  assert.deepEqual(evicted, [['a', 'id-a']], 'once idle (the store refreshes it on peer-remove) it is an ordinary passive core')
  assert.equal(cache.has('id-a'), false)
})

test('passive cores beyond maxPassive are evicted least recently used first', () => {
  const { cache, evicted } = cacheOf(2)
  cache.addPassive('id-a', core('a'))
  cache.addPassive('id-b', core('b'))
  assert.deepEqual(evicted, [])
  cache.addPassive('id-c', core('c'))
  assert.deepEqual(evicted, [['a', 'id-a']])
  cache.addPassive('id-d', core('d'))
  assert.deepEqual(evicted, [['a', 'id-a'], ['b', 'id-b']])
  assert.deepEqual([...cache.cores()].map(c => c.name), ['c', 'd'])
  assert.equal(cache.maxPassive, 2)
})

test('get counts as a use of a passive core, peek does not', () => {
  const { cache, evicted } = cacheOf(2)
  const a = core('a')
  cache.addPassive('id-a', a)
  cache.addPassive('id-b', core('b'))
  assert.equal(cache.get('id-a'), a)
  cache.addPassive('id-c', core('c'))
  assert.deepEqual(evicted, [['b', 'id-b']], 'a was used after b')

  assert.equal(cache.peek('id-a'), a)
  cache.addPassive('id-d', core('d'))
  assert.deepEqual(evicted, [['b', 'id-b'], ['a', 'id-a']], 'peeking did not make a recent')
  assert.equal(cache.get('id-missing'), undefined)
  assert.equal(cache.peek('id-missing'), undefined)
})

test('busy passive cores are not in the eviction order; once refreshed as idle they are evicted', () => {
  const { cache, evicted } = cacheOf(1)
  const a = core('a', [PEER])
  const b = core('b', [PEER])
  cache.addPassive('id-a', a)
  cache.addPassive('id-b', b)
  assert.deepEqual(evicted, [], 'busy cores may exceed maxPassive')
  cache.addPassive('id-c', core('c'))
  assert.deepEqual(evicted, [['c', 'id-c']], 'the idle one goes, though it is the newest')

  a.peers.length = 0
  assert.deepEqual(evicted, [['c', 'id-c']], 'nothing happens before the cache hears of it')
  cache.refresh('id-a')
  assert.deepEqual(evicted, [['c', 'id-c'], ['a', 'id-a']])
  assert.ok(cache.has('id-b'))
  assert.equal(cache.size, 1)
})

test('a core added for a peer is not evicted until the peer settles', () => {
  const { cache, evicted } = cacheOf(0)
  cache.addPassive('id-a', core('a'), { forPeer: true })
  cache.trim()
  assert.deepEqual(evicted, [])
  assert.ok(cache.has('id-a'))
  cache.peerSettled('id-a')
  assert.deepEqual(evicted, [['a', 'id-a']])
  assert.equal(cache.has('id-a'), false)
})

test('expectPeer counts: two expected peers need two peerSettled', () => {
  const { cache, evicted } = cacheOf(0)
  const a = core('a')
  const view = {}
  cache.hold('id-a', a, view)
  cache.expectPeer('id-a')
  cache.expectPeer('id-a')
  assert.equal(cache.release('id-a', view), null, 'peers are waiting for it')
  assert.ok(cache.has('id-a'))
  cache.peerSettled('id-a')
  assert.deepEqual(evicted, [], 'one peer is still waiting')
  cache.peerSettled('id-a')
  assert.deepEqual(evicted, [['a', 'id-a']])
})

test('a peerSettled nobody expected does not pay for a later expectPeer', () => {
  const { cache } = cacheOf(0)
  const a = core('a')
  const view = {}
  cache.hold('id-a', a, view)
  cache.peerSettled('id-a')
  cache.expectPeer('id-a')
  assert.equal(cache.release('id-a', view), null)
  assert.ok(cache.has('id-a'))
})

test('outside references keep a core active and count with the views that hold it', () => {
  const { cache, evicted } = cacheOf(0)
  const a = core('a')
  const view = {}
  cache.hold('id-a', a, view)
  cache.increment('id-a')
  cache.increment('id-a')
  assert.equal(cache.references('id-a'), 3)
  assert.deepEqual(cache.entry('id-a'), { value: a, refs: 3 })

  assert.equal(cache.release('id-a', view), null, 'outside references still hold it')
  assert.deepEqual(cache.entry('id-a'), { value: a, refs: 2 })
  assert.deepEqual([...cache.activeCores()], [a])

  cache.decrement('id-a')
  assert.equal(cache.references('id-a'), 1)
  assert.deepEqual(evicted, [])
  cache.decrement('id-a')
  assert.deepEqual(evicted, [['a', 'id-a']], 'unreferenced, it turned passive and maxPassive 0 evicts it')
  assert.equal(cache.entry('id-a'), undefined)
  assert.equal(cache.references('id-a'), 0)
})

test('increment takes a passive core out of the LRU, and decrement below zero does nothing', () => {
  const { cache, evicted } = cacheOf(1)
  const a = core('a')
  cache.addPassive('id-a', a)
  cache.increment('id-a')
  cache.addPassive('id-b', core('b'))
  cache.addPassive('id-c', core('c'))
  assert.deepEqual(evicted, [['b', 'id-b']], 'a, older but referenced, is not a candidate')
  assert.deepEqual(cache.entry('id-a'), { value: a, refs: 1 })

  cache.decrement('id-a')
  cache.decrement('id-a')
  assert.equal(cache.references('id-a'), 0)
  cache.increment('id-a')
  assert.equal(cache.references('id-a'), 1, 'the extra decrement was not counted')

  cache.increment('id-missing')
  assert.equal(cache.has('id-missing'), false)
})

test('delete removes a core only when it is the same instance', () => {
  const { cache, evicted } = cacheOf(10)
  const a = core('a')
  const view = {}
  cache.hold('id-a', a, view)
  cache.delete('id-a', core('a'))
  assert.equal(cache.peek('id-a'), a, 'an equal but different core is not removed')
  cache.delete('id-a', a)
  assert.equal(cache.has('id-a'), false)
  assert.equal(cache.size, 0)
  assert.equal(cache.release('id-a', view), null)
  assert.deepEqual(evicted, [])
})

test('a deleted passive core leaves the LRU as well', () => {
  const { cache, evicted } = cacheOf(1)
  const a = core('a')
  cache.addPassive('id-a', a)
  cache.delete('id-a', a)
  cache.addPassive('id-b', core('b'))
  assert.deepEqual(evicted, [], 'only b is passive')
  assert.equal(cache.size, 1)
})

test('activeCores yields only referenced cores, cores yields them all', () => {
  const { cache } = cacheOf(10)
  const held = core('held')
  const counted = core('counted')
  const passive = core('passive')
  cache.hold('id-held', held, {})
  cache.addPassive('id-counted', counted)
  cache.increment('id-counted')
  cache.addPassive('id-passive', passive)
  assert.deepEqual([...cache.activeCores()], [held, counted])
  assert.deepEqual([...cache.cores()], [held, counted, passive])
})

test('hold returns false when the holder already holds the core, and counts each holder once', () => {
  const { cache } = cacheOf(10)
  const a = core('a')
  const first = {}
  const second = {}
  assert.equal(cache.hold('id-a', a, first), true)
  assert.equal(cache.hold('id-a', a, first), false)
  assert.equal(cache.hold('id-a', core('a2'), second), true)
  assert.equal(cache.peek('id-a'), a, 'the cached instance stays')
  assert.equal(cache.references('id-a'), 2)
  assert.equal(cache.release('id-a', first), null)
  assert.equal(cache.release('id-a', first), null)
  assert.equal(cache.references('id-a'), 1, 'a second release by the same holder drops nothing')
  assert.equal(cache.release('id-a', second), a)
})

test('holding a passive core makes it active again', () => {
  const { cache, evicted } = cacheOf(1)
  const a = core('a')
  cache.addPassive('id-a', a)
  cache.hold('id-a', core('other'), {})
  cache.addPassive('id-b', core('b'))
  cache.addPassive('id-c', core('c'))
  assert.deepEqual(evicted, [['b', 'id-b']])
  assert.equal(cache.peek('id-a'), a)
  assert.deepEqual([...cache.activeCores()], [a])
})

test('maxPassive 0 evicts every idle passive core and keeps the busy ones', () => {
  const { cache, evicted } = cacheOf(0)
  cache.addPassive('id-a', core('a'))
  cache.addPassive('id-b', core('b'))
  cache.addPassive('id-c', core('c', [PEER]))
  assert.deepEqual(evicted, [['a', 'id-a'], ['b', 'id-b']])
  assert.deepEqual([...cache.cores()].map(c => c.name), ['c'])
  assert.equal(cache.maxPassive, 0)
})

test('clear forgets every core without evicting any', () => {
  const { cache, evicted } = cacheOf(10)
  cache.hold('id-a', core('a'), {})
  cache.addPassive('id-b', core('b'))
  cache.clear()
  assert.equal(cache.size, 0)
  assert.equal(cache.has('id-a'), false)
  assert.equal(cache.has('id-b'), false)
  assert.deepEqual(evicted, [])
})

test('trimming costs one step per eviction: busy passive cores are never walked', () => {
  let checks = 0
  const evicted: string[] = []
  const cache = new CoreCache<{ peers: unknown[] }>({
    maxPassive: 10,
    isBusy: c => { checks++; return c.peers.length > 0 },
    evict: (_, id) => { evicted.push(id) }
  })
  for (let i = 0; i < 1000; i++) cache.addPassive(`busy-${i}`, { peers: [PEER] })
  assert.equal(cache.passiveCount, 1000)
  checks = 0
  for (let i = 0; i < 100; i++) cache.trim()
  assert.equal(checks, 0, 'no busy core is looked at by trim')
  cache.addPassive('idle', { peers: [] })
  assert.deepEqual(evicted, ['idle'], 'over maxPassive the one idle core goes')
  assert.ok(checks < 10, `${checks} checks for one insertion among 1000 busy cores`)
})

test('under pressure, busy passive cores whose channels carried nothing for a while let their peers go, least recently active first', t => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] })
  const released: string[] = []
  const evicted: string[] = []
  const cores = new Map<string, { peers: unknown[] }>()
  const cache = new CoreCache<{ peers: unknown[] }>({
    maxPassive: 2,
    isBusy: c => c.peers.length > 0,
    evict: (_, id) => { evicted.push(id) },
    releaseIdlePeers: c => {
      const id = [...cores].find(([, core]) => core === c)?.[0] as string
      released.push(id)
      c.peers.length = 0
      return true
    }
  })
  for (const id of ['a', 'b', 'c', 'd']) {
    const core = { peers: [PEER] }
    cores.set(id, core)
    cache.addPassive(id, core)
  }
  assert.deepEqual(released, [], 'nothing is released while the channels are young')
  t.mock.timers.tick(IDLE_CHANNEL_MS / 2)
  cache.touch('a')
  t.mock.timers.tick(IDLE_CHANNEL_MS / 2 + 20)
  assert.deepEqual(released, ['b', 'c'], 'the least recently active go first, until cacheSize is met')
  assert.deepEqual(evicted, ['b', 'c'])
  assert.equal(cache.passiveCount, 2)
})

test('at or below maxPassive, busy passive cores keep their peers however long they are idle', t => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] })
  let released = 0
  const cache = new CoreCache<{ peers: unknown[] }>({
    maxPassive: 3,
    isBusy: c => c.peers.length > 0,
    evict: () => {},
    releaseIdlePeers: () => { released++; return true }
  })
  for (const id of ['a', 'b', 'c']) cache.addPassive(id, { peers: [PEER] })
  t.mock.timers.tick(IDLE_CHANNEL_MS * 10)
  cache.trim()
  assert.equal(released, 0)
  assert.equal(cache.size, 3)
})
