// How many block requests one replication stream keeps in flight: a window that adapts to the link.
// hypercore@9 keeps 16 per peer, so a download runs at 16 blocks per round trip whatever the link.
// Only the downloading side decides how many requests it sends, so a wider window is wire-compatible
// with any uploader. Like BBR, the window aims for the bandwidth-delay product: it doubles each round
// trip while the delivery rate keeps growing (startup), then holds twice the product of the best
// recent rate and the shortest round trip seen, probing a little higher now and then. Requests left
// unanswered too long reset it: a peer that stops answering keeps no wide window.

/** The window's bounds. */
export interface RequestWindowOptions {
  /** Bytes in flight on the stream at most (default 8 MiB): the window never holds more blocks than fit. */
  maxBytesInFlight?: number
  /** Where the window starts, and the least it holds (default 16, hypercore@9's own). */
  minRequests?: number
  /** How old an unanswered request may grow, in round trips, before it counts as overdue (default 4). */
  overdueRoundTrips?: number
  /** And at least this long (ms, default 1000), so a short round trip's jitter is no stall. */
  minOverdueMs?: number
}

export const DEFAULT_MAX_BYTES_IN_FLIGHT = 8 * 1024 * 1024
const DEFAULT_MIN_REQUESTS = 16
/** Startup ends after this many round trips without the delivery rate growing by a quarter. */
const STARTUP_FLAT_ROUNDS = 3
const STARTUP_GROWTH = 1.25
/** The steady window holds this many bandwidth-delay products (the rest absorbs jitter and ack delays). */
const STEADY_GAIN = 2
/** Every this many steady rounds the window probes a quarter higher, in case the link got faster. */
const PROBE_EVERY = 8
const PROBE_GAIN = 1.25
/** The best rate is the highest of this many recent rounds. */
const RATE_ROUNDS = 10
/** Block sizes are averaged with this weight for the newest one. */
const SIZE_WEIGHT = 1 / 16

/** The window of one stream: fed what was sent and delivered, it answers how many requests may be in flight. */
export class RequestWindow {
  readonly #maxBytes: number
  readonly #minRequests: number
  readonly #overdueRounds: number
  readonly #minOverdueMs: number
  #window: number
  /** Send time of each request in flight, by request key (core and block). */
  readonly #sent = new Map<string, number>()
  #minRtt = Infinity
  #smoothedRtt = 0
  #blockBytes = 0
  #startup = true
  #flatRounds = 0
  #steadyRounds = 0
  /** The current round: when it began, what it delivered, the most requests in flight during it. */
  #roundStart = -1
  #roundBytes = 0
  #roundMostInFlight = 0
  readonly #rates: number[] = []
  #bestStartupRate = 0

  constructor (opts: RequestWindowOptions = {}) {
    this.#maxBytes = opts.maxBytesInFlight ?? DEFAULT_MAX_BYTES_IN_FLIGHT
    this.#minRequests = opts.minRequests ?? DEFAULT_MIN_REQUESTS
    this.#overdueRounds = opts.overdueRoundTrips ?? 4
    this.#minOverdueMs = opts.minOverdueMs ?? 1000
    this.#window = this.#minRequests
  }

  /** How many requests may be in flight on the stream now. */
  get size (): number {
    return this.#window
  }

  get inFlight (): number {
    return this.#sent.size
  }

  /** The shortest round trip seen (ms), or null before the first answer. */
  get minRtt (): number | null {
    return this.#minRtt === Infinity ? null : this.#minRtt
  }

  /** The best delivery rate of the recent rounds (bytes per ms). */
  get rate (): number {
    return this.#rates.length === 0 ? 0 : Math.max(...this.#rates)
  }

  get startup (): boolean {
    return this.#startup
  }

