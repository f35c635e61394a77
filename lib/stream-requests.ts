// The block requests of one replication stream: the stream's adaptive window (request-window.ts) fed
// with every request its peers send and every block they get, shared among the cores downloading over
// the stream, and overdue requests taken back so another peer may be asked.
import { releaseRequests, sendRequests, setRequestBudget } from './hypercore9'
import type { Feed, Peer } from './hypercore9'
import { peersLog, short } from './log'
import { RequestWindow } from './request-window'
import type { RequestWindowOptions } from './request-window'

/** The requests one peer (one core on this stream) has in flight. */
interface PeerRequests {
  readonly id: string
  readonly feed: Feed
  readonly indexes: Set<number>
}

/** What a stalled peer may keep asking: one request, which shows when it answers again. */
const STALLED_BUDGET = 1

export class StreamRequests {
  readonly #window: RequestWindow
  /** The least each peer may ask (the store's requests-per-core policy for this stream). */
  readonly #floor: () => number
  readonly #now: () => number
  readonly #peers = new Map<Peer, PeerRequests>()
  /** How many peers have requests in flight. */
  #active = 0
  readonly #stalled = new Set<Peer>()
  #timer: NodeJS.Timeout | null = null
  #closed = false

  constructor (opts: RequestWindowOptions & { floor: () => number, now?: () => number }) {
    this.#window = new RequestWindow(opts)
    this.#floor = opts.floor
    this.#now = opts.now ?? (() => performance.now())
  }

  /** The stream's window (for stats and tests). */
  get window (): RequestWindow {
    return this.#window
  }

  /** How many requests each peer of this stream may keep in flight now. */
  budget (): number {
    return Math.max(this.#floor(), Math.ceil(this.#window.size / Math.max(1, this.#active)))
  }

  /** `peer`, replicating the core `id`, sent a request for block `index`. */
  requested (feed: Feed, peer: Peer, id: string, index: number): void {
    if (this.#closed) return
    let requests = this.#peers.get(peer)
    if (requests === undefined) {
      requests = { id, feed, indexes: new Set() }
      this.#peers.set(peer, requests)
    }
    if (requests.indexes.size === 0) {
      this.#active++
      if (!this.#stalled.has(peer)) setRequestBudget(peer, this.budget())
    }
    requests.indexes.add(index)
    this.#window.sent(key(id, index), this.#now())
    this.#arm()
  }

  /** Block `index` of core `id` arrived from `peer` with `bytes`. */
  delivered (peer: Peer, id: string, index: number, bytes: number): void {
    const requests = this.#peers.get(peer)
    if (requests === undefined || !requests.indexes.delete(index)) return
    if (requests.indexes.size === 0) this.#active--
    this.#window.delivered(key(id, index), bytes, this.#now())
    this.#stalled.delete(peer)
    // hypercore asks for more right after this block is stored: with the budget set here.
    setRequestBudget(peer, this.budget())
  }

  /** `peer` left the stream: none of its requests will be answered. */
  removed (peer: Peer): void {
    const requests = this.#peers.get(peer)
    this.#stalled.delete(peer)
    if (requests === undefined) return
    this.#peers.delete(peer)
    if (requests.indexes.size > 0) this.#active--
    for (const index of requests.indexes) this.#window.forget(key(requests.id, index))
  }

  /** The stream ended. */
  close (): void {
    this.#closed = true
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    this.#peers.clear()
    this.#stalled.clear()
    this.#window.clear()
  }

  #arm (): void {
    if (this.#timer !== null || this.#window.inFlight === 0) return
    this.#timer = setTimeout(() => {
      this.#timer = null
      this.#checkOverdue()
      this.#arm()
    }, Math.ceil(this.#window.overdueAfter))
    this.#timer.unref()
  }

  /**
   * Requests unanswered for several round trips: the window starts over, and a core that has other
   * peers gets its requests back to ask them; the late peer may keep one request in flight until it
   * answers again.
   */
  #checkOverdue (): void {
    const late = new Set(this.#window.overdue(this.#now()))
    if (late.size === 0) return
    // A snapshot: asking other peers below may add peers here, and those are not late.
    for (const [peer, requests] of [...this.#peers]) {
      if (![...requests.indexes].some(index => late.has(key(requests.id, index)))) continue
      this.#stalled.add(peer)
      setRequestBudget(peer, STALLED_BUDGET)
      if (requests.feed.peers.length < 2) continue
      const released = releaseRequests(peer)
      for (const index of released) {
        requests.indexes.delete(index)
        this.#window.forget(key(requests.id, index))
      }
      if (requests.indexes.size === 0) this.#active--
      peersLog('%d requests of %s overdue on one peer: asking its other peers', released.length, short(requests.id))
      for (const other of requests.feed.peers) if (other !== peer) sendRequests(other)
    }
  }
}

function key (id: string, index: number): string {
  return id + ':' + index
}
