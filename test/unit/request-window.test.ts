import test from 'node:test'
import assert from 'node:assert/strict'
import { RequestWindow } from '../../lib/request-window'

/**
 * A link in simulated time: each request is answered one round trip after it was sent, and no sooner
 * than the link's rate allows after the answer before it (a bandwidth cap queues answers). The
 * downloader keeps the window full. Returns what it saw.
 */
function simulate (window: RequestWindow, link: { rttMs: number, blockBytes: number, blocksPerMs?: number, untilMs: number }): { delivered: number, mostInFlight: number, sizes: number[] } {
  const gap = link.blocksPerMs === undefined ? 0 : 1 / link.blocksPerMs
  const inFlight: Array<{ key: string, arrives: number }> = []
  let now = 0
  let seq = 0
  let lastArrival = 0
  let delivered = 0
  let mostInFlight = 0
  const sizes: number[] = [window.size]
  while (now < link.untilMs) {
    while (window.inFlight < window.size) {
      const key = String(seq++)
      window.sent(key, now)
      lastArrival = Math.max(now + link.rttMs, lastArrival + gap)
      inFlight.push({ key, arrives: lastArrival })
    }
    mostInFlight = Math.max(mostInFlight, window.inFlight)
    const next = inFlight.shift()
    if (next === undefined) break
    now = next.arrives
    assert.equal(window.delivered(next.key, link.blockBytes, now), true)
    delivered++
    if (sizes[sizes.length - 1] !== window.size) sizes.push(window.size)
  }
  return { delivered, mostInFlight, sizes }
}

test('the window starts at hypercore\'s 16 and doubles each round trip while the delivery rate grows', () => {
  const window = new RequestWindow()
  assert.equal(window.size, 16)
  const { sizes } = simulate(window, { rttMs: 100, blockBytes: 1024, untilMs: 450 })
  assert.deepEqual(sizes.slice(0, 4), [16, 32, 64, 128], 'doubling once per round trip of 100 ms')
  assert.equal(window.startup, true)
  assert.equal(window.minRtt, 100)
})

test('the byte cap bounds the window: never more blocks in flight than fit in maxBytesInFlight', () => {
  const window = new RequestWindow({ maxBytesInFlight: 8 * 1024 * 1024 })
  const { mostInFlight } = simulate(window, { rttMs: 200, blockBytes: 64 * 1024, untilMs: 10_000 })
  assert.equal(window.size, 128, '8 MiB of 64 KiB blocks')
  assert.equal(mostInFlight, 128)
  const small = new RequestWindow({ maxBytesInFlight: 256 * 1024 })
  simulate(small, { rttMs: 200, blockBytes: 64 * 1024, untilMs: 5_000 })
  assert.equal(small.size, 4, 'a cap smaller than 16 blocks wins over the starting window once block sizes are known')
})

test('on a link that caps the rate, the window settles near twice the bandwidth-delay product instead of flooding', () => {
  const window = new RequestWindow()
  // 10 blocks per ms over a round trip of 100 ms: the product is 1000 blocks.
  const { sizes } = simulate(window, { rttMs: 100, blockBytes: 1024, blocksPerMs: 10, untilMs: 20_000 })
  assert.equal(window.startup, false, 'startup ended once the rate stopped growing')
  assert.ok(window.size >= 1000 && window.size <= 3000, `window ${window.size} should hold 1-3 bandwidth-delay products (sizes ${sizes.join(' ')})`)
  assert.ok(Math.abs(window.rate - 10 * 1024) / (10 * 1024) < 0.1, `measured rate ${window.rate} bytes/ms, link 10240`)
})

test('on a fast link with a short round trip the window stays small', () => {
  const window = new RequestWindow()
  simulate(window, { rttMs: 0.5, blockBytes: 1024, blocksPerMs: 20, untilMs: 2_000 })
  assert.ok(window.size <= 32, `a product of 10 blocks needs no more than the start, got ${window.size}`)
})

test('requests unanswered for several round trips are overdue, and the window starts over', () => {
  const single = new RequestWindow()
  single.sent('late', 1000)
  assert.deepEqual(single.overdue(1999), [], 'not yet')
  assert.deepEqual(single.overdue(2000), ['late'])

  const window = new RequestWindow()
  simulate(window, { rttMs: 50, blockBytes: 1024, untilMs: 300 })
  assert.ok(window.size > 16)
  assert.equal(window.startup, true)
  assert.equal(window.overdueAfter, 1000, 'at least a second, whatever the round trip')
  const inFlight = window.inFlight
  // The last requests went out one round trip after the run's end at the latest.
  assert.equal(window.overdue(300 + 50 + 1000).length, inFlight, 'every request still in flight is overdue a second after it was sent')
  assert.equal(window.size, 16, 'the window starts over')
  assert.equal(window.startup, true)
  const slow = new RequestWindow({ minOverdueMs: 10 })
  simulate(slow, { rttMs: 500, blockBytes: 1024, untilMs: 1100 })
  assert.equal(slow.overdueAfter, 2000, 'four round trips of 500 ms')
})

test('an answer to a request that was forgotten, or never sent, does not count', () => {
  const window = new RequestWindow()
  window.sent('a', 0)
  window.forget('a')
  assert.equal(window.delivered('a', 1024, 10), false)
  assert.equal(window.delivered('never', 1024, 10), false)
  assert.equal(window.minRtt, null)
  window.sent('b', 0)
  window.clear()
  assert.equal(window.inFlight, 0)
  assert.equal(window.size, 16)
})
