/** What corestore@5's refpool showed as `store.cache.entry(id)`; hyperdrive-era code reads `refs`. */
export interface CacheEntry<C> {
  readonly value: C
  readonly refs: number
}

/** Something that holds cores: a store view. */
export type Holder = object

export interface CoreCacheOptions<C> {
  /** How many unreferenced (passive) cores stay open. Busy passive cores may exceed it for a while. */
  maxPassive: number
  /** Whether a peer is replicating the core right now. */
  isBusy: (core: C) => boolean
  /** Closes an evicted core, which the cache has already forgotten. */
  evict: (core: C, id: string) => void
  /**
   * Under pressure (more passive cores than `maxPassive` and none idle): closes the channels of a
   * busy passive core if every one of them is idle (nothing requested, nothing in flight); true when
   * it did, so the core may close now.
   */
  releaseIdlePeers?: (core: C) => boolean
}

/** How many of the least recently active busy passive cores one trim asks to let their idle peers go. */
const RELIEF_CANDIDATES = 16
/** How long a passive core's channels must have carried no block before they count as idle. */
export const IDLE_CHANNEL_MS = 3000

interface Entry<C> {
  core: C
  /** The views that asked for it. */
  readonly holders: Set<Holder>
  /** References counted from outside (corestore@5's `cache.increment`). */
  refs: number
  /** Peers that asked for it and whose streams it was not yet handed to. */
  awaitingPeers: number
  /** Counted among the passive cores (nobody holds it). */
  passive: boolean
  /** When a block last went to or came from a peer, or a peer came (ms). */
  activeAt: number
}

/**
 * Every loaded core by hex discovery key. A core some view holds (or that is referenced from outside)
 * is active; a core nobody holds is passive. Passive cores that may close now are kept in least
 * recently used order, and beyond `maxPassive` passive cores the least recently used of those close.
 *
 * One rule decides whether a core may close now, for release and for eviction alike: nobody holds
 * it, no peer is replicating it, and it is not on its way to a peer that asked for it. Only cores
 * that may close are in the eviction order, so trimming costs one step per eviction; a core moves in
 * and out of it when that changes (`refresh`).
 */
export class CoreCache<C> {
  readonly #entries = new Map<string, Entry<C>>()
  /** The passive entries that may close now, least recently used first (a Map keeps insertion order). */
  readonly #idle = new Map<string, Entry<C>>()
  /** The passive entries a peer keeps busy, least recently active first. */
  readonly #busy = new Map<string, Entry<C>>()
  #trimming = false
  /** A trim waiting for the youngest busy passive core's channels to age into idleness. */
  #reliefTimer: NodeJS.Timeout | null = null
  /** How many entries are passive, idle or not. */
  #passiveCount = 0
  readonly #opts: CoreCacheOptions<C>

  constructor (opts: CoreCacheOptions<C>) {
    this.#opts = opts
  }

  get size (): number {
    return this.#entries.size
  }

  get maxPassive (): number {
    return this.#opts.maxPassive
  }

  /** How many cores nobody holds are loaded (busy ones included). */
  get passiveCount (): number {
    return this.#passiveCount
  }

  has (id: string): boolean {
    return this.#entries.has(id)
  }