  /** A request went out at `now` (ms). */
  sent (key: string, now: number): void {
    this.#sent.set(key, now)
    if (this.#roundStart < 0) this.#roundStart = now
    if (this.#sent.size > this.#roundMostInFlight) this.#roundMostInFlight = this.#sent.size
  }

  /** The answer to a request arrived at `now`, carrying `bytes`; false when it was not in flight here. */
  delivered (key: string, bytes: number, now: number): boolean {
    const sentAt = this.#sent.get(key)
    if (sentAt === undefined) return false
    this.#sent.delete(key)
    const rtt = Math.max(now - sentAt, 0.01)
    if (rtt < this.#minRtt) this.#minRtt = rtt
    this.#smoothedRtt = this.#smoothedRtt === 0 ? rtt : this.#smoothedRtt * 0.875 + rtt * 0.125
    if (bytes > 0) this.#blockBytes = this.#blockBytes === 0 ? bytes : this.#blockBytes * (1 - SIZE_WEIGHT) + bytes * SIZE_WEIGHT
    this.#roundBytes += bytes
    // A round ends when a request sent after it began is answered: one round trip of the link.
    if (sentAt >= this.#roundStart && now > this.#roundStart) this.#endRound(now)
    return true
  }

  /** A request that will not be answered here (its peer left, or it was handed to another peer). */
  forget (key: string): void {
    this.#sent.delete(key)
  }

  /** The requests older than the overdue age at `now`; the window starts over when there are any. */
  overdue (now: number): string[] {
    const limit = now - this.overdueAfter
    const late: string[] = []
    for (const [key, sentAt] of this.#sent) {
      if (sentAt <= limit) late.push(key)
    }
    if (late.length > 0) this.#restart()
    return late
  }

  /** How old a request may grow before it is overdue (ms). */
  get overdueAfter (): number {
    const rtt = this.#smoothedRtt === 0 ? 0 : Math.max(this.#smoothedRtt, this.#minRtt)
    return Math.max(this.#minOverdueMs, rtt * this.#overdueRounds)
  }

  /** The peer stopped downloading from us (choked) or left: nothing it was asked stays counted. */
  clear (): void {
    this.#sent.clear()
    this.#restart()
  }

  #restart (): void {
    this.#window = this.#minRequests
    this.#startup = true
    this.#flatRounds = 0
    this.#bestStartupRate = 0
    this.#rates.length = 0
    this.#roundStart = -1
    this.#roundBytes = 0
    this.#roundMostInFlight = this.#sent.size
  }

  #endRound (now: number): void {
    const rate = this.#roundBytes / (now - this.#roundStart)
    // Only a round the window limited says anything about a wider window.
    const limited = this.#roundMostInFlight >= this.#window * 0.9
    this.#rates.push(rate)
    if (this.#rates.length > RATE_ROUNDS) this.#rates.shift()
    this.#roundStart = now
    this.#roundBytes = 0
    this.#roundMostInFlight = this.#sent.size
    if (this.#startup) {
      if (!limited) return
      if (rate >= this.#bestStartupRate * STARTUP_GROWTH) {
        this.#bestStartupRate = rate
        this.#flatRounds = 0
        this.#window = this.#bounded(this.#window * 2)
        return
      }
      if (++this.#flatRounds < STARTUP_FLAT_ROUNDS) return
      this.#startup = false
    }
    const product = this.rate * this.#minRtt / Math.max(this.#blockBytes, 1)
    let target = Math.ceil(product * STEADY_GAIN)
    if (limited && ++this.#steadyRounds % PROBE_EVERY === 0) target = Math.ceil(Math.max(target, this.#window) * PROBE_GAIN)
    this.#window = this.#bounded(target)
  }

  /** At least the minimum, and never more blocks than the byte cap holds (one, for blocks larger than it). */
  #bounded (requests: number): number {
    const byBytes = this.#blockBytes === 0 ? Infinity : Math.max(1, Math.floor(this.#maxBytes / this.#blockBytes))
    return Math.min(Math.max(this.#minRequests, requests), byBytes)
  }
}
