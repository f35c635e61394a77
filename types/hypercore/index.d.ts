// hypercore@9.12 as its README and index.js define it. The options are listed exactly (no index
// signature), so a misspelt option is a type error wherever a store or a core takes them.
declare module 'hypercore' {
  import { EventEmitter } from 'events'
  import type { Readable, Writable } from 'stream'
  import RandomAccessStorage = require('random-access-storage')
  import ProtocolStream = require('hypercore-protocol')

  namespace Feed {
    type Callback<T = void> = (err: Error | null, value?: T) => void
    type StorageFunction = (name: string) => RandomAccessStorage

    /** An abstract-encoding (`encode`/`decode`), as hypercore's `codecs` accepts it. */
    interface Codec<T = any> {
      encode (value: T): Buffer | Uint8Array
      decode (buffer: Buffer): T
      name?: string
    }

    /** The value encodings `codecs@2` knows by name (`binary` is the default), or a codec of your own. */
    type ValueEncoding =
      | 'binary' | 'json' | 'ndjson' | 'utf-8' | 'utf8' | 'ascii' | 'hex' | 'base64'
      | 'ucs2' | 'ucs-2' | 'utf16le' | 'utf16-le'
      | Codec

    interface KeyPair { publicKey: Buffer, secretKey: Buffer }

    /** Custom signatures (`crypto` option). */
    interface Crypto {
      sign (data: Buffer, secretKey: Buffer, cb: (err: Error | null, signature?: Buffer) => void): void
      verify (signature: Buffer, data: Buffer, key: Buffer, cb: (err: Error | null, valid?: boolean) => void): void
    }

    /** hypercore@9's constructor options. */
    interface Options {
      /** Create a new key pair when none is stored (default true). */
      createIfMissing?: boolean
      /** Overwrite an existing core in the storage. */
      overwrite?: boolean
      valueEncoding?: ValueEncoding
      /** Download only the blocks asked for, instead of the whole core. */
      sparse?: boolean
      /** Fetch every advertised update at once (default: false when sparse). */
      eagerUpdate?: boolean
      secretKey?: Buffer | string | null
      /** `false`: never write the secret key to storage. */
      storeSecretKey?: boolean
      /** Entries in the storage's LRU cache (false or 0 disables it). */
      storageCacheSize?: number | false
      /** Hypercore-cache instances for the data and tree caches. */
      cache?: { data?: unknown, tree?: unknown }
      /** Called before verified data is written; call `cb()` when done. */
      onwrite?: (index: number, data: Buffer, peer: Peer | null, cb: (err?: Error | null) => void) => void
      /** Collect network statistics (default true). */
      stats?: boolean
      crypto?: Crypto
      /** The static key pair shown in Noise handshakes when replicating. */
      noiseKeyPair?: KeyPair
      /** `false`: a non-live core (default true). */
      live?: boolean
      /** Concurrent block requests per peer (default 16). */
      maxRequests?: number
      writable?: boolean
      /** `false`: do not download from peers (see `setDownloading`). */
      downloading?: boolean
      /** `false`: do not upload to peers (see `setUploading`). */
      uploading?: boolean
      /** Accept blocks a peer pushes without a request. */
      allowPush?: boolean
      /** `get`, `update` and `seek` fail at once when no peer has the data, instead of waiting. */
      ifAvailable?: boolean
      /** Hooks that delay the `ifAvailable` failure of `get` and `update`. */
      timeouts?: { get (cb: (err?: Error | null) => void): void, update (cb: (err?: Error | null) => void): void }
    }

    /** Options of `get` (and `head`). */
    interface GetOptions {
      /** `false`: fail instead of waiting for the block to be downloaded (default true). */
      wait?: boolean
      /** Called if the get has to wait for a download. */
      onwait?: (index: number) => void
      /** Fail after this many milliseconds (0: never). */
      timeout?: number
      valueEncoding?: ValueEncoding
      ifAvailable?: boolean
    }

    interface GetBatchOptions {
      wait?: boolean
      timeout?: number
      valueEncoding?: ValueEncoding
    }

    interface UpdateOptions {
      /** Wait until the core has at least this many blocks (default: its length + 1). */
      minLength?: number
      /** Fail when none of the current peers can update the core, instead of waiting for one. */
      ifAvailable?: boolean
      hash?: boolean
    }

