declare module 'hyperswarm' {
  import { EventEmitter } from 'events'
  import type { Duplex } from 'stream'

  namespace hyperswarm {
    interface Options {
      /** DHT bootstrap nodes as 'host:port'; the public ones when absent. */
      bootstrap?: string[]
      ephemeral?: boolean
      maxPeers?: number
      /** How found peers are (re)tried; `multiplex: true` reuses one connection per peer across topics. */
      queue?: QueueOptions
      /** Whether to dial a peer that was found (`peer.local`: found on the LAN). */
      validatePeer?: (peer: Peer) => boolean
      [option: string]: unknown
    }

    interface QueueOptions {
      /** Back-off times in milliseconds for each retry of a failing peer. */
      requeue?: number[]
      forget?: { unresponsive?: number, banned?: number }
      /** One connection per peer address for every topic, instead of one per topic. */
      multiplex?: boolean
    }

    /** What `connectivity()` found: bound the sockets, reached a bootstrap node, can holepunch. */
    interface Connectivity {
      bound: boolean
      bootstrapped: boolean
      holepunched: boolean
    }

    interface JoinOptions {
      /** List this peer under the topic as a connectable target. */
      announce?: boolean
      /** Look for peers under the topic and connect to them. */
      lookup?: boolean
    }

    interface Peer {
      host: string
      port: number
      local: boolean
      topic?: Buffer
      referrer: { host: string, port: number, id?: Buffer } | null
    }

    /** Describes one connection; `client` is true on the side that dialled. */
    interface PeerInfo extends EventEmitter {
      readonly client: boolean
      readonly type: 'tcp' | 'utp'
      readonly peer: Peer | null
      readonly topics: Buffer[]
      /** Set when `deduplicate` chose another connection to the same peer over this one. */
      readonly duplicate: boolean
      /** `soft`: end the connection but keep the peer for later. */
      ban (soft?: boolean): void
      backoff (): void
      /**
       * Call once per connection with this side's and the remote's ids (in that order on both sides):
       * true when this connection is the duplicate to drop; the other one then emits 'duplicate'.
       */
      deduplicate (remoteId: Buffer, localId?: Buffer): boolean
      on (event: 'duplicate', listener: () => void): this
      on (event: 'topic', listener: (topic: Buffer) => void): this
      on (event: string | symbol, listener: (...args: any[]) => void): this
    }

    interface Swarm extends EventEmitter {
      readonly destroyed: boolean
      readonly connections: Set<Duplex>
      join (topic: Buffer, opts?: JoinOptions, onjoin?: (err?: Error | null) => void): void
      leave (topic: Buffer, onleave?: () => void): void
      flush (cb: (err?: Error | null) => void): void
      /** Pings the bootstrap nodes: `bootstrapped` is false when none answered. */
      connectivity (cb: (err: Error | null, state: Connectivity) => void): void
      listen (port?: number, cb?: (err?: Error | null) => void): void
      address (): { host: string, port: number }
      destroy (cb?: (err?: Error | null) => void): void
      on (event: 'connection' | 'disconnection', listener: (socket: Duplex, info: PeerInfo) => void): this
      on (event: 'peer' | 'peer-rejected', listener: (peer: Peer) => void): this
      on (event: 'updated', listener: (update: { key: Buffer }) => void): this
      on (event: 'error', listener: (err: Error) => void): this
      on (event: string | symbol, listener: (...args: any[]) => void): this
    }
  }

  /** Hyperswarm@2: a factory, not a class. */
  function hyperswarm (opts?: hyperswarm.Options): hyperswarm.Swarm
  export = hyperswarm
}
