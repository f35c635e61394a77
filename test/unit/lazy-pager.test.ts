import test from 'node:test'
import assert from 'node:assert/strict'
import { createPager, LazyPager } from '../../lib/hypercore9/lazy-pager'
import type { Page } from '../../lib/hypercore9/lazy-pager'

// memory-pager@1 itself (the lazy pager replaces its export for later requires, so load the file fresh).
const original = require(require.resolve('memory-pager', { paths: [require.resolve('hypercore')] })) as unknown

/** A small deterministic generator, so a failure replays. */
function random (seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648
    return state / 2147483648
  }
}

interface AnyPager {
  length: number
  updates: Page[]
  get (i: number, noAllocate?: boolean): Page | undefined
  set (i: number, buf: Buffer | null): void
  updated (page: Page): void
  lastUpdate (): Page | null
  toBuffer (): Buffer
}

test('the lazy pager allocates no page table up front', () => {
  const pager = new LazyPager(1024)
  assert.equal(pager.length, 0)
  assert.equal(pager.get(5, true), undefined)
  assert.equal(pager.length, 0, 'looking does not allocate')
  assert.equal(createPager(64) instanceof LazyPager, true)
})

test('pages come zeroed from Node\'s shared buffer pool, never overlapping, and pagers share one zero page', () => {
  const dedup = Buffer.alloc(3584, 255)
  const pagers = Array.from({ length: 200 }, () => new LazyPager(3584, { deduplicate: dedup }))
  const small = Array.from({ length: 200 }, () => new LazyPager(1024))
  const pages: Buffer[] = []
  for (const [i, pager] of [...pagers, ...small].entries()) {
    for (const index of [0, 7]) {
      const page = pager.get(index) as Page
      assert.ok(page.buffer.every(byte => byte === 0), `pager ${i} page ${index} is zeroed`)
      // Dirty every byte: a page that overlapped another would show it below.
      page.buffer.fill(i % 250 + 1)
      pages.push(page.buffer)
    }
    // A short buffer is padded with zeros to a page.
    pager.set(3, Buffer.from([9, 9]))
    const padded = (pager.get(3, true) as Page).buffer
    assert.equal(padded.length, pager.pageSize)
    assert.ok(padded.subarray(2).every(byte => byte === 0), `pager ${i} padded page`)
    padded.fill(i % 250 + 1)
    pages.push(padded)
  }
  pages.forEach((buffer, n) => {
    const fill = Math.floor(n / 3) % 250 + 1
    assert.ok(buffer.every(byte => byte === fill), `page ${n} kept its own bytes`)
  })
  const arrayBuffers = new Set(pages.map(buffer => buffer.buffer))
  assert.ok(arrayBuffers.size <= pages.length / 2, `${pages.length} pages in ${arrayBuffers.size} ArrayBuffers`)
  assert.equal(new Set(pagers.map(pager => pager.zeros)).size, 1, 'one zero page for every pager of a size')
})

test('the lazy pager behaves as memory-pager@1 under random gets, sets, updates and flushes, with and without deduplication', () => {
  const factory = original as (size: number, opts?: object) => AnyPager
  if (typeof factory !== 'function' || factory === (createPager as unknown)) {
    assert.fail('memory-pager@1 could not be loaded as itself')
  }
  for (const dedup of [null, Buffer.alloc(16, 255)]) {
    const next = random(dedup === null ? 7 : 11)
    const opts = dedup === null ? undefined : { deduplicate: dedup }
    const theirs = factory(16, opts)
    const ours = createPager(16, opts) as unknown as AnyPager
    for (let step = 0; step < 5000; step++) {
      const index = Math.floor(next() * (next() < 0.1 ? 70000 : 40))
      const roll = next()
      for (const pager of [theirs, ours]) {
        if (roll < 0.4) {
          const page = pager.get(index)
          if (page !== undefined) {
            page.buffer[step % 16] = step % 3 === 0 ? 255 : step % 256
            pager.updated(page)
          }
        } else if (roll < 0.6) {
          const kind = step % 4
          pager.set(index, kind === 0 ? null : kind === 1 ? Buffer.alloc(16) : kind === 2 ? Buffer.alloc(16, 255) : Buffer.alloc(step % 20, step % 256))
        } else if (roll < 0.7) {
          pager.lastUpdate()
        }
      }
      if (step % 250 === 0 || roll >= 0.7) {
        const a = theirs.get(index, true)
        const b = ours.get(index, true)
        assert.equal(b === undefined, a === undefined, `step ${step}: page ${index} present`)
        if (a !== undefined && b !== undefined) {
          assert.deepEqual(b.buffer, a.buffer, `step ${step}: page ${index}`)
          assert.equal(b.offset, a.offset)
        }
        assert.equal(ours.length, theirs.length, `step ${step}: length`)
        assert.equal(ours.updates.length, theirs.updates.length, `step ${step}: pending updates`)
      }
    }
    assert.deepEqual(ours.toBuffer(), theirs.toBuffer())
  }
})