    interface HeadOptions extends GetOptions, UpdateOptions {
      /** Update to the latest length before reading the last block. */
      update?: boolean
    }

    interface SeekOptions {
      wait?: boolean
      start?: number
      end?: number
      hash?: boolean
      ifAvailable?: boolean
    }

    interface ClearOptions {
      byteOffset?: number
      byteLength?: number
    }

    interface ProofOptions {
      hash?: boolean
      digest?: number
    }

    interface Range {
      start?: number
      /** Not inclusive; -1 or absent: to the end, following appends. */
      end?: number
      /** Download in order rather than randomly. */
      linear?: boolean
      /** These blocks only. */
      blocks?: number[]
      hash?: boolean
    }

    interface ReadStreamOptions {
      start?: number
      end?: number
      /** `false`: follow the core's length while reading (default true). */
      snapshot?: boolean
      /** Start at the core's current length. */
      tail?: boolean
      /** Keep reading forever. */
      live?: boolean
      timeout?: number
      wait?: boolean
      /** Blocks read per batch (default 1). */
      batch?: number
      valueEncoding?: ValueEncoding
      ifAvailable?: boolean
    }

    interface WriteStreamOptions {
      /** Split larger writes into blocks of at most this many bytes. */
      maxBlockSize?: number
    }

    /** hypercore@9's `replicate` options: hypercore-protocol@8's and its own. */
    interface ReplicateOptions extends ProtocolStream.Options {
      /** Ask for explicit acknowledgements of written blocks (`ack` events on the stream). */
      ack?: boolean
      /** `false`: do not download from this stream's peer. */
      download?: boolean
      /** `false`: do not upload to this stream's peer. */
      upload?: boolean
      /** Multiplex over this protocol stream instead of creating one. */
      stream?: ProtocolStream
      maxRequests?: number
      stats?: boolean
      /** Names of the extensions to announce (hypercore@8 style). */
      extensions?: string[]
      /** Per core: call `done(err)` to refuse this peer this core. */
      onfeedauthenticate?: (feed: Feed, remotePublicKey: Buffer, done: (err?: Error | null) => void) => void
    }

    interface Signature { index: number, signature: Buffer }

    /** A node of the merkle tree (`rootHashes`). */
    interface Node { index: number, size: number, hash: Buffer }

    interface Proof { nodes: Node[], signature: Buffer | null }

    interface BlockInfo { index: number, size: number, hash: Buffer }

    interface TransferStats {
      uploadedBytes: number
      uploadedBlocks: number
      downloadedBytes: number
      downloadedBlocks: number
    }

    interface Stats { totals: TransferStats, peers: TransferStats[] }

    interface Peer {
      remoteLength: number
      remotePublicKey: Buffer | null
      /** The peer's Noise public key. */
      readonly publicKey: Buffer | null
      readonly remoteAddress: string | null
      readonly remoteType: string | null
      stats: TransferStats
      stream: { stream: ProtocolStream }
    }

    interface ExtensionHandlers<T = any> {
      encoding?: ValueEncoding
      onmessage? (message: T, peer: Peer): void
      onerror? (err: Error): void
    }

    interface Extension<T = any> {
      send (message: T, peer: Peer): void
      broadcast (message: T): void
      destroy (): void
    }

    /** The events a core emits, with their arguments (hypercore@9 emits no others). */
    interface Events {
      ready: () => void
      error: (err: Error) => void
      /** A block was downloaded (from `peer`; null when put locally). */
      download: (index: number, data: Buffer, peer: Peer | null) => void
      /** A block is about to be uploaded to `peer`. */
      upload: (index: number, data: Buffer, peer: Peer) => void
      /** The core's length grew. */
      append: () => void
      /** Every block from 0 to length is stored. */
      sync: () => void
      close: () => void
      clear: (start: number, end: number) => void
      'peer-add': (peer: Peer) => void
      'peer-remove': (peer: Peer) => void
      'peer-open': (peer: Peer) => void
      /** A peer acknowledged blocks (replication with `ack: true`). */
      'peer-ack': (peer: Peer, have: { start: number, length?: number }) => void
      'remote-update': (peer: Peer) => void
      /** The core joined a replication stream. */
      replicating: (stream: ProtocolStream) => void
      /** An `eagerUpdate` update failed. */
      'update-error': (err: Error) => void
    }
  }

