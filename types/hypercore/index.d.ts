declare module 'hypercore' {
  import { EventEmitter } from 'events'
  import RandomAccessStorage = require('random-access-storage')
  import ProtocolStream = require('hypercore-protocol')

  namespace Feed {
    type Callback<T = void> = (err: Error | null, value?: T) => void
    type StorageFunction = (name: string) => RandomAccessStorage

    interface Range {
      start?: number
      end?: number
      linear?: boolean
      blocks?: number[]
    }

    interface Peer {
      remoteLength: number
      stream: { stream: ProtocolStream }
    }

    interface ReplicateOptions {
      live?: boolean
      download?: boolean
      upload?: boolean
      encrypt?: boolean
      stream?: ProtocolStream
      [option: string]: unknown
    }

    interface Options {
      createIfMissing?: boolean
      overwrite?: boolean
      valueEncoding?: unknown
      sparse?: boolean
      eagerUpdate?: boolean
      secretKey?: Buffer | null
      storeSecretKey?: boolean
      writable?: boolean
      [option: string]: unknown
    }
  }

  class Feed extends EventEmitter {
    constructor (storage: Feed.StorageFunction, key?: Buffer | null, opts?: Feed.Options)
    key: Buffer | null
    discoveryKey: Buffer | null
    secretKey: Buffer | null
    writable: boolean
    readable: boolean
    opened: boolean
    closed: boolean
    closing: boolean
    sparse: boolean
    live: boolean
    length: number
    byteLength: number
    peers: Feed.Peer[]
    ifAvailable: { wait (): void, continue (): void, ready (cb: () => void): void }
    // Methods are declared with `any` at this one boundary so that the promise-capable subclass in
    // lib/core.ts can overload them; lib/core.ts carries the precise public types.
    ready (cb?: Feed.Callback): any
    open (cb?: Feed.Callback): any
    close (cb?: Feed.Callback): any
    append (data: any, cb?: Feed.Callback<number>): any
    get (index: number, opts?: any, cb?: Feed.Callback<any>): any
    getBatch (start: number, end: number, opts?: any, cb?: Feed.Callback<any[]>): any
    head (opts?: any, cb?: Feed.Callback<any>): any
    update (opts?: any, cb?: Feed.Callback): any
    download (range?: any, cb?: Feed.Callback): any
    undownload (range: any): void
    seek (bytes: number, opts?: any, cb?: Feed.Callback<any>): any
    audit (cb?: Feed.Callback<{ valid: number, invalid: number }>): any
    clear (start: number, end?: any, opts?: any, cb?: Feed.Callback): any
    truncate (length: number, cb?: Feed.Callback): any
    destroyStorage (cb?: Feed.Callback): any
    has (start: number, end?: number): boolean
    downloaded (start?: number, end?: number): number
    signature (index: any, cb?: Feed.Callback<any>): any
    verify (index: number, signature: Buffer, cb?: Feed.Callback<boolean>): any
    rootHashes (index: number, cb?: Feed.Callback<any[]>): any
    proof (index: number, opts?: any, cb?: Feed.Callback<any>): any
    put (index: number, data: any, proof: any, cb?: Feed.Callback): any
    flush (cb?: Feed.Callback): any
    finalize (cb?: Feed.Callback): any
    getBlockInfo (index: number, cb?: Feed.Callback<any>): any
    replicate (initiator: boolean, opts?: Feed.ReplicateOptions): ProtocolStream
    createReadStream (opts?: any): NodeJS.ReadableStream
    createWriteStream (opts?: any): NodeJS.WritableStream
    registerExtension (name: string, handlers?: any): any
    _open (cb: Feed.Callback): void
  }

  export = Feed
}
