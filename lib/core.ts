import { Feed } from './hypercore'
import { checkBlocks, checkBytes, checkDownloadRange, checkIndex, checkOptionalIndex, checkOptions, checkRange, checkTruncateLength } from './core-checks'
import type { Codec } from './core-checks'
import { CORE_CLOSED, INVALID_ARGUMENT, NOT_WRITABLE, STORE_CLOSED } from './errors'
import type { Callback, CorestoreError } from './errors'
import { discoveryKey, toHex } from './keys'
import type { CoreKeyFiles } from './key-files'
import { containPeerErrors, guardOpen, noteOpenError, reloadState, stopWatching, watchOpenReads } from './core-state'
import type { OpenReads } from './core-state'
import { rememberWrittenNodes, writeVerifiedBlock } from './block-writes'
import type { TreeNode } from './block-writes'

/** hypercore@9's download selection, which `undownload` takes back; awaitable when no callback was given. */
export type Download = object & PromiseLike<void> & { catch: Promise<void>['catch'] }

const noop = (): void => {}

/** hypercore@9's internal steps the Core hooks into (not in its typings). */
interface FeedSteps {
  _append (batch: unknown[], cb: Callback): void
  _roots (index: number, cb: (err: Error | null, roots?: unknown[]) => void): void
}
const feedSteps = Feed.prototype as unknown as FeedSteps

/**
 * What the store learns of each core it made, through one shared object rather than listeners and
 * closures per core. Each hook runs before the core's own listeners of the same event.
 */
export interface CoreLifecycle {
  /** The core opened ('ready'): its keys, length and discovery key are known. */
  opened (core: Core): void
  /** It failed to open ('error' before 'ready'); it is closed. */
  failed (core: Core, err: Error): void
  /** It closed ('close'). */
  closed (core: Core): void
  /** A peer started or stopped replicating it ('peer-add', 'peer-remove'). */
  peersChanged (core: Core): void
  /** Replicating to or from a peer failed (a block it could not read...): only that channel closed. */
  peerFailed (core: Core, err: Error): void
  /** A block went to or came from a peer ('upload', 'download'). */
  active (core: Core): void
  /** The core needs data and has no peer: channels closed while idle may be reopened. */
  wantsPeers (core: Core): void
  /** Whether the store that made it is closed: a closed core then says STORE_CLOSED, else CORE_CLOSED. */
  storeClosed (): boolean
}

/**
 * The Hypercore 9 core the store hands out: hypercore@9 itself (same files, same wire, same callback
 * API), whose keys come from the store, and whose callback methods return a Promise when called
 * without a callback. Those promises never raise an unhandled rejection: a legacy caller that
 * neither passes a callback nor awaits loses the error exactly as hypercore's own no-op did.
 */
export class Core extends Feed {
  // Set right after construction; hypercore starts opening inside its constructor, so `_open` defers.
  #keyFiles: CoreKeyFiles | null = null
  #readOnly = false
  #lifecycle: CoreLifecycle | null = null
  readonly #openReads: OpenReads
  #peersWantedAt = 0
  #storeId: string | null = null

  constructor (keyFiles: CoreKeyFiles, key: Buffer | null, opts: Feed.Options, readOnly: boolean, lifecycle: CoreLifecycle) {
    const openReads: OpenReads = { opened: false, failed: null, wrapped: [] }
    super(name => {
      if (name === 'key') return keyFiles.keyStorage
      if (name === 'secret_key') return keyFiles.secretKeyStorage
      return watchOpenReads(keyFiles.openFile(name), openReads)
    }, key, opts)
    this.#openReads = openReads
    guardOpen(this, openReads)
    rememberWrittenNodes(this)
    this.#keyFiles = keyFiles
    this.#readOnly = readOnly
    this.#lifecycle = lifecycle
  }

