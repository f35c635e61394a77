// What a running store has moved and holds, for people who operate it: plain counters updated as
// blocks go up and down (a few additions per block, nothing computed until someone reads), and the
// snapshot `store.stats()` builds from them when asked, in O(loaded cores).
import type { Feed, Peer } from './hypercore9'

/** Blocks and bytes that went to peers (uploaded) and came from them (downloaded). */
export interface TrafficCounters {
  uploadedBlocks: number
  downloadedBlocks: number
  uploadedBytes: number
  downloadedBytes: number
}

/** One peer of one core: a remote store replicating that core over one stream. */
export interface PeerStats extends TrafficCounters {
  /** A short id: the first 16 hex digits of the remote's Noise public key (or of its stream's number). */
  id: string
  /** The remote address (host:port) when the stream runs over a socket the store knows. */
  remoteAddress: string | null
  /** When the peer started replicating the core (ms since the epoch). */
  since: number
  /** Requests of ours it has not answered yet. */
  requestsInFlight: number
}

/** One loaded core. */
export interface CoreStats extends TrafficCounters {
  key: string
  discoveryKey: string
  /** The name it was derived from, as text (`a:b` for a namespace's default, `ns\u0000name` for a named core in `ns`); null when opened by key. */
  name: string | null
  /** The namespace path its name places it in (the part before a NUL, or the whole name); null when it has no name. */
  namespace: string | null
  /** `active`: a view (or an outside reference) holds it; `passive`: only peers asked for it. */
  state: 'active' | 'passive'
  holders: number
  length: number
  byteLength: number
  peers: PeerStats[]
  /** When a block last went to or came from a peer (ms since the epoch), or null. */
  lastActivity: number | null
  /** Channels of this core closed because replicating with a peer failed (a block it could not store or read). */
  replicationErrors: number
}

export interface StoreStatsSnapshot {
  /** When the snapshot was taken (ms since the epoch). */
  at: number
  /** When the store opened (ms since the epoch). */
  since: number
  cores: CoreStats[]
  totals: TrafficCounters & { active: number, passive: number, peers: number }
  /** The folder's descriptor pool; `max` is null without a bound, every count null for a storage function. */
  files: { open: number | null, max: number | null, waiting: number | null }
  memory: { heapUsed: number, external: number, rss: number }
  /** The store's folder, or null for a storage function. */
  folder: string | null
  /** Whether this store holds its folder's lock. */
  locked: boolean
  cacheSize: number
}

/** A loaded core as the cache files it. */
export interface LoadedCore {
  id: string
  core: Feed
  references: number
  /** The name its key pair derives from (the `name` file), when the store knows it. */
  name: Buffer | null
}

/** What a snapshot reads from the store. */
export interface StatsSource {
  loaded (): Iterable<LoadedCore>
  /** Requests in flight of one peer, and its remote address as the store knows it. */
  requestsInFlight (peer: Peer): number
  remoteAddress (peer: Peer): string | null
  files: StoreStatsSnapshot['files']
  folder: string | null
  locked: boolean
  cacheSize: number
}

interface PeerRecord extends TrafficCounters {
  readonly since: number
}

interface CoreRecord extends TrafficCounters {
  lastActivity: number | null
  replicationErrors: number
}

function counters (): TrafficCounters {
  return { uploadedBlocks: 0, downloadedBlocks: 0, uploadedBytes: 0, downloadedBytes: 0 }
}

/** The store's counters: per core since it was loaded, per peer since it came, and for the whole store. */
export class StoreStats {
  readonly since = Date.now()
  readonly totals = counters()
  readonly #cores = new WeakMap<Feed, CoreRecord>()
  readonly #peers = new WeakMap<Peer, PeerRecord>()
  readonly #streamIds = new WeakMap<object, number>()
  #nextStream = 1

  /** A peer began replicating a core. */
  peerAdded (peer: Peer): PeerRecord {
    let record = this.#peers.get(peer)
    if (record === undefined) {
      record = { since: Date.now(), ...counters() }
      this.#peers.set(peer, record)
    }
    return record
  }

