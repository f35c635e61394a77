// The core the store hands out: hypercore@9 (through the boundary's HookedFeed: same files, same wire,
// same callback API) whose callback methods also return a Promise when called without a callback,
// and whose arguments are checked before hypercore sees them.
import { codeHypercoreError, HookedFeed } from './hypercore9'
import type { Feed, FeedFiles, FeedHooks } from './hypercore9'
import { checkBlocks, checkBytes, checkDownloadRange, checkIndex, checkOptionalIndex, checkOptions, checkRange, checkTruncateLength } from './core-checks'
import { CORE_CLOSED, INVALID_ARGUMENT, NOT_WRITABLE, STORE_CLOSED } from './errors'
import type { Callback, CorestoreError } from './errors'
import { discoveryKey, toHex } from './keys'

/** hypercore@9's download selection, which `undownload` takes back; awaitable when no callback was given. */
export type Download = object & PromiseLike<void> & { catch: Promise<void>['catch'] }

/** The value encodings hypercore@9 decodes to strings. */
type StringEncoding = 'utf-8' | 'utf8' | 'ascii' | 'hex' | 'base64' | 'ucs2' | 'ucs-2' | 'utf16le' | 'utf16-le'

/** What a core's `get()` gives for its `valueEncoding` (absent: binary, a Buffer). */
export type DecodedValue<E> = [E] extends [undefined] ? Buffer
  : E extends 'binary' ? Buffer
    : E extends StringEncoding ? string
      : E extends 'json' | 'ndjson' ? unknown
        : E extends { decode (buffer: Buffer): infer D } ? D
          : unknown

/** What a core's `append()` takes for its `valueEncoding` (binary: bytes, or a string as UTF-8). */
export type EncodableValue<E> = [E] extends [undefined] ? Buffer | Uint8Array | string
  : E extends 'binary' ? Buffer | Uint8Array | string
    : E extends StringEncoding ? string
      : E extends 'json' | 'ndjson' ? unknown
        : E extends { encode (value: infer V): unknown } ? V
          : unknown

const noop = (): void => {}

/** What the store learns of each core it made (the boundary's hooks), and whether the store closed. */
export interface CoreLifecycle extends FeedHooks {
  /** Whether the store that made it is closed: a closed core then says STORE_CLOSED, else CORE_CLOSED. */
  storeClosed (): boolean
}

/** The methods whose promise form is one wrapper: their argument check (the callback left out). */
const CHECKS = {
  get: args => checkIndex('block index', args[0]) ?? checkOptions('get options', optionsAt(args, 1)),
  getBatch: args => checkRange(args[0], args[1]) ?? checkOptions('getBatch options', optionsAt(args, 2)),
  head: args => checkOptions('head options', optionsAt(args, 0)),
  update: args => checkUpdateOptions(optionsAt(args, 0)),
  audit: () => null,
  clear: args => {
    const end = optionsAt(args, 1)
    return checkIndex('start index', args[0]) ?? (end === undefined || end === null ? null : checkRange(args[0], end)) ?? checkOptions('clear options', optionsAt(args, 2))
  },
  destroyStorage: () => null,
  signature: args => checkOptionalIndex('block index', optionsAt(args, 0)),
  verify: args => checkIndex('block index', args[0]) ?? checkBytes('signature', args[1]),
  rootHashes: args => checkIndex('block index', args[0]),
  proof: args => checkIndex('block index', args[0]) ?? checkOptions('proof options', optionsAt(args, 1)),
  put: args => checkIndex('block index', args[0]) ?? (typeof args[2] === 'object' && args[2] !== null ? null : INVALID_ARGUMENT('proof', args[2], 'a proof object')),
  getBlockInfo: args => checkIndex('block index', args[0]),
  flush: () => null,
  finalize: () => null
} satisfies Record<string, (args: unknown[]) => CorestoreError | null>

type Wrapped = keyof typeof CHECKS

/**
 * The Hypercore 9 core the store hands out. Its promises never raise an unhandled rejection: a legacy
 * caller that neither passes a callback nor awaits loses the error exactly as hypercore's own no-op did.
 */
export class Core<T = any, In = any> extends HookedFeed {
  #readOnly = false
  #lifecycle: CoreLifecycle | null = null
  #storeId: string | null = null

  constructor (files: FeedFiles, key: Buffer | null, opts: Feed.Options, readOnly: boolean, lifecycle: CoreLifecycle) {
    super(files, key, opts, lifecycle)
    this.#readOnly = readOnly
    this.#lifecycle = lifecycle
  }

