declare module '@hyperswarm/dht' {
  import { EventEmitter } from 'events'

  namespace dht {
    interface Options {
      /** 'host:port' nodes to join through; `[]` or `false` starts a DHT of its own (a bootstrap node). */
      bootstrap?: string[] | false
      /** A short-lived node that queries the DHT but stores nothing for others. */
      ephemeral?: boolean
      adaptive?: boolean
      maxAge?: number
      [option: string]: unknown
    }

    interface DHT extends EventEmitter {
      readonly destroyed: boolean
      /** True once the first bootstrap query finished ('ready'). */
      readonly bootstrapped: boolean
      ready (cb: () => void): void
      /** The bootstrap option, parsed. */
      readonly bootstrapNodes: Array<{ host: string, port: number }>
      /** Asks a node for our address as it sees it. */
      ping (peer: { host: string, port: number }, cb: (err: Error | null, pong?: { host: string, port: number }) => void): void
      listen (port?: number, address?: string | null, cb?: () => void): void
      address (): { address: string, family: string, port: number }
      destroy (): void
      on (event: 'listening' | 'ready' | 'close', listener: () => void): this
      on (event: 'error' | 'warning', listener: (err: Error) => void): this
      on (event: string | symbol, listener: (...args: any[]) => void): this
    }
  }

  /** @hyperswarm/dht@4: a factory for a dht-rpc node that answers Hyperswarm@2's peer queries. */
  function dht (opts?: dht.Options): dht.DHT
  export = dht
}
