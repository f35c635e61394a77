// Hyperswarm@2 networking for a store: the package's second entry (`corestore-ts/swarm`), used by the
// CLI and the demo. `require('corestore-ts')` never loads it, so the native utp-native stays unloaded.
// The emitted .d.ts imports untyped packages whose declarations ship in types/ (see lib/index.ts).
/// <reference types="node" preserve="true" />
/// <reference path="../types/random-access-storage/index.d.ts" preserve="true" />
/// <reference path="../types/hypercore-protocol/index.d.ts" preserve="true" />
/// <reference path="../types/hypercore/index.d.ts" preserve="true" />
/// <reference path="../types/hyperswarm/index.d.ts" preserve="true" />
import dns = require('dns')
import { EventEmitter } from 'events'
import type { Duplex } from 'stream'
import hyperswarm = require('hyperswarm')
import dht = require('@hyperswarm/dht')
import { ProtocolStream } from './hypercore9'
import type { Corestore } from './corestore'
import { BOOTSTRAP_UNREACHABLE, INVALID_OPTIONS, SWARM_CLOSED } from './errors'
import { parseKey, toHex } from './keys'

/** What a swarm needs of a store: `replicate(socket, opts)`, as Corestore has it. */
export type ReplicatingStore = Pick<Corestore, 'replicate'>

export interface SwarmOptions {
  /** DHT bootstrap nodes as `host:port`; Hyperswarm@2's public nodes when absent. */
  bootstrap?: string[]
  /** List this peer under every discovery key it joins (default true). */
  announce?: boolean
  /** Look up peers under every discovery key and connect to them (default true). */
  lookup?: boolean
  /**
   * The Noise key pair this peer shows on every connection (random by default). Two peers that
   * both dial each other are left with one connection, chosen by these keys.
   */
  keyPair?: ProtocolStream.KeyPair
  /** At most this many connections (Hyperswarm's default: 24). */
  maxPeers?: number
  /**
   * Also dial peers found on the local network by multicast DNS (default true). `false` dials only
   * peers the DHT names, which proves a DHT setup; peers may still dial in.
   */
  lan?: boolean
}

/** One peer this store replicates with: a single connection carries every core both sides have. */
export interface SwarmPeer {
  /** The remote's Noise public key, which identifies the peer. */
  readonly remotePublicKey: Buffer
  /** The hypercore-protocol stream over the connection. */
  readonly stream: ProtocolStream
  /** True on the side that dialled. */
  readonly client: boolean
  readonly type: 'tcp' | 'utp'
  /** `host:port` of the remote end, when the socket tells. */
  readonly address: string | null
}

interface SwarmEvents {
  /** A connection opened (dialled or accepted); its handshake decides whether it is kept. */
  connection: (info: { client: boolean, type: 'tcp' | 'utp' }) => void
  /**
   * A first connection to a peer finished its handshake. When a later connection to the same peer
   * wins deduplication it replaces this one in `peers`, without an event.
   */
  'peer-add': (peer: SwarmPeer) => void
  /** No connection to this peer remains (`peer` is the last one that was kept). */
  'peer-remove': (peer: SwarmPeer) => void
  /** A connection that failed or was a duplicate, before or after its handshake. */
  'connection-closed': (info: { client: boolean, error: Error | null }) => void
  /** Hyperswarm failed (it could not bind its sockets); pending joins and flushes reject with it too. */
  error: (err: Error) => void
}

export interface StoreSwarm {
  on<E extends keyof SwarmEvents> (event: E, listener: SwarmEvents[E]): this
  once<E extends keyof SwarmEvents> (event: E, listener: SwarmEvents[E]): this
  off<E extends keyof SwarmEvents> (event: E, listener: SwarmEvents[E]): this
  emit<E extends keyof SwarmEvents> (event: E, ...args: Parameters<SwarmEvents[E]>): boolean
}

/**
 * A store on a Hyperswarm@2 swarm: joins discovery keys and replicates the store over every
 * connection, one connection per peer for all cores (connections are multiplexed across topics,
 * and of two peers that dial each other only one connection survives).
 */
export class StoreSwarm extends EventEmitter {
  readonly swarm: hyperswarm.Swarm
  readonly keyPair: ProtocolStream.KeyPair
  readonly bootstrap: string[] | undefined
  /** The peers, by hex remote public key, each with the one connection kept for it. */
  readonly peers = new Map<string, SwarmPeer>()

  readonly #store: ReplicatingStore
  readonly #join: hyperswarm.JoinOptions
  readonly #streams = new Set<ProtocolStream>()
  readonly #failures = new Set<(err: Error) => void>()
  #closing: Promise<void> | null = null