  /** The hex discovery key the store files this core under; null while a name waits for the master key. */
  get storeId (): string | null {
    // Computed once: the store asks on every block sent or received (its activity order).
    if (this.#storeId === null) {
      const dkey = this.storeDiscoveryKey
      if (dkey !== null) this.#storeId = toHex(dkey)
    }
    return this.#storeId
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

  override append (data: In | In[], cb: Callback<number>): void
  override append (data: In | In[]): Promise<number>
  override append (data: In | In[], cb?: Callback<number>): Promise<number> | void {
    const err = Core.#closedError(this) ?? checkBlocks(data, this.codec)
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
  override get (index: number, cb: Callback<T>): symbol
  override get (index: number, opts: Feed.GetOptions | null | undefined, cb: Callback<T>): symbol
  override get (index: number, opts?: Feed.GetOptions | null): Promise<T>
  override get (...args: unknown[]): Promise<T> | symbol {
    return this.#wrap('get', args, Symbol('hypercore-get'), () => {
      if (this.opened && !this.has(args[0] as number)) this.wantPeers()
    })
  }

  override getBatch (start: number, end: number, cb: Callback<T[]>): void
  override getBatch (start: number, end: number, opts: Feed.GetBatchOptions | null | undefined, cb: Callback<T[]>): void
  override getBatch (start: number, end: number, opts?: Feed.GetBatchOptions | null): Promise<T[]>
  override getBatch (...args: unknown[]): Promise<T[]> | void {
    return this.#wrap('getBatch', args)
  }

  override head (cb: Callback<T>): void
  override head (opts: Feed.HeadOptions | null | undefined, cb: Callback<T>): void
  override head (opts?: Feed.HeadOptions | null): Promise<T>
  override head (...args: unknown[]): Promise<T> | void {
    return this.#wrap('head', args)
  }

  override update (cb: Callback): void
  override update (minLengthOrOpts: number | Feed.UpdateOptions | null | undefined, cb: Callback): void
  override update (minLengthOrOpts?: number | Feed.UpdateOptions | null): Promise<void>
  override update (...args: unknown[]): Promise<void> | void {
    return this.#wrap('update', args, undefined, () => this.wantPeers())
  }

  override download (cb: Callback): object
  override download (range: number | number[] | Feed.Range | null | undefined, cb: Callback): object
  override download (range?: number | number[] | Feed.Range | null): Download
  override download (...args: unknown[]): object {
    // hypercore's constructor selects every block of a non-sparse core and drops what this returns:
    // that selection needs no promise (nor its handlers and bound methods, kept as long as the core).
    if (!this.constructed) return super.download(...args)
    const err = Core.#closedError(this) ?? checkDownloadRange(optionsAt(args, 0))
    if (err !== null) {
      // An empty selection: undownload() finds nothing to cancel in it.
      if (args.some(a => typeof a === 'function')) return failCall(args, err, {}) as object
      const promise = Promise.reject(err)
      promise.catch(noop)
      return thenable({}, promise)
    }
    this.wantPeers()
    if (args.some(a => typeof a === 'function')) return super.download(...args.map(a => typeof a === 'function' ? coding(a as Callback) : a))
    // The selection must stay the return value: hypercore and its users pass it to undownload().
    let selection: object = {}
    const promise = new Promise<void>((resolve, reject) => {
      selection = super.download(...trimUndefined(args), (err: Error | null) => err ? reject(codeHypercoreError(err)) : resolve())
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
    if (args.some(a => typeof a === 'function')) return super.seek(...(args.map(a => typeof a === 'function' ? coding(a as Callback) : a) as [number]))
    const promise = new Promise<[number, number]>((resolve, reject) => {
      super.seek(...(trimUndefined(args) as [number]), (err: Error | null, index: number, offset: number) => err ? reject(codeHypercoreError(err)) : resolve([index, offset]))
    })
    promise.catch(noop)
    return promise
  }

  override audit (cb: Callback<{ valid: number, invalid: number }>): void
  override audit (): Promise<{ valid: number, invalid: number }>
  override audit (...args: unknown[]): Promise<{ valid: number, invalid: number }> | void {
    return this.#wrap('audit', args)
  }

  override clear (start: number, cb: Callback): void
  override clear (start: number, end: number | null | undefined, cb: Callback): void
  override clear (start: number, end: number | null | undefined, opts: Feed.ClearOptions | null | undefined, cb: Callback): void
  override clear (start: number, end?: number | null, opts?: Feed.ClearOptions | null): Promise<void>
  override clear (...args: unknown[]): Promise<void> | void {
    return this.#wrap('clear', args)
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
      super.truncate(length, done)
    }), cb)
  }

  override destroyStorage (cb: Callback): void
  override destroyStorage (): Promise<void>
  override destroyStorage (...args: unknown[]): Promise<void> | void {
    return this.#wrap('destroyStorage', args)
  }

  override signature (cb: Callback<Feed.Signature>): void
  override signature (index: number, cb: Callback<Feed.Signature>): void
  override signature (index?: number): Promise<Feed.Signature>
  override signature (...args: unknown[]): Promise<Feed.Signature> | void {
    return this.#wrap('signature', args)
  }

  override verify (index: number, signature: Buffer, cb: Callback<boolean>): void
  override verify (index: number, signature: Buffer): Promise<boolean>
  override verify (...args: unknown[]): Promise<boolean> | void {
    return this.#wrap('verify', args)
  }

  override rootHashes (index: number, cb: Callback<Feed.Node[]>): void
  override rootHashes (index: number): Promise<Feed.Node[]>
  override rootHashes (...args: unknown[]): Promise<Feed.Node[]> | void {
    return this.#wrap('rootHashes', args)
  }

  override proof (index: number, cb: Callback<Feed.Proof>): void
  override proof (index: number, opts: Feed.ProofOptions | null | undefined, cb: Callback<Feed.Proof>): void
  override proof (index: number, opts?: Feed.ProofOptions | null): Promise<Feed.Proof>
  override proof (...args: unknown[]): Promise<Feed.Proof> | void {
    return this.#wrap('proof', args)
  }

  override put (index: number, data: unknown, proof: Feed.Proof, cb: Callback): void
  override put (index: number, data: unknown, proof: Feed.Proof): Promise<void>
  override put (...args: unknown[]): Promise<void> | void {
    return this.#wrap('put', args)
  }

  override getBlockInfo (index: number, cb: Callback<Feed.BlockInfo>): void
  override getBlockInfo (index: number): Promise<Feed.BlockInfo>
  override getBlockInfo (...args: unknown[]): Promise<Feed.BlockInfo> | void {
    return this.#wrap('getBlockInfo', args)
  }

  override flush (cb: Callback): void
  override flush (): Promise<void>
  override flush (...args: unknown[]): Promise<void> | void {
    return this.#wrap('flush', args)
  }

  override finalize (cb: Callback): void
  override finalize (): Promise<void>
  override finalize (...args: unknown[]): Promise<void> | void {
    return this.#wrap('finalize', args)
  }

  /**
   * One method of the table: fails with why the core cannot be used or why its arguments are bad
   * (a callback call then returns `returned`), else runs `before` and hypercore's method, calling back
   * or settling the returned promise.
   */
  #wrap (method: Wrapped, args: unknown[], returned: unknown = undefined, before?: () => void): any {
    const err = Core.#closedError(this) ?? CHECKS[method](args)
    if (err !== null) return failCall(args, err, returned)
    if (before !== undefined) before()
    const run = HookedFeed.prototype[method] as (...args: unknown[]) => unknown
    return call(args, a => run.apply(this, a))
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
  return settle<T>(done => deliver(done, err), cb)
}

