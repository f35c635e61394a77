// Through the entry point, so its noise-protocol fix applies before hypercore-protocol loads.
import './index'
import dns = require('dns')
import { EventEmitter } from 'events'
import type { Duplex } from 'stream'
import ProtocolStream = require('hypercore-protocol')
import hyperswarm = require('hyperswarm')
import dht = require('@hyperswarm/dht')
import type { Corestore } from './corestore'
import { INVALID_OPTIONS } from './errors'
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
  /** A connection finished its handshake and is the one kept for that peer (it may replace an earlier one). */
  'peer-add': (peer: SwarmPeer) => void
  /** No connection to this peer remains. */
  'peer-remove': (peer: SwarmPeer) => void
  /** A connection that failed or was a duplicate, before or after its handshake. */
  'connection-closed': (info: { client: boolean, error: Error | null }) => void
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
  /** The live peers, by hex remote public key. */
  readonly peers = new Map<string, SwarmPeer>()

  readonly #store: ReplicatingStore
  readonly #join: hyperswarm.JoinOptions
  readonly #streams = new Set<ProtocolStream>()
  readonly #failures = new Set<(err: Error) => void>()
  #closing: Promise<void> | null = null

  constructor (store: ReplicatingStore, opts: SwarmOptions = {}) {
    super()
    this.#store = store
    this.bootstrap = opts.bootstrap === undefined ? undefined : opts.bootstrap.map(parseBootstrapAddress).map(a => `${a.host}:${a.port}`)
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
      if (this.closed) return reject(new Error('The swarm is closed'))
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

  /**
   * Whether a DHT bootstrap node answers. Hyperswarm waits out its ping timeouts first (about 7.5
   * seconds when none answers); a bootstrap host name that does not resolve fails at once.
   */
  async connectivity (): Promise<hyperswarm.Connectivity> {
    if (this.bootstrap !== undefined && this.bootstrap.length > 0) await resolveBootstrap(this.bootstrap)
    return this.#pending((resolve, reject) => this.swarm.connectivity((err, state) => {
      // An error here only says that no bootstrap node answered: `state` has the details.
      if (state !== undefined && state !== null) return resolve(state)
      reject(err ?? new Error('Connectivity unknown'))
    }))
  }

  /** Leaves every topic, closes every connection and the swarm's sockets. The store stays open. */
  close (): Promise<void> {
    if (this.#closing === null) {
      for (const fail of this.#failures) fail(new Error('The swarm is closed'))
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
    // Not `replicate(socket, info)`: the store would copy the whole info object into its
    // replication options, and info.stream (this socket) would pass for a protocol stream.
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
      this.peers.set(toHex(remotePublicKey), peer)
      this.emit('peer-add', peer)
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

/** Parses `host:port` (IPv6 as `[::1]:port`), as the `bootstrap` option takes it. */
export function parseBootstrapAddress (address: string): { host: string, port: number } {
  const match = typeof address === 'string' ? /^(?:\[([^\]]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(address) : null
  const host = match?.[1] ?? match?.[2]
  const port = Number(match?.[3])
  if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw INVALID_OPTIONS(`Invalid bootstrap address ${JSON.stringify(address)}: expected host:port, such as 127.0.0.1:49737`)
  }
  return { host, port }
}

/** Fails when no bootstrap host name resolves (the DHT would only time out on them). */
async function resolveBootstrap (bootstrap: string[]): Promise<void> {
  const failures: string[] = []
  for (const address of bootstrap) {
    const { host } = parseBootstrapAddress(address)
    try {
      await dns.promises.lookup(host)
      return
    } catch (err) {
      failures.push(`${host} (${(err as NodeJS.ErrnoException).code ?? 'unknown'})`)
    }
  }
  throw new Error(`Cannot resolve the DHT bootstrap host${failures.length > 1 ? 's' : ''} ${failures.join(', ')}`)
}

function addressOf (socket: Duplex, info: hyperswarm.PeerInfo): string | null {
  if (info.peer !== null) return `${info.peer.host}:${info.peer.port}`
  const s = socket as Duplex & { remoteAddress?: string, remotePort?: number }
  return typeof s.remoteAddress === 'string' && typeof s.remotePort === 'number' ? `${s.remoteAddress}:${s.remotePort}` : null
}
