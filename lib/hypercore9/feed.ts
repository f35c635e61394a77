// hypercore@9's Feed as the store runs it: keys from the store's key files, the open-time guards,
// block writes in runs, recovery after a failed write, peer errors contained to their channel. It
// reports what happens through one hooks object (hypercore 11 style: `onopen`, `ondownload`, ...)
// instead of anyone patching it, and it is the only class that reaches hypercore's `_` members.
import type RandomAccessStorage = require('random-access-storage')
import { KEYS_UNRESOLVED } from '../errors'
import type { Callback } from '../errors'
import { discoveryKey } from '../keys'
import type { TreeNode } from '../storage/hypercore-files'
import { rememberWrittenNodes, writeVerifiedBlock } from './block-writes'
import { Feed } from './load'
import { guardOpen, noteOpenError, stopWatching, watchOpenReads } from './open-guards'
import type { OpenReads } from './open-guards'
import { containPeerErrors, watchRequests } from './peers'
import type { Peer } from './peers'
import { reloadState } from './state-reload'

/** Where a feed's files and keys come from: the store's key files of one core. */
export interface FeedFiles {
  /** What hypercore opens as `key` and `secret_key`. */
  readonly keyStorage: RandomAccessStorage
  readonly secretKeyStorage: RandomAccessStorage
  /** The discovery key the store files the core under; null while a name waits for the master key. */
  readonly discoveryKey: Buffer | null
  /** The name the core's key pair derives from, once its keys are known (null: opened by key). */
  readonly name: Buffer | null
  /** Every other file of the core (`tree`, `data`, `bitfield`, `signatures`). */
  openFile (name: string): RandomAccessStorage
  /** Reads (or creates) the key files; the feed opens once they are known. */
  resolve (cb: (err: Error | null, keys?: { publicKey: Buffer }) => void): void
}

/**
 * What a feed reports, through one object shared by every feed of a store (no listener or closure per
 * feed). Each hook runs before the feed's own listeners of the same event.
 */
export interface FeedHooks {
  /** It opened ('ready'): its keys, length and discovery key are known. */
  onopen (feed: HookedFeed): void
  /** It failed to open ('error' before 'ready'); it is closed. */
  onopenfailed (feed: HookedFeed, err: Error): void
  /** It closed ('close'). */
  onclose (feed: HookedFeed): void
  /** A peer started replicating it ('peer-add'). */
  onpeeradd (feed: HookedFeed, peer: Peer): void
  /** A peer stopped replicating it ('peer-remove'). */
  onpeerremove (feed: HookedFeed, peer: Peer): void
  /** `peer` sent a request for block `index` (a download in progress). */
  onrequest (feed: HookedFeed, peer: Peer, index: number): void
  /** A block of `bytes` came from `peer` (null: put locally) and is stored. */
  ondownload (feed: HookedFeed, peer: Peer | null, index: number, bytes: number): void
  /** A block of `bytes` is going to `peer`. */
  onupload (feed: HookedFeed, peer: Peer, index: number, bytes: number): void
  /** Replicating with `peer` failed (a block it could not read...): only that channel closed. */
  onpeererror (feed: HookedFeed, peer: Peer, err: Error): void
  /** It needs data and has no peer: channels a serving peer closed while idle may be reopened. */
  onwantspeers (feed: HookedFeed): void
}

/** hypercore@9's internal steps the feed hooks into (not in its typings). */
interface FeedSteps {
  _append (batch: unknown[], cb: Callback): void
  _roots (index: number, cb: (err: Error | null, roots?: unknown[]) => void): void
  _destroy (err: Error): void
}
const feedSteps = Feed.prototype as unknown as FeedSteps

/** A value codec as hypercore@9 uses it (`codecs`' named ones carry their `name`). */
export interface Codec {
  readonly name?: string
  encode (value: unknown): unknown
  decode (buffer: Buffer): unknown
}

/** How long a feed with no peer waits before it asks for channels again. */
const WANT_PEERS_EVERY_MS = 1000

