// How a command reaches its peers: the shape every transport gives it, and the Hyperswarm@2 join
// that seed (announcing) and clone (looking up) share.
import { StoreSwarm } from '../lib/swarm'
import type { ReplicatingStore, SwarmPeer } from '../lib/swarm'

/** A command's link to its peers, over Hyperswarm or TCP. */
export interface Network {
  /** Rejects when the network fails; the command stops with that error. */
  failed: Promise<never>
  close (): Promise<void>
}

export interface SwarmNetwork extends Network {
  /** Resolves once every topic is joined; rejects as `failed` does when joining fails. */
  joined: Promise<void>
}

/** A discovery key to join, with whatever the command wants back in `onJoined`. */
export interface Topic {
  discoveryKey: Buffer
}

export interface SwarmJoin<T extends Topic> {
  /** DHT bootstrap nodes as `host:port`; Hyperswarm@2's public ones when undefined. */
  bootstrap: string[] | undefined
  /**
   * `announce` lists this peer under the topics once a bootstrap node answered: an announcement
   * nobody can reach serves no one. `lookup` looks for peers at once, while the bootstrap nodes are
   * checked: multicast DNS may find one on the LAN even when the DHT is out of reach.
   */
  mode: 'announce' | 'lookup'
  topics: T[]
  /** The bootstrap nodes that answered. */
  onBootstrap?: (reached: string[]) => void
  /** The topic was announced, or its peers looked up, on the DHT. */
  onJoined?: (topic: T) => void
  onPeerAdd?: (peer: SwarmPeer) => void
  onPeerRemove?: (peer: SwarmPeer) => void
}

/**
 * The `failed` of a Network and the function that rejects it. Nobody may be waiting on it yet (a
 * command first sets up, then waits): its rejection never counts as unhandled.
 */
export function failureSignal (): { failed: Promise<never>, fail: (err: Error) => void } {
  let fail: (err: Error) => void = () => {}
  const failed = new Promise<never>((resolve, reject) => { fail = reject })
  failed.catch(() => {})
  return { failed, fail }
}

/**
 * Joins Hyperswarm@2 under every topic and replicates `store` with each peer. An unreachable DHT
 * fails the network only while no peer was found.
 */
export function joinSwarm<T extends Topic> (store: ReplicatingStore, opts: SwarmJoin<T>): SwarmNetwork {
  const announce = opts.mode === 'announce'
  const swarm = new StoreSwarm(store, { bootstrap: opts.bootstrap, announce, lookup: !announce })
  const { failed, fail } = failureSignal()
  let found = false
  swarm.on('error', fail)
  swarm.on('peer-add', peer => {
    found = true
    opts.onPeerAdd?.(peer)
  })
  swarm.on('peer-remove', peer => opts.onPeerRemove?.(peer))

  const checked = swarm.checkBootstrap().then(reached => opts.onBootstrap?.(reached), (err: Error) => {
    if (!found) throw err
  })
  const joinTopics = (): Promise<unknown> => Promise.all(opts.topics.map(async topic => {
    await swarm.join(topic.discoveryKey)
    opts.onJoined?.(topic)
  }))
  const joined = (announce ? checked.then(joinTopics) : Promise.all([checked, joinTopics()])).then(() => {})
  joined.catch(fail)
  return { joined, failed, close: () => swarm.close() }
}
