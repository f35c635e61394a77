declare module 'hypercore-protocol' {
  import { Duplex } from 'stream'

  namespace ProtocolStream {
    interface KeyPair { publicKey: Buffer, secretKey: Buffer }

    interface Options {
      live?: boolean
      encrypted?: boolean
      noise?: boolean
      keyPair?: KeyPair
      timeout?: number | false
      keepAlive?: number
      ack?: boolean
      [option: string]: unknown
    }
  }

  class ProtocolStream extends Duplex {
    constructor (initiator: boolean, opts?: ProtocolStream.Options)
    static isProtocolStream (s: unknown): s is ProtocolStream
    static keyPair (seed?: Buffer): ProtocolStream.KeyPair
    readonly initiator: boolean
    readonly remotePublicKey: Buffer | null
    readonly publicKey: Buffer | null
    live: boolean
    opened (key: Buffer): boolean
    remoteOpened (key: Buffer): boolean
    close (discoveryKey: Buffer): void
    /** Internal to hypercore-protocol@8; read to tell whether anyone opened a channel locally. */
    readonly channelizer?: { getChannel (discoveryKey: Buffer): { localId: number } | null | undefined }
    finalize (): void
    on (event: 'discovery-key', listener: (discoveryKey: Buffer) => void): this
    on (event: string | symbol, listener: (...args: any[]) => void): this
  }

  export = ProtocolStream
}