export class HookedFeed extends Feed {
  // Set right after construction; hypercore starts opening inside its constructor, so `_open` defers.
  #files: FeedFiles | null = null
  #hooks: FeedHooks | null = null
  readonly #openReads: OpenReads
  #peersWantedAt = 0
  readonly #fixedBudget: boolean

  constructor (files: FeedFiles, key: Buffer | null, opts: Feed.Options, hooks: FeedHooks) {
    const openReads: OpenReads = { opened: false, failed: null, wrapped: [] }
    super(name => {
      if (name === 'key') return files.keyStorage
      if (name === 'secret_key') return files.secretKeyStorage
      return watchOpenReads(files.openFile(name), openReads)
    }, key, opts)
    this.#openReads = openReads
    this.#fixedBudget = typeof opts.maxRequests === 'number'
    guardOpen(this, openReads)
    rememberWrittenNodes(this)
    this.#files = files
    this.#hooks = hooks
  }

  /** Whether the constructor has finished: hypercore calls methods from inside it, before the fields exist. */
  get constructed (): boolean {
    return #hooks in this
  }

  /** The discovery key the store files this feed under (known before it opens, unlike `discoveryKey`). */
  get storeDiscoveryKey (): Buffer | null {
    return this.#files?.discoveryKey ?? null
  }

  /** The name the store derived this feed's key pair from, once known (null: opened by key or key pair). */
  get storeName (): Buffer | null {
    return this.#files?.name ?? null
  }

  /** Whether the feed was given its own `maxRequests`: a fixed budget per peer that nothing adapts. */
  get fixedRequestBudget (): boolean {
    return this.#fixedBudget
  }

  /** The codec appended values are encoded with (hypercore's `valueEncoding`). */
  get codec (): Codec {
    return (this as unknown as { _codec: Codec })._codec
  }

