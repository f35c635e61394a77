import test from 'node:test'
import assert from 'node:assert/strict'
import { CoreCache } from '../../lib/cache'
import { RefPool } from '../../lib/legacy/refpool'

interface FakeCore { name: string, peers: unknown[], discoveryKey: string | null }

function setup (maxPassive = 10): { cache: CoreCache<FakeCore>, pool: RefPool<FakeCore>, evicted: string[], closed: string[], adopted: string[] } {
  const evicted: string[] = []
  const closed: string[] = []
  const adopted: string[] = []
  const cache = new CoreCache<FakeCore>({ maxPassive, isBusy: c => c.peers.length > 0, evict: (_, id) => evicted.push(id) })
  const pool = new RefPool<FakeCore>(cache, {
    adopt: id => adopted.push(id),
    close: id => closed.push(id),
    idOf: core => core.discoveryKey
  })
  return { cache, pool, evicted, closed, adopted }
}

const core = (name: string): FakeCore => ({ name, peers: [], discoveryKey: `dk-${name}` })

test('set caches a core from outside as passive, adopts it, and never evicts the core it just set', () => {
  const { pool, evicted, adopted } = setup(0)
  const a = core('a')
  const entry = pool.set('id-a', a)
  assert.equal(entry.key, 'id-a')
  assert.equal(entry.value, a)
  assert.equal(entry.refs, 0)
  assert.deepEqual(adopted, ['id-a'])
  assert.equal(pool.has('id-a'), true)
  assert.deepEqual(evicted, [], 'refpool let the pool grow by the core being set')
  pool.set('id-b', core('b'))
  assert.deepEqual(evicted, ['id-a'], 'the older idle one makes room')
})

test('set of a key already cached keeps its core, or puts another core in its place', () => {
  const { pool, adopted } = setup()
  const a = core('a')
  pool.set('id', a)
  pool.set('id', a)
  assert.deepEqual(adopted, ['id'])
  const b = core('b')
  pool.set('id', b)
  assert.equal(pool.get('id'), b)
  assert.deepEqual(adopted, ['id', 'id'])
})

test('increment holds a core against eviction; decrement to zero makes it evictable again', () => {
  const { pool, evicted } = setup(0)
  pool.set('id-a', core('a'))
  pool.increment('id-a')
  assert.equal(pool.entry('id-a')?.refs, 1)
  pool.set('id-b', core('b'))
  assert.equal(evicted.length, 0, 'a referenced core is never evicted')
  pool.decrement('id-a')
  assert.equal(pool.entry('id-a')?.refs ?? 0, 0)
  assert.ok(evicted.includes('id-a'), 'decremented to zero with cacheSize 0: evicted')
})

test('decrement never goes below zero, and increment of an unknown key does nothing', () => {
  const { pool } = setup()
  pool.set('id', core('a'))
  pool.decrement('id')
  pool.decrement('id')
  assert.equal(pool.entry('id')?.refs, 0)
  pool.increment('unknown')
  assert.equal(pool.has('unknown'), false)
})

test('delete forgets the core and closes it; deleting an unknown key does nothing', () => {
  const { pool, closed } = setup()
  pool.set('id', core('a'))
  pool.delete('id')
  assert.equal(pool.has('id'), false)
  assert.deepEqual(closed, ['id'])
  pool.delete('id')
  assert.deepEqual(closed, ['id'])
})

test('add caches a core under its own discovery key, and refuses one without', () => {
  const { pool } = setup()
  const a = core('a')
  pool.add(a)
  assert.equal(pool.get('dk-a'), a)
  assert.throws(() => pool.add({ name: 'x', peers: [], discoveryKey: null }), TypeError)
})

test('get bumps by default and not when asked; gc evicts the least recently used idle core', () => {
  const { pool, evicted } = setup()
  pool.set('id-a', core('a'))
  pool.set('id-b', core('b'))
  pool.get('id-a')
  assert.equal(pool.gc()?.name, 'b', 'a was used after b')
  pool.set('id-c', core('c'))
  pool.get('id-a', false)
  assert.equal(pool.gc()?.name, 'a', 'a look without bump leaves a oldest')
  assert.deepEqual(evicted, ['id-b', 'id-a'])
})

test('gc skips busy cores and answers null when nothing may close', () => {
  const { pool } = setup()
  const busy = core('busy')
  busy.peers.push({})
  pool.set('id', busy)
  assert.equal(pool.gc(), null)
})

test('entries, size, maxSize and isFull read as refpool had them', () => {
  const { pool } = setup(2)
  assert.equal(pool.maxSize, 2)
  assert.equal(pool.isFull(), true, 'refpool\'s isFull is true while the pool is not full')
  pool.set('id-a', core('a'))
  pool.set('id-b', core('b'))
  assert.equal(pool.size, 2)
  assert.equal(pool.isFull(), false)
  assert.deepEqual([...pool.entries.keys()], ['id-a', 'id-b'])
  const entry = pool.entries.get('id-a')
  entry?.increment()
  assert.equal(pool.entry('id-a')?.refs, 1)
  entry?.delete()
  assert.equal(pool.has('id-a'), false)
})