  uploaded (core: Feed, peer: Peer, bytes: number): void {
    const at = Date.now()
    const c = this.#core(core)
    c.uploadedBlocks++
    c.uploadedBytes += bytes
    c.lastActivity = at
    const p = this.peerAdded(peer)
    p.uploadedBlocks++
    p.uploadedBytes += bytes
    this.totals.uploadedBlocks++
    this.totals.uploadedBytes += bytes
  }

  downloaded (core: Feed, peer: Peer | null, bytes: number): void {
    const c = this.#core(core)
    c.downloadedBlocks++
    c.downloadedBytes += bytes
    c.lastActivity = Date.now()
    if (peer !== null) {
      const p = this.peerAdded(peer)
      p.downloadedBlocks++
      p.downloadedBytes += bytes
    }
    this.totals.downloadedBlocks++
    this.totals.downloadedBytes += bytes
  }

  /** Replicating a core with one of its peers failed. */
  failed (core: Feed): void {
    this.#core(core).replicationErrors++
  }

  /** The snapshot of everything loaded now. */
  snapshot (source: StatsSource): StoreStatsSnapshot {
    const cores: CoreStats[] = []
    let active = 0
    let peers = 0
    for (const loaded of source.loaded()) {
      const entry = this.#coreStats(loaded, source)
      if (entry === null) continue
      cores.push(entry)
      if (entry.state === 'active') active++
      peers += entry.peers.length
    }
    const { heapUsed, external, rss } = process.memoryUsage()
    return {
      at: Date.now(),
      since: this.since,
      cores,
      totals: { active, passive: cores.length - active, peers, ...this.totals },
      files: { ...source.files },
      memory: { heapUsed, external, rss },
      folder: source.folder,
      locked: source.locked,
      cacheSize: source.cacheSize
    }
  }

  /** The peer record of one peer (its counters since it came), for events. */
  peerStats (peer: Peer, source: Pick<StatsSource, 'requestsInFlight' | 'remoteAddress'>): PeerStats {
    const record = this.peerAdded(peer)
    return {
      id: this.#peerId(peer),
      remoteAddress: source.remoteAddress(peer),
      since: record.since,
      uploadedBlocks: record.uploadedBlocks,
      downloadedBlocks: record.downloadedBlocks,
      uploadedBytes: record.uploadedBytes,
      downloadedBytes: record.downloadedBytes,
      requestsInFlight: source.requestsInFlight(peer)
    }
  }

  #core (core: Feed): CoreRecord {
    let record = this.#cores.get(core)
    if (record === undefined) {
      record = { ...counters(), lastActivity: null, replicationErrors: 0 }
      this.#cores.set(core, record)
    }
    return record
  }

  #coreStats ({ id, core, references, name }: LoadedCore, source: StatsSource): CoreStats | null {
    // A core still opening has no key yet: it shows once it has one.
    if (core.key === null) return null
    const record = this.#cores.get(core)
    const text = name === null ? null : name.toString('utf-8')
    return {
      key: core.key.toString('hex'),
      discoveryKey: id,
      name: text,
      namespace: text === null ? null : text.split('\u0000')[0] ?? text,
      state: references > 0 ? 'active' : 'passive',
      holders: references,
      length: core.length,
      byteLength: core.byteLength,
      uploadedBlocks: record?.uploadedBlocks ?? 0,
      downloadedBlocks: record?.downloadedBlocks ?? 0,
      uploadedBytes: record?.uploadedBytes ?? 0,
      downloadedBytes: record?.downloadedBytes ?? 0,
      peers: core.peers.map(peer => this.peerStats(peer, source)),
      lastActivity: record?.lastActivity ?? null,
      replicationErrors: record?.replicationErrors ?? 0
    }
  }

  #peerId (peer: Peer): string {
    const key = peer.remotePublicKey
    if (key !== null && key !== undefined) return key.toString('hex').slice(0, 16)
    // No Noise key (an unencrypted stream): a number per stream, stable while the stream lives.
    const stream = peer.stream.stream
    let id = this.#streamIds.get(stream)
    if (id === undefined) {
      id = this.#nextStream++
      this.#streamIds.set(stream, id)
    }
    return `stream-${id}`
  }
}
