// Cores made outside the store and handed to it through corestore@5's `cache.set` (the SDKs' in-memory
// cores): the root's streams carry them and its `list()` shows them, until they close.
import { Core } from '../core'
import type { Feed } from '../hypercore9'
import type { StoreRoot } from '../root'

export class OutsideCores {
  readonly #root: StoreRoot
  readonly #cores = new Set<Feed>()

  constructor (root: StoreRoot) {
    this.#root = root
    root.useOutsideCores(() => this.#cores.values())
  }

  /** Watches a core made outside the store, so the cache forgets it when it closes. */
  adopt (id: string, core: Feed): void {
    if (core instanceof Core || this.#cores.has(core)) return
    this.#cores.add(core)
    const cache = this.#root.cache
    const onPeerRemove = (): void => { cache.refresh(id) }
    core.on('peer-remove', onPeerRemove)
    core.once('close', () => {
      this.#cores.delete(core)
      core.removeListener('peer-remove', onPeerRemove)
      cache.delete(id, core)
    })
  }
}
