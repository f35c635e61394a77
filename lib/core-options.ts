// A store's options: its own, and what it forwards (as corestore@5 did with its whole options object)
// to every core it opens and every replication stream it creates; and the hypercore options of one core.
import { checkCoreOptions } from './core-checks'
import { INVALID_OPTIONS } from './errors'
import { rememberingCrypto } from './hypercore9'
import type { Feed } from './hypercore9'
import { checkReplicationOptions } from './replication'
import type { ReplicationOptions } from './replication'
import type { CoreRequest } from './view'

/** hypercore@9's options for every core, and hypercore's replication options for every stream. */
export interface ForwardedOptions extends Feed.Options, Omit<ReplicationOptions, 'stream' | 'initiator'> {}

export interface StoreOptions extends ForwardedOptions {
  /** How many cores that only peers asked for stay open (default 1000). */
  cacheSize?: number
  /**
   * A store in a folder keeps at most this many file descriptors open (default 512), whatever the
   * number of loaded cores: idle files close and reopen when needed.
   * `Infinity`: no bound, every loaded core keeps its files open (random-access-file, as corestore@5).
   */
  maxOpenFiles?: number
  /** The 32-byte key every writable core is derived from; read from `master_key` (or created) when absent. */
  masterKey?: Buffer
  /** Today's name for `masterKey`. */
  primaryKey?: Buffer
  /** `false`: every core opens read-only, whatever its files hold. */
  writable?: boolean
  /** corestore@5: hypercore-cache instances shared (namespaced per core) by every core. */
  cache?: { data?: unknown, tree?: unknown }
}

/** The store's own options: every other option is forwarded to hypercore and to replication streams. */
const OWN_OPTIONS = new Set(['maxOpenFiles', 'cacheSize', 'masterKey', 'primaryKey', 'writable', 'cache', 'name', 'inner', 'parent', 'createIfMissing', 'exclusive'])

/** What every core of one store is opened with. */
export class CoreOptions {
  /** Forwarded to every core and every stream. */
  readonly forwarded: ForwardedOptions
  readonly cacheSize: number
  readonly #sharedCache: { data?: unknown, tree?: unknown } | null
  // Signatures are verified once per store, not once per block that carries them (verify-cache.ts).
  readonly #crypto = rememberingCrypto()

  constructor (opts: StoreOptions) {
    const cacheSize = opts.cacheSize ?? 1000
    if (!Number.isInteger(cacheSize) || cacheSize < 0) throw INVALID_OPTIONS(`cacheSize must be a whole number >= 0, got ${String(cacheSize)}`)
    this.cacheSize = cacheSize
    // Keys the types do not list pass through too: hypercore and hypercore-protocol ignore what they do not read.
    const forwarded: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(opts)) {
      if (!OWN_OPTIONS.has(key)) forwarded[key] = value
    }
    const badCoreOption = checkCoreOptions(forwarded)
    if (badCoreOption !== null) throw badCoreOption
    checkReplicationOptions(forwarded)
    this.forwarded = forwarded as ForwardedOptions
    this.#sharedCache = opts.cache ?? null
  }

  /** hypercore's options for the core a request names: the store's, the request's, the shared caches. */
  forCore (request: CoreRequest): Feed.Options {
    const coreOpts: Feed.Options = { ...this.forwarded, ...request.coreOpts }
    if (coreOpts.crypto === undefined) coreOpts.crypto = this.#crypto
    const shared = this.#sharedCache
    if (shared !== null) {
      const cache: Record<string, unknown> = {}
      for (const part of ['data', 'tree'] as const) {
        const source = shared[part] as { namespace?: () => unknown } | undefined
        if (source === undefined || source === null || !request.sharedCache[part]) continue
        cache[part] = typeof source.namespace === 'function' ? source.namespace() : source
      }
      coreOpts.cache = cache
    }
    return coreOpts
  }
}