  /** The hex discovery key the store files this core under; null while a name waits for the master key. */
  get storeId (): string | null {
    // Computed once: the store asks on every block sent or received (its activity order).
    if (this.#storeId === null) {
      const dkey = this.#keyFiles?.discoveryKey ?? null
      if (dkey !== null) this.#storeId = toHex(dkey)
    }
    return this.#storeId
  }

  override emit (event: string | symbol, ...args: any[]): boolean {
    // hypercore emits from inside its constructor, before this class's fields exist.
    const lifecycle = #lifecycle in this ? this.#lifecycle : null
    if (lifecycle !== null) {
      switch (event) {
        case 'ready':
          stopWatching(this.#openReads)
          lifecycle.opened(this)
          break
        case 'error':
          if (!this.opened) {
            lifecycle.failed(this, args[0] as Error)
            // Open errors reach whoever waits on ready(); with no listener they must not throw.
            if (this.listenerCount('error') === 0) return false
          }
          break
        case 'close':
          lifecycle.closed(this)
          break
        case 'peer-add':
          containPeerErrors(this, args[0], err => lifecycle.peerFailed(this, err))
          lifecycle.peersChanged(this)
          break
        case 'peer-remove':
          lifecycle.peersChanged(this)
          // A serving peer closed a channel it thought idle while a read still waits: reopen it.
          if (this.peers.length === 0 && (this as unknown as { _waiting: unknown[] })._waiting.length > 0) Core.#wantPeers(this)
          break
        case 'upload':
        case 'download':
          lifecycle.active(this)
          break
      }
    }
    return super.emit(event, ...args)
  }

  override _open (cb: Callback): void {
    // Called from inside hypercore's constructor: the key files are ours from the next tick on.
    process.nextTick(() => this.#resolveKeys(cb))
  }

  #resolveKeys (cb: Callback): void {
    const keyFiles = this.#keyFiles as CoreKeyFiles
    keyFiles.resolve((err, keys) => {
      if (err || !keys) {
        // hypercore would only say "No hypercore is stored here", and has opened no file yet (the key
        // files closed themselves): fail with our coded error, and error whatever waits for the core.
        const error = err ?? new Error('No keys')
        this.writable = false
        this.readable = false
        ;(Feed.prototype as unknown as { _destroy: (err: Error) => void })._destroy.call(this, error)
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

  /** A verified block from a peer: its tree nodes written in runs and remembered (see block-writes.ts). */
  _writeAfterHook (index: number, data: Buffer | null, nodes: TreeNode[], sig: { index: number, signature: Buffer } | null, from: unknown, cb: (err: Error | null) => void): void {
    writeVerifiedBlock(this, index, data, nodes, sig, from, cb)
  }

  /** An append whose writes failed leaves the state that is on disk, not hypercore's advanced one. */
  _append (batch: unknown[], cb: Callback): void {
    if (!this.opened || !this.writable) return feedSteps._append.call(this, batch, cb)
    feedSteps._append.call(this, batch, err => err ? this.#recover(err, cb) : cb(null))
  }

  /**
   * A read that needs a peer, on a core that has none: the store may reopen channels a serving peer
   * closed while they were idle (at most once a second, so a peer that keeps refusing costs little).
   */
  static #wantPeers (core: Core): void {
    // hypercore calls download() from inside its constructor, before this class's fields exist.
    if (!(#peersWantedAt in core) || !core.opened || core.writable || core.peers.length > 0) return
    const now = Date.now()
    if (now - core.#peersWantedAt < 1000) return
    core.#peersWantedAt = now
    core.#lifecycle?.wantsPeers(core)
  }

  /** Reloads the state from the files after a failed write; a core whose files cannot be read closes. */
  #recover (err: Error, cb: Callback): void {
    reloadState(this, reloadErr => {
      if (reloadErr === null) return cb(err)
      super.close(() => cb(err))
    })
  }

  override ready (cb: Callback): void
  override ready (): Promise<void>
  override ready (cb?: Callback): Promise<void> | void {
    const err = Core.#closedError(this)
    if (err !== null) return fail(err, cb)
    return settle<void>(done => super.ready(done), cb)
  }

  override close (cb: Callback): void
  override close (): Promise<void>
  override close (allowActive: boolean, cb?: Callback): Promise<void> | void
  override close (...args: unknown[]): Promise<void> | void {
    return call<void>(args, a => super.close(...a))
  }

  override append (data: unknown, cb: Callback<number>): void
  override append (data: unknown): Promise<number>
  override append (data: unknown, cb?: Callback<number>): Promise<number> | void {
    const err = Core.#closedError(this) ?? checkBlocks(data, (this as unknown as { _codec: Codec })._codec)
    if (err !== null) return fail(err, cb)
    if (this.#readOnly && this.key !== null) return fail(this.#notWritable('was opened read-only (writable: false)'), cb)
    if (this.opened) {
      if (!this.writable) return fail(this.#notWritable(), cb)
      return settle<number>(done => super.append(data, done), cb)
    }
    // Whether a core opened by key can sign is known once it is open.
    return settle<number>(done => super.ready((err: Error | null) => {
      if (err) return done(err)
      if (!this.writable) return done(this.#notWritable())
      super.append(data, done)
    }), cb)
  }

  // Callback forms first, so a callback's parameters get their types from the right overload.
  override get (index: number, cb: Callback<any>): symbol
  override get (index: number, opts: Feed.GetOptions | null | undefined, cb: Callback<any>): symbol
  override get (index: number, opts?: Feed.GetOptions | null): Promise<any>
  override get (...args: unknown[]): Promise<any> | symbol {
    const err = Core.#closedError(this) ?? checkIndex('block index', args[0]) ?? checkOptions('get options', optionsAt(args, 1))
    if (err !== null) return failCall(args, err, Symbol('hypercore-get'))
    if (this.opened && !this.has(args[0] as number)) Core.#wantPeers(this)
    return call<any>(args, a => super.get(...(a as [number])))
  }

  override getBatch (start: number, end: number, cb: Callback<any[]>): void
  override getBatch (start: number, end: number, opts: Feed.GetBatchOptions | null | undefined, cb: Callback<any[]>): void
  override getBatch (start: number, end: number, opts?: Feed.GetBatchOptions | null): Promise<any[]>
  override getBatch (...args: unknown[]): Promise<any[]> | void {
    const err = Core.#closedError(this) ?? checkRange(args[0], args[1]) ?? checkOptions('getBatch options', optionsAt(args, 2))
    if (err !== null) return failCall(args, err, undefined)
    return call<any[]>(args, a => super.getBatch(...(a as [number, number])))
  }

  override head (cb: Callback<any>): void
  override head (opts: Feed.HeadOptions | null | undefined, cb: Callback<any>): void
  override head (opts?: Feed.HeadOptions | null): Promise<any>
  override head (...args: unknown[]): Promise<any> | void {
    const err = Core.#closedError(this) ?? checkOptions('head options', optionsAt(args, 0))
    if (err !== null) return failCall(args, err, undefined)
    return call<any>(args, a => super.head(...a))
  }

  override update (cb: Callback): void
  override update (minLengthOrOpts: number | Feed.UpdateOptions | null | undefined, cb: Callback): void
  override update (minLengthOrOpts?: number | Feed.UpdateOptions | null): Promise<void>
  override update (...args: unknown[]): Promise<void> | void {
    const err = Core.#closedError(this) ?? checkUpdateOptions(optionsAt(args, 0))
    if (err !== null) return failCall(args, err, undefined)
    Core.#wantPeers(this)
    return call<void>(args, a => super.update(...a))
  }

  override download (cb: Callback): object
  override download (range: number | number[] | Feed.Range | null | undefined, cb: Callback): object
  override download (range?: number | number[] | Feed.Range | null): Download
  override download (...args: unknown[]): object {
    // hypercore's constructor selects every block of a non-sparse core and drops what this returns:
    // that selection needs no promise (nor its handlers and bound methods, kept as long as the core).
    if (!(#keyFiles in this)) return super.download(...args)
    const err = Core.#closedError(this) ?? checkDownloadRange(optionsAt(args, 0))
    if (err !== null) {
      // An empty selection: undownload() finds nothing to cancel in it.
      if (args.some(a => typeof a === 'function')) return failCall(args, err, {}) as object
      const promise = Promise.reject(err)
      promise.catch(noop)
      return thenable({}, promise)
    }
    Core.#wantPeers(this)
    if (args.some(a => typeof a === 'function')) return super.download(...args)
    // The selection must stay the return value: hypercore and its users pass it to undownload().
    let selection: object = {}
    const promise = new Promise<void>((resolve, reject) => {
      selection = super.download(...trimUndefined(args), (err: Error | null) => err ? reject(err) : resolve())
    })
    promise.catch(noop)
    return thenable(selection, promise)
  }

  override seek (bytes: number, cb: (err: Error | null, index?: number, offset?: number) => void): void
  override seek (bytes: number, opts: Feed.SeekOptions | null | undefined, cb: (err: Error | null, index?: number, offset?: number) => void): void
  /** Resolves to [block index, byte offset inside that block]. */
  override seek (bytes: number, opts?: Feed.SeekOptions | null): Promise<[number, number]>
  override seek (...args: unknown[]): Promise<[number, number]> | void {
    const err = Core.#closedError(this) ?? checkIndex('byte offset', args[0]) ?? checkOptions('seek options', optionsAt(args, 1))
    if (err !== null) return failCall(args, err, undefined)
    if (args.some(a => typeof a === 'function')) return super.seek(...(args as [number]))
    const promise = new Promise<[number, number]>((resolve, reject) => {
      super.seek(...(trimUndefined(args) as [number]), (err: Error | null, index: number, offset: number) => err ? reject(err) : resolve([index, offset]))
    })
    promise.catch(noop)
    return promise
  }

  override audit (cb: Callback<{ valid: number, invalid: number }>): void
  override audit (): Promise<{ valid: number, invalid: number }>
  override audit (cb?: Callback<{ valid: number, invalid: number }>): Promise<{ valid: number, invalid: number }> | void {
    const err = Core.#closedError(this)
    if (err !== null) return fail(err, cb)
    return settle(done => super.audit(done), cb)
  }

  override clear (start: number, cb: Callback): void
  override clear (start: number, end: number | null | undefined, cb: Callback): void
  override clear (start: number, end: number | null | undefined, opts: Feed.ClearOptions | null | undefined, cb: Callback): void
  override clear (start: number, end?: number | null, opts?: Feed.ClearOptions | null): Promise<void>
  override clear (...args: unknown[]): Promise<void> | void {
    const end = optionsAt(args, 1)
    const err = Core.#closedError(this) ?? checkIndex('start index', args[0]) ??
      (end === undefined || end === null ? null : checkRange(args[0], end)) ?? checkOptions('clear options', optionsAt(args, 2))
    if (err !== null) return failCall(args, err, undefined)
    return call<void>(args, a => {
      const cb = a[a.length - 1] as Callback
      const clear = Feed.prototype.clear as (...args: unknown[]) => void
      return clear.apply(this, [...a.slice(0, -1), (err: Error | null) => err ? this.#recover(err, cb) : cb(null)])
    })
  }

  override truncate (length: number, cb: Callback): void
  override truncate (length: number): Promise<void>
  override truncate (length: number, cb?: Callback): Promise<void> | void {
    const err = Core.#closedError(this) ?? checkIndex('length to truncate to', length)
    if (err !== null) return fail(err, cb)
    // Up to the current length only, which is known once the core is open.
    return settle<void>(done => super.ready((err: Error | null) => {
      if (err) return done(err)
      const tooLong = checkTruncateLength(length, this.length)
      if (tooLong !== null) return done(tooLong)
      super.truncate(length, (err: Error | null) => {
        if (err) return this.#recover(err, done)
        // hypercore@9 forgets to move the index the next append reports.
        ;(this as unknown as { _seq: number })._seq = this.length
        done(null)
      })
    }), cb)
  }

  override destroyStorage (cb: Callback): void
  override destroyStorage (): Promise<void>
  override destroyStorage (cb?: Callback): Promise<void> | void {
    const err = Core.#closedError(this)
    if (err !== null) return fail(err, cb)
    return settle<void>(done => super.destroyStorage(done), cb)
  }

  override signature (cb: Callback<Feed.Signature>): void
  override signature (index: number, cb: Callback<Feed.Signature>): void
  override signature (index?: number): Promise<Feed.Signature>
  override signature (...args: unknown[]): Promise<Feed.Signature> | void {
    const err = Core.#closedError(this) ?? checkOptionalIndex('block index', optionsAt(args, 0))
    if (err !== null) return failCall(args, err, undefined)
    return call<Feed.Signature>(args, a => super.signature(...(a as [number])))
  }

  override verify (index: number, signature: Buffer, cb: Callback<boolean>): void
  override verify (index: number, signature: Buffer): Promise<boolean>
  override verify (...args: unknown[]): Promise<boolean> | void {
    const err = Core.#closedError(this) ?? checkIndex('block index', args[0]) ?? checkBytes('signature', args[1])
    if (err !== null) return failCall(args, err, undefined)
    return call<boolean>(args, a => super.verify(...(a as [number, Buffer])))
  }

  override rootHashes (index: number, cb: Callback<Feed.Node[]>): void
  override rootHashes (index: number): Promise<Feed.Node[]>
  override rootHashes (...args: unknown[]): Promise<Feed.Node[]> | void {
    const err = Core.#closedError(this) ?? checkIndex('block index', args[0])
    if (err !== null) return failCall(args, err, undefined)
    return call<Feed.Node[]>(args, a => super.rootHashes(...(a as [number])))
  }

  override proof (index: number, cb: Callback<Feed.Proof>): void
  override proof (index: number, opts: Feed.ProofOptions | null | undefined, cb: Callback<Feed.Proof>): void
  override proof (index: number, opts?: Feed.ProofOptions | null): Promise<Feed.Proof>
  override proof (...args: unknown[]): Promise<Feed.Proof> | void {
    const err = Core.#closedError(this) ?? checkIndex('block index', args[0]) ?? checkOptions('proof options', optionsAt(args, 1))
    if (err !== null) return failCall(args, err, undefined)
    return call<Feed.Proof>(args, a => super.proof(...(a as [number])))
  }

  override put (index: number, data: unknown, proof: Feed.Proof, cb: Callback): void
  override put (index: number, data: unknown, proof: Feed.Proof): Promise<void>
  override put (...args: unknown[]): Promise<void> | void {
    const proof = args[2]
    const err = Core.#closedError(this) ?? checkIndex('block index', args[0]) ??
      (typeof proof === 'object' && proof !== null ? null : INVALID_ARGUMENT('proof', proof, 'a proof object'))
    if (err !== null) return failCall(args, err, undefined)
    return call<void>(args, a => super.put(...(a as [number, unknown, unknown])))
  }

  override getBlockInfo (index: number, cb: Callback<Feed.BlockInfo>): void
  override getBlockInfo (index: number): Promise<Feed.BlockInfo>
  override getBlockInfo (...args: unknown[]): Promise<Feed.BlockInfo> | void {
    const err = Core.#closedError(this) ?? checkIndex('block index', args[0])
    if (err !== null) return failCall(args, err, undefined)
    return call<Feed.BlockInfo>(args, a => super.getBlockInfo(...(a as [number])))
  }

  override flush (cb: Callback): void
  override flush (): Promise<void>
  override flush (cb?: Callback): Promise<void> | void {
    const err = Core.#closedError(this)
    if (err !== null) return fail(err, cb)
    return settle<void>(done => super.flush(done), cb)
  }

  override finalize (cb: Callback): void
  override finalize (): Promise<void>
  override finalize (cb?: Callback): Promise<void> | void {
    const err = Core.#closedError(this)
    if (err !== null) return fail(err, cb)
    return settle<void>(done => super.finalize(done), cb)
  }

  /**
   * Why this core can no longer be used (its store, or it, closed), or null while it can. Static:
   * hypercore calls methods from inside its constructor, before this class's private members exist.
   */
  static #closedError (core: Core): CorestoreError | null {
    if (!core.closing && !core.closed) return null
    const lifecycle = #lifecycle in core ? core.#lifecycle : null
    return lifecycle?.storeClosed() === true ? STORE_CLOSED() : CORE_CLOSED()
  }

  #notWritable (why = 'is not writable here: it was opened by its public key, without a secret key'): CorestoreError {
    const key = this.key as Buffer
    return NOT_WRITABLE(toHex(this.discoveryKey ?? discoveryKey(key)), why)
  }
}

/** Delivers an error the way `settle` delivers a result: to the callback on the next tick, or as a rejected promise. */
function fail<T> (err: Error, cb: Callback<T> | undefined): Promise<T> | void {
  return settle<T>(done => process.nextTick(done, err), cb)
}

/** fail() for methods whose callback is the last function argument; a callback call returns `returned`. */
function failCall<R> (args: unknown[], err: Error, returned: R): any {
  const cb = args[args.length - 1]
  if (typeof cb === 'function') {
    process.nextTick(cb as Callback, err)
    return returned
  }
  return fail(err, undefined)
}

/** The argument at `index`, or undefined when it is the callback. */
function optionsAt (args: unknown[], index: number): unknown {
  const value = args[index]
  return typeof value === 'function' ? undefined : value
}

/** update()'s argument: a minimum length (-1: one more than now, as hypercore passes itself) or options. */
function checkUpdateOptions (opts: unknown): CorestoreError | null {
  if (opts === -1) return null
  if (typeof opts === 'number') return checkIndex('minimum length', opts)
  const err = checkOptions('update options', opts)
  if (err !== null || opts === undefined || opts === null) return err
  const minLength = (opts as { minLength?: unknown }).minLength
  return minLength === undefined || minLength === -1 ? null : checkIndex('minimum length', minLength)
}

function thenable (selection: object, promise: Promise<void>): Download {
  return Object.defineProperties(selection, {
    then: { value: promise.then.bind(promise), configurable: true },
    catch: { value: promise.catch.bind(promise), configurable: true },
    finally: { value: promise.finally.bind(promise), configurable: true }
  }) as Download
}

/** Runs `start` with the caller's callback, or with one that settles the returned promise. */
function settle<T> (start: (done: Callback<T>) => void, cb: Callback<T> | undefined): Promise<T> | void {
  if (typeof cb === 'function') return start(cb)
  const promise = new Promise<T>((resolve, reject) => start((err, value) => err ? reject(err) : resolve(value as T)))
  promise.catch(noop)
  return promise
}

/** Like settle, for methods whose callback follows optional arguments: the callback is the last function. */
function call<T> (args: unknown[], invoke: (args: any[]) => any): any {
  if (typeof args[args.length - 1] === 'function') return invoke(args)
  return settle<T>(done => invoke([...trimUndefined(args), done]), undefined)
}

function trimUndefined (args: unknown[]): unknown[] {
  let end = args.length
  while (end > 0 && args[end - 1] === undefined) end--
  return args.slice(0, end)
}
