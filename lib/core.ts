import { Feed } from './hypercore'
import { NOT_WRITABLE } from './errors'
import type { Callback } from './errors'
import { discoveryKey, toHex } from './keys'
import type { CoreKeyFiles } from './key-files'

/** hypercore@9's download selection, which `undownload` takes back; awaitable when no callback was given. */
export type Download = object & PromiseLike<void> & { catch: Promise<void>['catch'] }

const noop = (): void => {}

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

  constructor (keyFiles: CoreKeyFiles, key: Buffer | null, opts: Feed.Options, readOnly: boolean, lifecycle: CoreLifecycle) {
    super(name => {
      if (name === 'key') return keyFiles.keyStorage
      if (name === 'secret_key') return keyFiles.secretKeyStorage
      return keyFiles.openFile(name)
    }, key, opts)
    this.#keyFiles = keyFiles
    this.#readOnly = readOnly
    this.#lifecycle = lifecycle
  }

  /** The hex discovery key the store files this core under; null while a name waits for the master key. */
  get storeId (): string | null {
    const dkey = this.#keyFiles?.discoveryKey ?? null
    return dkey === null ? null : toHex(dkey)
  }

  override emit (event: string | symbol, ...args: any[]): boolean {
    // hypercore emits from inside its constructor, before this class's fields exist.
    const lifecycle = #lifecycle in this ? this.#lifecycle : null
    if (lifecycle !== null) {
      switch (event) {
        case 'ready':
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
        case 'peer-remove':
          lifecycle.peersChanged(this)
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

  override ready (cb: Callback): void
  override ready (): Promise<void>
  override ready (cb?: Callback): Promise<void> | void {
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
    if (this.#readOnly && this.key !== null) {
      const err = NOT_WRITABLE(toHex(this.discoveryKey ?? discoveryKey(this.key)))
      return settle<number>(done => process.nextTick(done, err), cb)
    }
    return settle<number>(done => super.append(data, done), cb)
  }

  // Callback forms first, so a callback's parameters get their types from the right overload.
  override get (index: number, cb: Callback<any>): symbol
  override get (index: number, opts: Feed.GetOptions | null | undefined, cb: Callback<any>): symbol
  override get (index: number, opts?: Feed.GetOptions | null): Promise<any>
  override get (...args: unknown[]): Promise<any> | symbol {
    return call<any>(args, a => super.get(...(a as [number])))
  }

  override getBatch (start: number, end: number, cb: Callback<any[]>): void
  override getBatch (start: number, end: number, opts: Feed.GetBatchOptions | null | undefined, cb: Callback<any[]>): void
  override getBatch (start: number, end: number, opts?: Feed.GetBatchOptions | null): Promise<any[]>
  override getBatch (...args: unknown[]): Promise<any[]> | void {
    return call<any[]>(args, a => super.getBatch(...(a as [number, number])))
  }

  override head (cb: Callback<any>): void
  override head (opts: Feed.HeadOptions | null | undefined, cb: Callback<any>): void
  override head (opts?: Feed.HeadOptions | null): Promise<any>
  override head (...args: unknown[]): Promise<any> | void {
    return call<any>(args, a => super.head(...a))
  }

  override update (cb: Callback): void
  override update (minLengthOrOpts: number | Feed.UpdateOptions | null | undefined, cb: Callback): void
  override update (minLengthOrOpts?: number | Feed.UpdateOptions | null): Promise<void>
  override update (...args: unknown[]): Promise<void> | void {
    return call<void>(args, a => super.update(...a))
  }

  override download (cb: Callback): object
  override download (range: number | number[] | Feed.Range | null | undefined, cb: Callback): object
  override download (range?: number | number[] | Feed.Range | null): Download
  override download (...args: unknown[]): object {
    if (args.some(a => typeof a === 'function')) return super.download(...args)
    // The selection must stay the return value: hypercore and its users pass it to undownload().
    let selection: object = {}
    const promise = new Promise<void>((resolve, reject) => {
      selection = super.download(...trimUndefined(args), (err: Error | null) => err ? reject(err) : resolve())
    })
    promise.catch(noop)
    return Object.defineProperties(selection, {
      then: { value: promise.then.bind(promise), configurable: true },
      catch: { value: promise.catch.bind(promise), configurable: true },
      finally: { value: promise.finally.bind(promise), configurable: true }
    })
  }

  override seek (bytes: number, cb: (err: Error | null, index?: number, offset?: number) => void): void
  override seek (bytes: number, opts: Feed.SeekOptions | null | undefined, cb: (err: Error | null, index?: number, offset?: number) => void): void
  /** Resolves to [block index, byte offset inside that block]. */
  override seek (bytes: number, opts?: Feed.SeekOptions | null): Promise<[number, number]>
  override seek (...args: unknown[]): Promise<[number, number]> | void {
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
    return settle(done => super.audit(done), cb)
  }

  override clear (start: number, cb: Callback): void
  override clear (start: number, end: number | null | undefined, cb: Callback): void
  override clear (start: number, end: number | null | undefined, opts: Feed.ClearOptions | null | undefined, cb: Callback): void
  override clear (start: number, end?: number | null, opts?: Feed.ClearOptions | null): Promise<void>
  override clear (...args: unknown[]): Promise<void> | void {
    return call<void>(args, a => super.clear(...(a as [number])))
  }

  override truncate (length: number, cb: Callback): void
  override truncate (length: number): Promise<void>
  override truncate (length: number, cb?: Callback): Promise<void> | void {
    return settle<void>(done => super.truncate(length, done), cb)
  }

  override destroyStorage (cb: Callback): void
  override destroyStorage (): Promise<void>
  override destroyStorage (cb?: Callback): Promise<void> | void {
    return settle<void>(done => super.destroyStorage(done), cb)
  }

  override signature (cb: Callback<Feed.Signature>): void
  override signature (index: number, cb: Callback<Feed.Signature>): void
  override signature (index?: number): Promise<Feed.Signature>
  override signature (...args: unknown[]): Promise<Feed.Signature> | void {
    return call<Feed.Signature>(args, a => super.signature(...(a as [number])))
  }

  override verify (index: number, signature: Buffer, cb: Callback<boolean>): void
  override verify (index: number, signature: Buffer): Promise<boolean>
  override verify (...args: unknown[]): Promise<boolean> | void {
    return call<boolean>(args, a => super.verify(...(a as [number, Buffer])))
  }

  override rootHashes (index: number, cb: Callback<Feed.Node[]>): void
  override rootHashes (index: number): Promise<Feed.Node[]>
  override rootHashes (...args: unknown[]): Promise<Feed.Node[]> | void {
    return call<Feed.Node[]>(args, a => super.rootHashes(...(a as [number])))
  }

  override proof (index: number, cb: Callback<Feed.Proof>): void
  override proof (index: number, opts: Feed.ProofOptions | null | undefined, cb: Callback<Feed.Proof>): void
  override proof (index: number, opts?: Feed.ProofOptions | null): Promise<Feed.Proof>
  override proof (...args: unknown[]): Promise<Feed.Proof> | void {
    return call<Feed.Proof>(args, a => super.proof(...(a as [number])))
  }

  override put (index: number, data: unknown, proof: Feed.Proof, cb: Callback): void
  override put (index: number, data: unknown, proof: Feed.Proof): Promise<void>
  override put (...args: unknown[]): Promise<void> | void {
    return call<void>(args, a => super.put(...(a as [number, unknown, unknown])))
  }

  override getBlockInfo (index: number, cb: Callback<Feed.BlockInfo>): void
  override getBlockInfo (index: number): Promise<Feed.BlockInfo>
  override getBlockInfo (...args: unknown[]): Promise<Feed.BlockInfo> | void {
    return call<Feed.BlockInfo>(args, a => super.getBlockInfo(...(a as [number])))
  }

  override flush (cb: Callback): void
  override flush (): Promise<void>
  override flush (cb?: Callback): Promise<void> | void {
    return settle<void>(done => super.flush(done), cb)
  }

  override finalize (cb: Callback): void
  override finalize (): Promise<void>
  override finalize (cb?: Callback): Promise<void> | void {
    return settle<void>(done => super.finalize(done), cb)
  }
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
