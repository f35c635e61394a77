// hypercore-protocol@8 as its README and index.js define it; options listed exactly (no index signature).
declare module 'hypercore-protocol' {
  import { Duplex } from 'stream'

  namespace ProtocolStream {
    interface KeyPair { publicKey: Buffer, secretKey: Buffer }

    /** hypercore-protocol@8's stream options (its constructor's `handlers`). */
    interface Options {
      /** Keep the stream open after every channel finished (default false). */
      live?: boolean
      /** `false`: no transport encryption, e.g. over an encrypted socket (default true). */
      encrypted?: boolean
      /** `false`: no Noise handshake and no capability checks; only with `encrypted: false`. */
      noise?: boolean
      /** The Noise key pair this side authenticates with. */
      keyPair?: KeyPair
      /** Milliseconds of silence before the stream is destroyed (default 20000); 0 or false: never. */
      timeout?: number | false
      /** Check the remote's Noise public key; call `done(err)` to refuse it. */
      onauthenticate?: (remotePublicKey: Buffer, done: (err?: Error | null) => void) => void
      /** The handshake finished. */
      onhandshake?: () => void
      /** The remote opened a channel for a discovery key this side has not opened. */
      ondiscoverykey?: (discoveryKey: Buffer) => void
      /** A channel closed. */
      onchannelclose?: (discoveryKey: Buffer, publicKey: Buffer | null) => void
    }
  }

  class ProtocolStream extends Duplex {
    constructor (initiator: boolean, opts?: ProtocolStream.Options)
    static isProtocolStream (s: unknown): s is ProtocolStream
    static keyPair (seed?: Buffer): ProtocolStream.KeyPair
    readonly initiator: boolean
    readonly remotePublicKey: Buffer | null
    readonly publicKey: Buffer | null
    readonly remoteAddress: string | null
    readonly remoteType: string | null
    live: boolean
    bytesSent: number
    bytesReceived: number
    readonly channelCount: number
    remoteVerified (key: Buffer): boolean
    opened (key: Buffer): boolean
    remoteOpened (key: Buffer): boolean
    close (discoveryKey: Buffer): void
    setTimeout (ms: number, ontimeout?: () => void): void
    setKeepAlive (ms: number): void
    /** Internal to hypercore-protocol@8; read to tell whether anyone opened a channel locally. */
    readonly channelizer?: { getChannel (discoveryKey: Buffer): { localId: number } | null | undefined }
    finalize (): void
    on (event: 'discovery-key', listener: (discoveryKey: Buffer) => void): this
    on (event: 'handshake' | 'timeout' | 'prefinalize' | 'close' | 'end' | 'finish', listener: () => void): this
    on (event: 'error', listener: (err: Error) => void): this
    on (event: string | symbol, listener: (...args: any[]) => void): this
  }

  export = ProtocolStream
}
