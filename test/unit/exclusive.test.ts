import test from 'node:test'
import assert from 'node:assert/strict'
import { ExclusiveLocks } from '../../lib/exclusive'

/**
 * Runs every pending promise reaction: the microtask queue is drained before the next macrotask,
 * so whatever can settle by then has settled. No timer is involved.
 */
function settle (): Promise<void> {
  return new Promise(resolve => setImmediate(resolve))
}

/** Acquires the lock of `id` and records in `order` the moment it becomes `label`'s. */
function acquire (locks: ExclusiveLocks, id: string, label: string, order: string[]): { release: () => void, holds: () => boolean } {
  const lock = locks.acquire(id)
  let holds = false
  lock.acquired.then(() => {
    holds = true
    order.push(label)
  }, () => {})
  return { release: lock.release, holds: () => holds }
}

test('the first acquirer holds the lock at once', async () => {
  const order: string[] = []
  const a = acquire(new ExclusiveLocks(), 'core', 'a', order)
  await settle()
  assert.equal(a.holds(), true)
  assert.deepEqual(order, ['a'])
})

test('a second acquirer waits until the first releases', async () => {
  const order: string[] = []
  const locks = new ExclusiveLocks()
  const a = acquire(locks, 'core', 'a', order)
  const b = acquire(locks, 'core', 'b', order)
  await settle()
  assert.equal(b.holds(), false)
  a.release()
  await settle()
  assert.equal(b.holds(), true)
  assert.deepEqual(order, ['a', 'b'])
})

test('waiters get the lock one at a time, in the order they asked', async () => {
  const order: string[] = []
  const locks = new ExclusiveLocks()
  const waiters = ['a', 'b', 'c', 'd'].map(label => acquire(locks, 'core', label, order))
  for (let i = 0; i < waiters.length; i++) {
    await settle()
    assert.deepEqual(order, ['a', 'b', 'c', 'd'].slice(0, i + 1), `only the first ${i + 1} got it`)
    waiters[i]?.release()
  }
})

test('releasing twice hands the lock on only once', async () => {
  const order: string[] = []
  const locks = new ExclusiveLocks()
  const a = acquire(locks, 'core', 'a', order)
  const b = acquire(locks, 'core', 'b', order)
  const c = acquire(locks, 'core', 'c', order)
  await settle()
  a.release()
  a.release()
  await settle()
  assert.equal(b.holds(), true)
  assert.equal(c.holds(), false, 'the second release of a did not release b')
  b.release()
  await settle()
  assert.equal(c.holds(), true)
})

test('a waiter that gives up before its turn does not take the lock from the holder', async () => {
  const order: string[] = []
  const locks = new ExclusiveLocks()
  const a = acquire(locks, 'core', 'a', order)
  const b = acquire(locks, 'core', 'b', order)
  const c = acquire(locks, 'core', 'c', order)
  b.release()
  await settle()
  assert.deepEqual(order, ['a'], 'a still holds it')
  a.release()
  await settle()
  assert.equal(c.holds(), true, 'b gave up, so c is next')
})

test('locks of different ids do not block each other', async () => {
  const order: string[] = []
  const locks = new ExclusiveLocks()
  acquire(locks, 'x', 'x1', order)
  const x2 = acquire(locks, 'x', 'x2', order)
  const y = acquire(locks, 'y', 'y', order)
  await settle()
  assert.equal(y.holds(), true)
  assert.equal(x2.holds(), false)
  assert.deepEqual(order, ['x1', 'y'])
})

test('once everyone released, a fresh acquire is immediate and the next one waits again', async () => {
  const order: string[] = []
  const locks = new ExclusiveLocks()
  const a = acquire(locks, 'core', 'a', order)
  const b = acquire(locks, 'core', 'b', order)
  a.release()
  b.release()
  await settle()
  const c = acquire(locks, 'core', 'c', order)
  const d = acquire(locks, 'core', 'd', order)
  await settle()
  assert.equal(c.holds(), true)
  assert.equal(d.holds(), false)
  c.release()
  await settle()
  assert.deepEqual(order, ['a', 'b', 'c', 'd'])
})