/** fail() for methods whose callback is the last function argument; a callback call returns `returned`. */
function failCall<R> (args: unknown[], err: Error, returned: R): any {
  const cb = args[args.length - 1]
  if (typeof cb === 'function') {
    deliver(cb as Callback, err)
    return returned
  }
  return fail(err, undefined)
}

/**
 * Calls back with an early error: on the next tick, but a closed core's error on the next turn of the
 * event loop. Some callers retry a call that failed at once, whatever the error (hypertrie's watch
 * updates its feed in such a loop): on a closed core that loop would keep the next-tick queue full,
 * and no promise, I/O callback or timer of the process (its store's close among them) would run again.
 */
function deliver (cb: Callback<any>, err: Error): void {
  const code = (err as { code?: unknown }).code
  if (code === 'CORE_CLOSED' || code === 'STORE_CLOSED') setImmediate(cb, err)
  else process.nextTick(cb, err)
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

/**
 * Runs `start` with the caller's callback, or with one that settles the returned promise. Either way
 * an error hypercore raised arrives with a code (codeHypercoreError), its message unchanged.
 */
function settle<T> (start: (done: Callback<T>) => void, cb: Callback<T> | undefined): Promise<T> | void {
  if (typeof cb === 'function') return start(coding(cb))
  const promise = new Promise<T>((resolve, reject) => start((err, value) => err ? reject(codeHypercoreError(err)) : resolve(value as T)))
  promise.catch(noop)
  return promise
}

/** Like settle, for methods whose callback follows optional arguments: the callback is the last function. */
function call<T> (args: unknown[], invoke: (args: any[]) => any): any {
  const last = args[args.length - 1]
  if (typeof last === 'function') return invoke([...args.slice(0, -1), coding(last as Callback<unknown>)])
  return settle<T>(done => invoke([...trimUndefined(args), done]), undefined)
}

/** The caller's callback, given hypercore's errors with a code. */
function coding<T> (cb: (err: Error | null, ...values: T[]) => void): (err: Error | null, ...values: T[]) => void {
  return (err, ...values) => cb(err === null || err === undefined ? err : codeHypercoreError(err), ...values)
}

function trimUndefined (args: unknown[]): unknown[] {
  let end = args.length
  while (end > 0 && args[end - 1] === undefined) end--
  return args.slice(0, end)
}
