// What a store does when one of its cores opens, fails, closes, gains or loses a peer, or moves a
// block: the boundary's hooks for every core of one store, in one object (no listener per core).
import type { CoreCache } from './cache'
import type { Core, CoreLifecycle } from './core'
import { afterHandshake, codeHypercoreError, peerStream } from './hypercore9'
import type { Feed, HookedFeed, Peer } from './hypercore9'
import { coresLog, peersLog, short } from './log'
import type { RootEvents } from './root-events'
import type { PeerStats, StoreStats } from './stats'

/** What the hooks reach of the store. */
export interface CoreEventsHost {
  readonly cache: CoreCache<Feed>
  emit<E extends keyof RootEvents> (event: E, ...args: Parameters<RootEvents[E]>): boolean
  /** Adds a core to every open replication stream. */
  attach (core: Feed): void
  /** The replication streams' request windows: what is asked and what arrives. */
  readonly requests: {
    requested (feed: Feed, peer: Peer, id: string, index: number): void
    delivered (peer: Peer, id: string, index: number, bytes: number): void
    removed (peer: Peer): void
  }
  /** Forgets a core that closed or failed to open. */
  forget (core: Core): void
  isClosed (): boolean
  /** The store's traffic counters. */
  readonly stats: StoreStats
  /** A peer as the stats show it (for the peer events). */
  peerStats (peer: Peer): PeerStats
}

export class CoreEvents implements CoreLifecycle {
  readonly #host: CoreEventsHost
  /** What each get passed, for the 'feed' event, until its core opens. */
  readonly #requested = new Map<Core, unknown>()
  /** The peers a 'peer-add' announced: only they are announced gone. */
  readonly #announced = new WeakSet<Peer>()

  constructor (host: CoreEventsHost) {
    this.#host = host
  }

  /** Remembers what the get that made `core` passed: the 'feed' event carries it. */
  requested (core: Core, original: unknown): void {
    this.#requested.set(core, original)
  }

  onopen (feed: HookedFeed): void {
    const core = feed as Core
    const host = this.#host
    const original = this.#requested.get(core)
    this.#requested.delete(core)
    if (coresLog.enabled) coresLog('opened %s (%s), length %d', short(core.discoveryKey), core.storeId === null || host.cache.references(core.storeId) === 0 ? 'passive' : 'active', core.length)
    host.emit('feed', core, original)
    host.attach(core)
    host.emit('core-open', core)
    // A passive core counts against cacheSize once open too, not only when it was inserted.
    host.cache.trim()
    process.nextTick(() => core.ifAvailable.continue())
  }

  onopenfailed (feed: HookedFeed, err: Error): void {
    const core = feed as Core
    coresLog('failed to open %s: %s', short(core.storeId), err.message)
    core.ifAvailable.continue()
    this.#requested.delete(core)
    this.#host.forget(core)
  }

  onclose (feed: HookedFeed): void {
    const core = feed as Core
    const opened = !this.#requested.delete(core)
    coresLog('closed %s', short(core.storeId))
    this.#host.forget(core)
    if (opened) this.#host.emit('core-close', core)
  }

  onpeeradd (feed: HookedFeed, peer: Peer): void {
    this.#host.stats.peerAdded(peer)
    this.#refresh(feed)
    // hypercore-protocol opens channels before its handshake ends: the peer is announced once the
    // remote's Noise key (its id) is known, or at once on a stream without a handshake.
    afterHandshake(peerStream(peer), () => {
      if (!feed.peers.includes(peer)) return
      this.#announced.add(peer)
      this.#host.emit('peer-add', feed as Core, this.#host.peerStats(peer))
    })
  }

  onpeerremove (feed: HookedFeed, peer: Peer): void {
    const stats = this.#host.peerStats(peer)
    this.#host.requests.removed(peer)
    this.#refresh(feed)
    if (this.#announced.delete(peer)) this.#host.emit('peer-remove', feed as Core, stats)
  }

  onrequest (feed: HookedFeed, peer: Peer, index: number): void {
    const id = (feed as Core).storeId
    if (id !== null) this.#host.requests.requested(feed, peer, id, index)
  }

  ondownload (feed: HookedFeed, peer: Peer | null, index: number, bytes: number): void {
    const id = (feed as Core).storeId
    if (peer !== null && id !== null) this.#host.requests.delivered(peer, id, index, bytes)
    this.#host.stats.downloaded(feed, peer, bytes)
    this.#touch(feed)
  }

  onupload (feed: HookedFeed, peer: Peer, _index: number, bytes: number): void {
    this.#host.stats.uploaded(feed, peer, bytes)
    this.#touch(feed)
  }

  onpeererror (feed: HookedFeed, peer: Peer, err: Error): void {
    peersLog('closed the channel of %s for one peer: %s', short((feed as Core).storeId), err.message)
    this.#host.stats.failed(feed)
    // Told on the store, never as an 'error' event: an app with no listener must not crash.
    this.#host.emit('replication-error', feed as Core, this.#host.peerStats(peer), codeHypercoreError(err))
  }

  /** A reader whose peers closed idle channels reopens them when it needs data again. */
  onwantspeers (feed: HookedFeed): void {
    this.#host.attach(feed)
  }

  storeClosed (): boolean {
    return this.#host.isClosed()
  }

  /** A passive core whose last peer left may now be evicted; one a peer joined may not. */
  #refresh (feed: HookedFeed): void {
    const id = (feed as Core).storeId
    if (id !== null) this.#host.cache.refresh(id)
  }

  /** A block moved: a busy passive core becomes the most recently active. */
  #touch (feed: HookedFeed): void {
    const id = (feed as Core).storeId
    if (id !== null) this.#host.cache.touch(id)
  }
}