  constructor (store: ReplicatingStore, opts: SwarmOptions = {}) {
    super()
    this.#store = store
    if (opts.bootstrap !== undefined) for (const address of opts.bootstrap) parseBootstrapAddress(address)
    this.bootstrap = opts.bootstrap === undefined ? undefined : [...opts.bootstrap]
    this.keyPair = opts.keyPair ?? ProtocolStream.keyPair()
    const announce = opts.announce !== false
    this.#join = { announce, lookup: opts.lookup !== false || !announce }
    this.swarm = hyperswarm({
      bootstrap: this.bootstrap,
      maxPeers: opts.maxPeers,
      validatePeer: opts.lan === false ? peer => !peer.local : undefined,
      queue: { multiplex: true }
    })
    this.swarm.on('connection', (socket, info) => this.#onConnection(socket, info))
    this.swarm.on('error', err => this.#fail(err))
  }

  get closed (): boolean {
    return this.#closing !== null
  }

  /** Open connections, counting those still in their handshake and duplicates not closed yet. */
  get connections (): number {
    return this.#streams.size
  }

  /** Open connections that are not (yet) a peer's: in their handshake, or duplicates closing. */
  get connecting (): number {
    return this.#streams.size - this.peers.size
  }

  /** Joins the swarm for a discovery key; resolves once the DHT was queried (announced) for it. */
  join (discoveryKey: Buffer | Uint8Array | string): Promise<void> {
    const key = parseKey(discoveryKey, 'discoveryKey')
    return this.#pending<void>((resolve, reject) => {
      if (this.closed) return reject(SWARM_CLOSED())
      this.swarm.join(key, this.#join, err => err ? reject(err) : resolve())
    })
  }

  leave (discoveryKey: Buffer | Uint8Array | string): Promise<void> {
    const key = parseKey(discoveryKey, 'discoveryKey')
    return new Promise(resolve => {
      if (this.closed) return resolve()
      this.swarm.leave(key, () => resolve())
    })
  }

  /** Resolves once every joined key was queried and the peers found so far were dialled. */
  flush (): Promise<void> {
    return this.#pending<void>((resolve, reject) => this.swarm.flush(err => err ? reject(err) : resolve()))
  }

  /** The bootstrap nodes that answer a ping; fails with BOOTSTRAP_UNREACHABLE when none does. */
  checkBootstrap (): Promise<string[]> {
    return pingBootstrap(this.bootstrap)
  }

  /** Leaves every topic, closes every connection and the swarm's sockets. The store stays open. */
  close (): Promise<void> {
    if (this.#closing === null) {
      for (const fail of this.#failures) fail(SWARM_CLOSED())
      for (const stream of this.#streams) stream.destroy()
      this.#closing = new Promise(resolve => this.swarm.destroy(() => resolve()))
    }
    return this.#closing
  }

  #onConnection (socket: Duplex, info: hyperswarm.PeerInfo): void {
    if (this.closed) {
      socket.destroy()
      return
    }
    // As `replicate(socket, info)` would, plus this swarm's key pair, which deduplication compares.
    const stream = this.#store.replicate(socket, { initiator: info.client, live: true, keyPair: this.keyPair })
    this.#streams.add(stream)
    this.emit('connection', { client: info.client, type: info.type })
    let peer: SwarmPeer | null = null
    let error: Error | null = null

    const dropDuplicate = (): void => { stream.destroy() }
    info.on('duplicate', dropDuplicate)
    stream.on('error', (err: Error) => { error = err })
    stream.once('handshake', () => {
      const remotePublicKey = stream.remotePublicKey
      // Both sides reach the same verdict, so each closes its end of the same connection.
      if (remotePublicKey === null || info.deduplicate(this.keyPair.publicKey, remotePublicKey)) {
        stream.destroy()
        return
      }
      peer = { remotePublicKey, stream, client: info.client, type: info.type, address: addressOf(socket, info) }
      const id = toHex(remotePublicKey)
      // A connection that won over an earlier one to the same peer replaces it without an event.
      const known = this.peers.has(id)
      this.peers.set(id, peer)
      if (!known) this.emit('peer-add', peer)
    })
    stream.once('close', () => {
      this.#streams.delete(stream)
      info.removeListener('duplicate', dropDuplicate)
      // A duplicate that lost to a newer connection was replaced, not removed.
      if (peer !== null && this.peers.get(toHex(peer.remotePublicKey)) === peer) {
        this.peers.delete(toHex(peer.remotePublicKey))
        this.emit('peer-remove', peer)
      }
      this.emit('connection-closed', { client: info.client, error })
    })
  }

  #pending<T> (start: (resolve: (value: T) => void, reject: (err: Error) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const fail = (err: Error): void => {
        this.#failures.delete(fail)
        reject(err)
      }
      this.#failures.add(fail)
      start(value => {
        this.#failures.delete(fail)
        resolve(value)
      }, fail)
    })
  }

  #fail (err: Error): void {
    for (const fail of [...this.#failures]) fail(err)
    if (this.listenerCount('error') > 0) this.emit('error', err)
  }
}