  class Feed extends EventEmitter {
    constructor (storage: string | Feed.StorageFunction, key?: Buffer | string | null, opts?: Feed.Options)
    static discoveryKey (publicKey: Buffer): Buffer
    /** Null until 'ready'. */
    key: Buffer | null
    /** Null until 'ready'. */
    discoveryKey: Buffer | null
    secretKey: Buffer | null
    noiseKeyPair: Feed.KeyPair
    /** Can this process append? False until 'ready'. */
    writable: boolean
    readable: boolean
    opened: boolean
    closed: boolean
    closing: boolean
    sparse: boolean
    live: boolean
    /** Blocks in the core; 0 until 'ready'. */
    length: number
    /** Bytes in the core; 0 until 'ready'. */
    byteLength: number
    /** The greatest length a connected peer has. */
    readonly remoteLength: number
    /** Null when the `stats` option is false. */
    readonly stats: Feed.Stats | null
    maxRequests: number
    downloading: boolean
    uploading: boolean
    allowPush: boolean
    peers: Feed.Peer[]
    ifAvailable: { wait (): void, continue (): void, ready (cb: () => void): void }

    on<E extends keyof Feed.Events> (event: E, listener: Feed.Events[E]): this
    once<E extends keyof Feed.Events> (event: E, listener: Feed.Events[E]): this
    off<E extends keyof Feed.Events> (event: E, listener: Feed.Events[E]): this
    addListener<E extends keyof Feed.Events> (event: E, listener: Feed.Events[E]): this
    removeListener<E extends keyof Feed.Events> (event: E, listener: Feed.Events[E]): this
    prependListener<E extends keyof Feed.Events> (event: E, listener: Feed.Events[E]): this
    prependOnceListener<E extends keyof Feed.Events> (event: E, listener: Feed.Events[E]): this

    // The callback methods are declared loosely at this one boundary so that the promise-capable
    // subclass in lib/core.ts can overload them; lib/core.ts carries the precise public signatures.
    ready (cb?: Feed.Callback): any
    open (cb?: Feed.Callback): any
    close (cb?: Feed.Callback): any
    append (data: any, cb?: Feed.Callback<number>): any
    get (index: number, opts?: any, cb?: Feed.Callback<any>): any
    getBatch (start: number, end: number, opts?: any, cb?: Feed.Callback<any[]>): any
    head (opts?: any, cb?: Feed.Callback<any>): any
    update (opts?: any, cb?: Feed.Callback): any
    download (range?: any, cb?: Feed.Callback): any
    undownload (range: object | number): void
    /** Cancels a pending `get` by the symbol it returned, or the blocks start..end. */
    cancel (getIdOrStart: symbol | number, end?: number): void
    seek (bytes: number, opts?: any, cb?: any): any
    audit (cb?: Feed.Callback<{ valid: number, invalid: number }>): any
    clear (start: number, end?: any, opts?: any, cb?: Feed.Callback): any
    truncate (length: number, cb?: Feed.Callback): any
    destroyStorage (cb?: Feed.Callback): any
    has (index: number): boolean
    has (start: number, end: number): boolean
    downloaded (start?: number, end?: number): number
    signature (index: any, cb?: Feed.Callback<any>): any
    verify (index: number, signature: Buffer, cb?: Feed.Callback<boolean>): any
    rootHashes (index: number, cb?: Feed.Callback<any[]>): any
    proof (index: number, opts?: any, cb?: Feed.Callback<any>): any
    put (index: number, data: any, proof: any, cb?: Feed.Callback): any
    flush (cb?: Feed.Callback): any
    finalize (cb?: Feed.Callback): any
    getBlockInfo (index: number, cb?: Feed.Callback<any>): any
    setDownloading (downloading: boolean): void
    setUploading (uploading: boolean): void
    replicate (initiator: boolean | ProtocolStream, opts?: Feed.ReplicateOptions): ProtocolStream
    createReadStream (opts?: Feed.ReadStreamOptions): Readable
    createWriteStream (opts?: Feed.WriteStreamOptions): Writable
    registerExtension<T = any> (name: string, handlers?: Feed.ExtensionHandlers<T>): Feed.Extension<T>
    _open (cb: Feed.Callback): void
  }

  export = Feed
}