  /** The cached core; a passive one counts as used now. */
  get (id: string): C | undefined {
    const entry = this.#entries.get(id)
    if (entry === undefined) return undefined
    if (this.#idle.delete(id)) this.#idle.set(id, entry)
    return entry.core
  }

  /** The cached core, without counting as a use. */
  peek (id: string): C | undefined {
    return this.#entries.get(id)?.core
  }

  entry (id: string): CacheEntry<C> | undefined {
    const entry = this.#entries.get(id)
    return entry === undefined ? undefined : { value: entry.core, refs: references(entry) }
  }

  /** How many views and outside references hold the core (0: passive or not loaded). */
  references (id: string): number {
    const entry = this.#entries.get(id)
    return entry === undefined ? 0 : references(entry)
  }

  /**
   * Caches a core nobody holds. `forPeer` keeps it from eviction until `peerSettled`; `spare` makes
   * room before inserting, so the new core itself is not evicted (corestore@5's refpool `set`).
   */
  addPassive (id: string, core: C, opts: { forPeer?: boolean, spare?: boolean } = {}): void {
    if (opts.spare === true) this.#trimTo(this.#opts.maxPassive - 1)
    const entry = newEntry(core, opts.forPeer === true ? 1 : 0)
    this.#entries.set(id, entry)
    this.#classify(id, entry)
    if (opts.spare !== true) this.trim()
  }

  /** Records that `holder` uses the core, caching it when it is new; returns false when it already did. */
  hold (id: string, core: C, holder: Holder): boolean {
    let entry = this.#entries.get(id)
    if (entry === undefined) {
      entry = newEntry(core, 0)
      this.#entries.set(id, entry)
    }
    if (entry.holders.has(holder)) return false
    entry.holders.add(holder)
    this.#classify(id, entry)
    return true
  }

  /**
   * Drops `holder`'s reference. When that was the last reference and the core may close now, the
   * cache forgets it and returns it for the caller to close; otherwise a core nobody holds turns passive.
   */
  release (id: string, holder: Holder): C | null {
    const entry = this.#entries.get(id)
    if (entry === undefined || !entry.holders.delete(holder)) return null
    return this.#unreferenced(id, entry)
  }

  /** One more outside reference (corestore@5's refpool `increment`). */
  increment (id: string): void {
    this.#count(id, 'refs', 1)
  }

  /** One outside reference less (refpool `decrement`); a core nobody holds turns passive. */
  decrement (id: string): void {
    if (this.#count(id, 'refs', -1)?.passive === true) this.trim()
  }

  /** A peer asked for the core: it is not evicted before `peerSettled`. */
  expectPeer (id: string): void {
    this.#count(id, 'awaitingPeers', 1)
  }

  /** The core a peer asked for was handed to its stream (or could not be): it may be evicted now. */
  peerSettled (id: string): void {
    if (this.#count(id, 'awaitingPeers', -1)?.awaitingPeers === 0) this.trim()
  }

  /** Moves one of an entry's counters by one (never below 0) and re-files it; null when nothing moved. */
  #count (id: string, counter: 'refs' | 'awaitingPeers', delta: 1 | -1): Entry<C> | null {
    const entry = this.#entries.get(id)
    if (entry === undefined || entry[counter] + delta < 0) return null
    entry[counter] += delta
    this.#classify(id, entry)
    return entry
  }

  /** A block went to or came from a peer: a busy passive core becomes the most recently active. */
  touch (id: string): void {
    const entry = this.#busy.get(id)
    if (entry === undefined) return
    entry.activeAt = Date.now()
    this.#busy.delete(id)
    this.#busy.set(id, entry)
  }

  /** Whether the core may close changed outside the cache (a peer came or left): re-file it, then trim. */
  refresh (id: string): void {
    const entry = this.#entries.get(id)
    if (entry === undefined) return
    this.#classify(id, entry)
    if (entry.passive) this.trim()
  }

  /**
   * Forgets a passive core now, below `maxPassive` too, when it may close (a peer asked for it and did
   * not stay); returns it for the caller to close, or null when it must stay.
   */
  forgetIfIdle (id: string): C | null {
    const entry = this.#entries.get(id)
    if (entry === undefined) return null
    this.#classify(id, entry)
    if (!this.#idle.has(id)) return null
    this.#remove(id, entry)
    return entry.core
  }

  /** Forgets a core that closed (or failed to open) by itself; only the same instance is removed. */
  delete (id: string, core: C): void {
    const entry = this.#entries.get(id)
    if (entry === undefined || entry.core !== core) return
    this.#remove(id, entry)
  }

  /** Puts another core in a cached core's place, keeping its holders (corestore@5's refpool `set`). */
  replace (id: string, core: C): void {
    const entry = this.#entries.get(id)
    if (entry === undefined) return
    entry.core = core
    this.#classify(id, entry)
  }

  /** Evicts the least recently used passive core that may close; returns it, or null when none may. */
  evictOne (): C | null {
    for (const [id, entry] of this.#idle) {
      // A peer may have come since it was filed (hypercore tells the store on 'peer-add').
      if (!this.#mayClose(entry)) {
        this.#classify(id, entry)
        continue
      }
      this.#remove(id, entry)
      this.#opts.evict(entry.core, id)
      return entry.core
    }
    return null
  }

  ids (): IterableIterator<string> {
    return this.#entries.keys()
  }

  /** Every loaded core with its id and how many views and outside references hold it. */
  * entries (): IterableIterator<{ id: string, core: C, references: number }> {
    for (const [id, entry] of this.#entries) yield { id, core: entry.core, references: references(entry) }
  }

  * activeCores (): IterableIterator<C> {
    for (const entry of this.#entries.values()) {
      if (references(entry) > 0) yield entry.core
    }
  }

  * cores (): IterableIterator<C> {
    for (const entry of this.#entries.values()) yield entry.core
  }

  /** Closes least recently used passive cores that may close, until at most `maxPassive` passive cores remain. */
  trim (): void {
    this.#trimTo(this.#opts.maxPassive)
  }

  #trimTo (limit: number): void {
    // Closing channels re-files cores (refresh) from inside the loop: one trim at a time.
    if (this.#trimming) return
    this.#trimming = true
    try {
      while (this.#passiveCount > limit) {
        if (this.evictOne() !== null) continue
        if (!this.#relieve()) return
      }
    } finally {
      this.#trimming = false
    }
  }

  /**
   * Nothing idle to evict and still too many passive cores: the least recently active busy ones are
   * asked to let their idle peers go (a reader on this package reopens a channel when it needs it).
   */
  #relieve (): boolean {
    const release = this.#opts.releaseIdlePeers
    if (release === undefined) return false
    let asked = 0
    const now = Date.now()
    for (const [id, entry] of this.#busy) {
      if (asked++ === RELIEF_CANDIDATES) return false
      // Least recently active first: once one is too young, all the others are too.
      const age = now - entry.activeAt
      if (age < IDLE_CHANNEL_MS) {
        this.#trimLater(IDLE_CHANNEL_MS - age)
        return false
      }
      if (entry.awaitingPeers > 0 || !release(entry.core)) continue
      this.#classify(id, entry)
      if (this.#idle.has(id)) return true
    }
    return false
  }

  #trimLater (ms: number): void {
    if (this.#reliefTimer !== null) return
    this.#reliefTimer = setTimeout(() => {
      this.#reliefTimer = null
      this.trim()
    }, ms + 10)
  }

  clear (): void {
    if (this.#reliefTimer !== null) clearTimeout(this.#reliefTimer)
    this.#reliefTimer = null
    this.#entries.clear()
    this.#idle.clear()
    this.#busy.clear()
    this.#passiveCount = 0
  }

  #unreferenced (id: string, entry: Entry<C>): C | null {
    if (references(entry) > 0) return null
    if (this.#mayClose(entry)) {
      this.#remove(id, entry)
      return entry.core
    }
    this.#classify(id, entry)
    this.trim()
    return null
  }

  /** Files an entry as active, passive and busy, or passive and idle (most recently used). */
  #classify (id: string, entry: Entry<C>): void {
    const passive = references(entry) === 0
    if (passive !== entry.passive) {
      entry.passive = passive
      this.#passiveCount += passive ? 1 : -1
    }
    if (passive && this.#mayClose(entry)) {
      if (!this.#idle.has(id)) this.#idle.set(id, entry)
      this.#busy.delete(id)
    } else {
      this.#idle.delete(id)
      if (passive) {
        if (!this.#busy.has(id)) {
          entry.activeAt = Date.now()
          this.#busy.set(id, entry)
        }
      } else {
        this.#busy.delete(id)
      }
    }
  }

  #remove (id: string, entry: Entry<C>): void {
    this.#entries.delete(id)
    this.#idle.delete(id)
    this.#busy.delete(id)
    if (entry.passive) {
      entry.passive = false
      this.#passiveCount--
    }
  }

  #mayClose (entry: Entry<C>): boolean {
    return references(entry) === 0 && entry.awaitingPeers === 0 && !this.#opts.isBusy(entry.core)
  }
}

function newEntry<C> (core: C, awaitingPeers: number): Entry<C> {
  return { core, holders: new Set(), refs: 0, awaitingPeers, passive: false, activeAt: Date.now() }
}

function references (entry: Entry<unknown>): number {
  return entry.holders.size + entry.refs
}