/** Joins a Hyperswarm@2 swarm for each discovery key and replicates `store` with every peer found. */
export function replicateOverSwarm (store: ReplicatingStore, discoveryKeys: Iterable<Buffer | Uint8Array | string>, opts: SwarmOptions = {}): StoreSwarm {
  const swarm = new StoreSwarm(store, opts)
  // Parsed up front, so a bad key throws here rather than in a promise nobody awaits.
  const keys = [...discoveryKeys].map(k => parseKey(k, 'discoveryKey'))
  for (const key of keys) swarm.join(key).catch(() => {})
  return swarm
}

export interface BootstrapNode {
  readonly host: string
  readonly port: number
  /** The `bootstrap` option that reaches this node: `['host:port']`. */
  readonly bootstrap: string[]
  close (): Promise<void>
}

/**
 * Starts a DHT node of its own (a private DHT of one node) that peers use as their bootstrap node:
 * for tests and demos on one machine. Listens on 127.0.0.1 and a free UDP port by default.
 */
export function startBootstrapNode (opts: { host?: string, port?: number } = {}): Promise<BootstrapNode> {
  const host = opts.host ?? '127.0.0.1'
  const node = dht({ bootstrap: [], ephemeral: false })
  return new Promise((resolve, reject) => {
    const onerror = (err: Error): void => {
      node.destroy()
      reject(err)
    }
    node.once('error', onerror)
    node.listen(opts.port ?? 0, host, () => {
      node.removeListener('error', onerror)
      const { port } = node.address()
      let closing: Promise<void> | null = null
      resolve({
        host,
        port,
        bootstrap: [`${host}:${port}`],
        close: () => {
          if (closing === null) {
            closing = new Promise(resolve => {
              node.once('close', () => resolve())
              node.destroy()
            })
          }
          return closing
        }
      })
    })
  })
}

/** Parses `host:port` as the `bootstrap` option takes it (Hyperswarm@2's DHT is IPv4). */
export function parseBootstrapAddress (address: string): { host: string, port: number } {
  const match = typeof address === 'string' ? /^([^:\s]+):(\d{1,5})$/.exec(address) : null
  const host = match?.[1]
  const port = Number(match?.[2])
  if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw INVALID_OPTIONS(`Invalid bootstrap address ${JSON.stringify(address)}: expected host:port, such as 127.0.0.1:49737`)
  }
  return { host, port }
}

/**
 * The bootstrap nodes (Hyperswarm's public ones when `bootstrap` is undefined) that answer a DHT
 * ping, as `host:port`. Fails with BOOTSTRAP_UNREACHABLE when none does: at once when no host name
 * resolves, otherwise after the DHT's own timeouts (about 7.5 seconds).
 */
export async function pingBootstrap (bootstrap?: string[]): Promise<string[]> {
  const node = dht({ bootstrap, ephemeral: true })
  const closed = new Promise<void>(resolve => node.once('close', () => resolve()))
  node.on('error', () => {})
  node.on('warning', () => {})
  try {
    const nodes = node.bootstrapNodes.map(n => ({ host: n.host, port: n.port, address: `${n.host}:${n.port}` }))
    const list = nodes.map(n => n.address).join(', ')
    if (nodes.length === 0) throw BOOTSTRAP_UNREACHABLE('No DHT bootstrap node given')
    const unresolved = await Promise.all(nodes.map(n => dns.promises.lookup(n.host).then(() => null, (err: NodeJS.ErrnoException) => `${n.host} (${err.code ?? err.message})`)))
    if (unresolved.every(u => u !== null)) {
      throw BOOTSTRAP_UNREACHABLE(`Cannot resolve the DHT bootstrap host${nodes.length > 1 ? 's' : ''} ${unresolved.join(', ')}`)
    }
    const answered = await Promise.all(nodes.map(n => new Promise<string | null>(resolve => {
      node.ping({ host: n.host, port: n.port }, err => resolve(err ? null : n.address))
    })))
    const reached = answered.filter((a): a is string => a !== null)
    if (reached.length === 0) throw BOOTSTRAP_UNREACHABLE(`No DHT bootstrap node answered (${list})`)
    return reached
  } finally {
    node.destroy()
    await closed
  }
}

function addressOf (socket: Duplex, info: hyperswarm.PeerInfo): string | null {
  if (info.peer !== null) return `${info.peer.host}:${info.peer.port}`
  const s = socket as Duplex & { remoteAddress?: string, remotePort?: number }
  return typeof s.remoteAddress === 'string' && typeof s.remotePort === 'number' ? `${s.remoteAddress}:${s.remotePort}` : null
}
