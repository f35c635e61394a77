// corestore@5's `store.cache` (a refpool) over this package's cache: the legacy surface that Hyperspace
// and the SDKs of the Hyperdrive v10 era reached into. New code holds cores through views and sessions.
import type { CoreCache } from '../cache'
import { INVALID_ARGUMENT_TYPE } from '../errors'

/** What refpool's `entry(key)` gave: a live view of one cached core and its references. */
export interface RefPoolEntry<C> {
  readonly key: string
  readonly value: C
  /** How many views and outside references hold it. */
  readonly refs: number
  increment (): void
  decrement (): void
  bump (): void
  delete (): void
}

/** What the pool needs from the store beyond its cache. */
export interface RefPoolHooks<C> {
  /** Adopts a core made outside the store (`set`): it is watched so the cache forgets it when it closes. */
  adopt (id: string, core: C): void
  /** Closes a core the pool let go of (`delete`, `gc`). */
  close (id: string, core: C): void
  /** The discovery key (hex) of a core, for `add(core)`. */
  idOf (core: C): string | null
}

/**
 * @deprecated corestore@5's refpool API, kept so its clients run unmodified: hold cores through
 * `store.get()` / `store.session()` and release them with `close()` instead.
 */
export class RefPool<C> {
  readonly #cache: CoreCache<C>
  readonly #hooks: RefPoolHooks<C>

  constructor (cache: CoreCache<C>, hooks: RefPoolHooks<C>) {
    this.#cache = cache
    this.#hooks = hooks
  }

  /** The store's `cacheSize`: how many cores that nobody holds stay open. */
  get maxSize (): number {
    return this.#cache.maxPassive
  }

  /** How many cores are loaded. */
  get size (): number {
    return this.#cache.size
  }

  /** Every loaded core by hex discovery key, as refpool's `entries` Map showed them. */
  get entries (): Map<string, RefPoolEntry<C>> {
    const out = new Map<string, RefPoolEntry<C>>()
    for (const id of this.#cache.ids()) out.set(id, this.#entry(id))
    return out
  }

  /** refpool's own test, kept as it was: true while the pool is *not* full. */
  isFull (): boolean {
    return this.#cache.size < this.#cache.maxPassive
  }

  has (key: string): boolean {
    return this.#cache.has(key)
  }

  entry (key: string): RefPoolEntry<C> | undefined {
    return this.#cache.has(key) ? this.#entry(key) : undefined
  }

  /** The cached core; `bump` (default true) counts it as used. */
  get (key: string, bump = true): C | undefined {
    return bump ? this.#cache.get(key) : this.#cache.peek(key)
  }

  /**
   * Caches a core under `key` (an SDK's in-memory core, made outside the store). A key already cached
   * counts as used and keeps the core it has unless `value` is another one, which then replaces it.
   */
  set (key: string, value: C): RefPoolEntry<C> {
    if (this.#cache.has(key)) {
      this.#cache.get(key)
      if (this.#cache.peek(key) !== value) {
        this.#cache.replace(key, value)
        this.#hooks.adopt(key, value)
      }
    } else {
      this.#hooks.adopt(key, value)
      this.#cache.addPassive(key, value, { spare: true })
    }
    return this.#entry(key)
  }

  /** Caches a core under its own discovery key. */
  add (value: C): RefPoolEntry<C> {
    const key = this.#hooks.idOf(value)
    if (key === null) throw INVALID_ARGUMENT_TYPE('core for cache.add()', value, 'a core whose discovery key is known (after ready)')
    return this.set(key, value)
  }

  /** Forgets the core and closes it, as refpool did. */
  delete (key: string): void {
    const core = this.#cache.peek(key)
    if (core === undefined) return
    this.#cache.delete(key, core)
    this.#hooks.close(key, core)
  }

  increment (key: string): void {
    this.#cache.increment(key)
  }

  decrement (key: string): void {
    this.#cache.decrement(key)
  }

  bump (key: string): void {
    this.#cache.get(key)
  }

  /** Evicts the least recently used core that may close now; returns it, or null when none may. */
  gc (): C | null {
    return this.#cache.evictOne()
  }

  #entry (key: string): RefPoolEntry<C> {
    const cache = this.#cache
    const pool = this
    return {
      key,
      get value () { return cache.peek(key) as C },
      get refs () { return cache.references(key) },
      increment: () => pool.increment(key),
      decrement: () => pool.decrement(key),
      bump: () => pool.bump(key),
      delete: () => pool.delete(key)
    }
  }
}
