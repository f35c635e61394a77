import test from 'node:test'
import assert from 'node:assert/strict'
import { StreamRequests } from '../../lib/stream-requests'
import type { Feed, Peer } from '../../lib/hypercore9'

/**
 * Two peers of one core as hypercore@9's Peer keeps them (requests in flight, a budget, `update()`
 * asking for the first free block it may), each on a stream of its own whose requests a
 * StreamRequests tracks. `update()` reports each request the way the boundary's hook does.
 */
function scene (blocks: number): { streams: StreamRequests[], feed: FakeFeed, peers: FakePeer[], clock: { now: number } } {
  const clock = { now: 0 }
  const streams = [0, 1].map(() => new StreamRequests({ floor: () => 1, now: () => clock.now, minOverdueMs: 5 }))
  // hypercore's own `_updatePeers` asks every peer in order: the late one (the first) before the other.
  const feed = { peers: [] as FakePeer[], _reserved: new Map<number, boolean>(), _updatePeers () { for (const peer of feed.peers) peer.update() } }
  const peers = ['late', 'other'].map((name, i) => new FakePeer(name, feed, blocks, streams[i] as StreamRequests))
  feed.peers.push(...peers)
  return { streams, feed, peers, clock }
}

interface FakeFeed { peers: FakePeer[], _reserved: Map<number, boolean>, _updatePeers (): void }

class FakePeer {
  inflightRequests: Array<{ index: number }> = []
  maxRequests = 16
  urgentRequests = 32
  constructor (readonly name: string, readonly feed: FakeFeed, readonly blocks: number, readonly requests: StreamRequests) {}
  update (): void {
    for (let index = 0; index < this.blocks && this.inflightRequests.length < this.maxRequests; index++) {
      if (this.feed._reserved.get(index) === true) continue
      this.feed._reserved.set(index, true)
      this.inflightRequests.push({ index })
      this.requests.requested(this.feed as unknown as Feed, this as unknown as Peer, 'core', index)
    }
  }
}

test('an overdue request handed to another peer stays tracked, whichever peer asks for it next (the late one asked again before the release was recorded)', async () => {
  const { streams, peers, clock } = scene(3)
  const [late, other] = peers as [FakePeer, FakePeer]
  const [requests, otherRequests] = streams as [StreamRequests, StreamRequests]
  late.update()
  assert.deepEqual(late.inflightRequests.map(r => r.index), [0, 1, 2])
  assert.equal(requests.window.inFlight, 3)

  // Nothing answers: once overdue, the late peer's requests go to the other peer.
  clock.now = 10_000
  await new Promise(resolve => setTimeout(resolve, 50))
  assert.equal(late.inflightRequests.length, 0, 'taken back from the late peer')
  assert.deepEqual(other.inflightRequests.map(r => r.index), [0, 1, 2], 'asked of the other peer')
  assert.equal(otherRequests.window.inFlight, 3, 'and its stream\'s window tracks them')
  assert.equal(requests.window.inFlight, 0)
  // hypercore asks every peer again when a block arrives: the late peer, with its budget of one,
  // takes a free block, which its stream tracks, and which becomes overdue in turn.
  other.inflightRequests.pop()
  otherRequests.delivered(other as unknown as Peer, 'core', 2, 1024)
  late.feed._reserved.set(2, false)
  late.feed._updatePeers()
  assert.deepEqual(late.inflightRequests.map(r => r.index), [2])
  assert.equal(requests.window.inFlight, 1, 'what the late peer has in flight, its window counts')
  // Nothing answers still: every request is overdue again, on both streams, and handed back and
  // forth; whatever either peer then has in flight, its stream's window counts.
  for (const now of [20_000, 30_000, 40_000]) {
    clock.now = now
    await new Promise(resolve => setTimeout(resolve, 50))
    assert.equal(requests.window.inFlight, late.inflightRequests.length, `the late peer's stream at ${now}`)
    assert.equal(otherRequests.window.inFlight, other.inflightRequests.length, `the other peer's stream at ${now}`)
  }
  otherRequests.close()

  requests.close()
})