  override emit (event: string | symbol, ...args: any[]): boolean {
    // hypercore emits from inside its constructor, before this class's fields exist.
    const hooks = #hooks in this ? this.#hooks : null
    if (hooks !== null) {
      switch (event) {
        case 'ready':
          stopWatching(this.#openReads)
          hooks.onopen(this)
          break
        case 'error':
          if (!this.opened) {
            hooks.onopenfailed(this, args[0] as Error)
            // Open errors reach whoever waits on ready(); with no listener they must not throw.
            if (this.listenerCount('error') === 0) return false
          }
          break
        case 'close':
          hooks.onclose(this)
          break
        case 'peer-add':
          containPeerErrors(this, args[0] as Peer, (peer, err) => hooks.onpeererror(this, peer, err))
          watchRequests(this, args[0] as Peer, (peer, index) => hooks.onrequest(this, peer, index))
          hooks.onpeeradd(this, args[0] as Peer)
          break
        case 'peer-remove':
          hooks.onpeerremove(this, args[0] as Peer)
          // A serving peer closed a channel it thought idle while a read still waits: reopen it.
          if (this.peers.length === 0 && (this as unknown as { _waiting: unknown[] })._waiting.length > 0) this.wantPeers()
          break
        case 'download':
          hooks.ondownload(this, (args[2] as Peer | undefined) ?? null, args[0] as number, byteLength(args[1]))
          break
        case 'upload':
          hooks.onupload(this, args[2] as Peer, args[0] as number, byteLength(args[1]))
          break
      }
    }
    return super.emit(event, ...args)
  }

  /**
   * A read that needs a peer, on a feed that has none: the store may reopen channels a serving peer
   * closed while they were idle (at most once a second, so a peer that keeps refusing costs little).
   */
  wantPeers (): void {
    // hypercore calls download() from inside its constructor, before this class's fields exist.
    if (!(#peersWantedAt in this) || !this.opened || this.writable || this.peers.length > 0) return
    const now = Date.now()
    if (now - this.#peersWantedAt < WANT_PEERS_EVERY_MS) return
    this.#peersWantedAt = now
    this.#hooks?.onwantspeers(this)
  }

  override _open (cb: Callback): void {
    // Called from inside hypercore's constructor: the key files are ours from the next tick on.
    process.nextTick(() => this.#resolveKeys(cb))
  }

  #resolveKeys (cb: Callback): void {
    const files = this.#files as FeedFiles
    files.resolve((err, keys) => {
      if (err || !keys) {
        // hypercore would only say "No hypercore is stored here", and has opened no file yet (the key
        // files closed themselves): fail with the store's coded error, and error whatever waits.
        const error = err ?? KEYS_UNRESOLVED('the key files of this core gave no keys')
        this.writable = false
        this.readable = false
        feedSteps._destroy.call(this, error)
        return cb(error)
      }
      if (this.key === null) {
        this.key = keys.publicKey
        this.discoveryKey = discoveryKey(keys.publicKey)
      }
      super._open(cb)
    })
  }

  /**
   * hypercore@9 opens a core one block shorter when it cannot read its root nodes, and reads some
   * files treating any error as "not there". An I/O error while opening fails the open instead (the
   * core can be asked for again); a node that is really missing keeps hypercore's own recovery.
   */
  _roots (index: number, cb: (err: Error | null, roots?: unknown[]) => void): void {
    const reads = this.#openReads
    if (!reads.opened && reads.failed !== null) return process.nextTick(cb, reads.failed)
    feedSteps._roots.call(this, index, (err, roots) => {
      noteOpenError(reads, err)
      cb(err, roots)
    })
  }

  /**
   * A verified block from a peer: its tree nodes written in runs and remembered (see block-writes.ts).
   * When this store cannot write it, asking again cannot help until its storage recovers: the reads
   * waiting on the core fail with that error now (hypercore then closes that peer's channel only).
   */
  _writeAfterHook (index: number, data: Buffer | null, nodes: TreeNode[], sig: { index: number, signature: Buffer } | null, from: unknown, cb: (err: Error | null) => void): void {
    writeVerifiedBlock(this, index, data, nodes, sig, from, cb, failWaitingReads)
  }

  /** Fails every read waiting on this feed (`get`, `seek`, `update` for a block) with `err`. */
  failWaiting (err: Error): void {
    const waiting = (this as unknown as { _waiting: Array<{ callback?: (err: Error) => void, index?: number }> })._waiting
    const reserved = (this as unknown as { _reserved: { set (index: number, value: boolean): void } })._reserved
    for (const w of waiting.splice(0)) {
      if (typeof w.index === 'number') reserved.set(w.index, false)
      if (typeof w.callback === 'function') process.nextTick(w.callback, err)
    }
  }

  /** An append whose writes failed leaves the state that is on disk, not hypercore's advanced one. */
  _append (batch: unknown[], cb: Callback): void {
    if (!this.opened || !this.writable) return feedSteps._append.call(this, batch, cb)
    feedSteps._append.call(this, batch, err => err ? this.#recover(err, cb) : cb(null))
  }

  /** hypercore's clear; a failed write leaves the state that is on disk. */
  override clear (...args: unknown[]): any {
    const clear = Feed.prototype.clear as (...args: unknown[]) => void
    const cb = args[args.length - 1]
    if (typeof cb !== 'function') return clear.apply(this, args)
    return clear.apply(this, [...args.slice(0, -1), (err: Error | null) => err ? this.#recover(err, cb as Callback) : (cb as Callback)(null)])
  }

  /** hypercore's truncate; a failed write leaves the state that is on disk. */
  override truncate (length: number, cb: Callback): void {
    super.truncate(length, (err: Error | null) => {
      if (err) return this.#recover(err, cb)
      // hypercore@9 forgets to move the index the next append reports.
      ;(this as unknown as { _seq: number })._seq = this.length
      cb(null)
    })
  }

  /** Reloads the state from the files after a failed write; a feed whose files cannot be read closes. */
  #recover (err: Error, cb: Callback): void {
    reloadState(this, reloadErr => {
      if (reloadErr === null) return cb(err)
      super.close(() => cb(err))
    })
  }
}

function byteLength (data: unknown): number {
  return Buffer.isBuffer(data) || data instanceof Uint8Array ? data.byteLength : 0
}

/** A block write failed: the feed's waiting reads fail with it (one function for every feed, no closure per block). */
function failWaitingReads (feed: Feed, err: Error): void {
  (feed as HookedFeed).failWaiting(err)
}
