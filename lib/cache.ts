import LRU = require('lru')

/** What corestore@5's refpool showed as `store.cache.entry(id)`; hyperdrive-era code reads `refs`. */
export interface CacheEntry<C> {
  readonly value: C
  readonly refs: number
}

export interface CoreCacheOptions<C> {
  /** How many unreferenced (passive) cores stay open. A busy passive core may exceed it for a while. */
  maxPassive: number
  /** A passive core may be closed only while this says so (no peer is replicating it). */
  isIdle: (core: C) => boolean
  /** Closes an evicted core. */
  evict: (core: C) => void
}

/**
 * Two caches keyed by hex discovery key. The active one holds the cores some view asked for,
 * counted by holder; a core nobody holds moves to the passive LRU, which closes the least recently
 * used idle cores beyond `maxPassive`.
 */
export class CoreCache<C> {
  readonly #active = new Map<string, { value: C, holders: Set<object> }>()
  // Unbounded on its own: trimming skips busy cores, which lru's own eviction cannot do.
  readonly #passive = new LRU<C>({ max: Number.MAX_SAFE_INTEGER })
  readonly #opts: CoreCacheOptions<C>

  constructor (opts: CoreCacheOptions<C>) {
    this.#opts = opts
  }

  get size (): number {
    return this.#active.size + this.#passive.length
  }

  has (id: string): boolean {
    return this.#active.has(id) || this.#passive.peek(id) !== undefined
  }

  /** The cached core; a passive one counts as used now. */
  get (id: string): C | undefined {
    return this.#active.get(id)?.value ?? this.#passive.get(id)
  }

  entry (id: string): CacheEntry<C> | undefined {
    const active = this.#active.get(id)
    if (active !== undefined) return { value: active.value, refs: active.holders.size }
    const value = this.#passive.peek(id)
    return value === undefined ? undefined : { value, refs: 0 }
  }

  addPassive (id: string, core: C): void {
    this.#passive.set(id, core)
    this.trim()
  }

  /** Records that `holder` uses the core; returns false when it already did. */
  ref (id: string, core: C, holder: object): boolean {
    let entry = this.#active.get(id)
    if (entry === undefined) {
      this.#passive.remove(id)
      entry = { value: core, holders: new Set() }
      this.#active.set(id, entry)
    }
    if (entry.holders.has(holder)) return false
    entry.holders.add(holder)
    return true
  }

  /** Drops `holder`'s reference; returns true when no holder is left and the core turned passive. */
  unref (id: string, holder: object): boolean {
    const entry = this.#active.get(id)
    if (entry === undefined || !entry.holders.delete(holder)) return false
    if (entry.holders.size > 0) return false
    this.#active.delete(id)
    this.addPassive(id, entry.value)
    return true
  }

  refs (id: string): number {
    return this.#active.get(id)?.holders.size ?? 0
  }

  /** Forgets a core that closed (or failed to open); only the same instance is removed. */
  delete (id: string, core: C): void {
    if (this.#active.get(id)?.value === core) this.#active.delete(id)
    if (this.#passive.peek(id) === core) this.#passive.remove(id)
  }

  * activeCores (): IterableIterator<C> {
    for (const entry of this.#active.values()) yield entry.value
  }

  * cores (): IterableIterator<C> {
    yield * this.activeCores()
    for (const id of this.#passive.keys) {
      const core = this.#passive.peek(id)
      if (core !== undefined) yield core
    }
  }

  /** Closes least recently used idle passive cores until at most `maxPassive` remain. */
  trim (): void {
    let id = this.#passive.tail
    while (this.#passive.length > this.#opts.maxPassive && id !== null) {
      const element = this.#passive.cache[id]
      if (element === undefined) break
      const next = element.next
      if (this.#opts.isIdle(element.value)) {
        this.#passive.remove(id)
        this.#opts.evict(element.value)
      }
      id = next
    }
  }

  clear (): void {
    this.#active.clear()
    this.#passive.clear()
  }
}
