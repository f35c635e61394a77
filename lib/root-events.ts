// The events a store's root reports to every view of it (and views re-emit): what a core and a peer
// did. A module of its own so that the modules that emit them need not import the root.
import type { Core } from './core'
import type { PeerStats } from './stats'

/** The events the root reports to every view of its store. */
export interface RootEvents {
  feed: (core: Core, opts: unknown) => void
  'core-open': (core: Core) => void
  'core-close': (core: Core) => void
  /** A peer began replicating a core (one remote store, over one stream). */
  'peer-add': (core: Core, peer: PeerStats) => void
  /** A peer stopped replicating a core; its counters are final. */
  'peer-remove': (core: Core, peer: PeerStats) => void
  /**
   * Replicating one core with one peer failed (this store could not store a block it got, or read a
   * block it was asked for): only that channel closed, the stream and its other cores go on.
   */
  'replication-error': (core: Core, peer: PeerStats, err: Error) => void
  error: (err: Error) => void
}
