// What a remote peer may load: a core it asks for by discovery key comes from memory, or from disk as
// a passive core (into the LRU of cacheSize), or not at all. This is replication's CoreSource; it asks
// the root's cache and storage, and hands the cache back a core the peer did not stay for.
import type { CoreCache } from './cache'
import type { Feed } from './hypercore9'
import { peersLog, short } from './log'
import type { CoreSource } from './replication'

/** What serving needs of the store. */
export interface ServingHost {
  readonly cache: CoreCache<Feed>
  /** Whether the store closed: it then serves nothing. */
  isClosed (): boolean
  /** Whether the core has its `key` file in storage. */
  hasCore (dkey: Buffer, cb: (exists: boolean) => void): void
  /** A new core for a discovery key found on disk, opened by key alone (the cache files it afterwards). */
  createForPeer (dkey: Buffer, id: string): Feed
  /** Closes a core the cache let go of. */
  closeForgotten (id: string, core: Feed): void
}

export class PeerServing implements CoreSource {
  readonly #host: ServingHost

  constructor (host: ServingHost) {
    this.#host = host
  }

  /** A core a remote peer asked for, loaded passively from disk when it is there. */
  openForPeer (dkey: Buffer, cb: (core: Feed | null, settled: (attached: boolean) => void) => void): void {
    const none = (): void => {}
    const host = this.#host
    if (host.isClosed()) return cb(null, none)
    const cache = host.cache
    const id = dkey.toString('hex')
    const settled = (attached: boolean): void => {
      cache.peerSettled(id)
      // A peer that did not attach (it left, or failed the capability check) keeps nothing loaded.
      if (attached) return
      const idle = cache.forgetIfIdle(id)
      if (idle === null) return
      peersLog('release %s: its peer did not attach (left, or failed the capability check)', short(id))
      host.closeForgotten(id, idle)
    }
    const cached = cache.get(id)
    if (cached !== undefined) {
      cache.expectPeer(id)
      return cb(cached, settled)
    }
    this.exists(dkey, exists => {
      if (!exists || host.isClosed()) {
        peersLog('peer asked for %s: not here', short(id))
        return cb(null, none)
      }
      let core = cache.get(id)
      if (core === undefined) {
        peersLog('peer asked for %s: loading it passively from storage', short(id))
        core = host.createForPeer(dkey, id)
        cache.addPassive(id, core, { forPeer: true })
      } else {
        cache.expectPeer(id)
      }
      cb(core, settled)
    })
  }

  /** Whether a core with this discovery key is loaded or has its `key` file in storage. */
  exists (dkey: Buffer, cb: (exists: boolean) => void): void {
    if (this.#host.cache.has(dkey.toString('hex'))) return process.nextTick(cb, true)
    this.#host.hasCore(dkey, cb)
  }
}
