// corestore@5's InnerCorestore, the object its views shared as `store.inner`: an adapter over this
// package's store root with the members corestore@5 clients reach (Hyperspace's server and session
// state, dat-sdk@2, hyper-sdk@3). Each member is a thin adapter onto the root's own actions.
import { INVALID_NAME, NOT_READY } from '../errors'
import type { Callback } from '../errors'
import type { Feed, ProtocolStream } from '../hypercore9'
import { deriveSecret, discoveryKey, keyPairFromSeed, parseKey, randomBytes } from '../keys'
import type { KeyPair } from '../keys'
import { withCallback } from '../promises'
import type { ReplicationOptions } from '../replication'
import type { RootEvents, StoreOptions, StoreRoot } from '../root'
import type { StorageFunction } from '../storage'
import { parseGetRequest, peekRequest, rootView } from '../view'
import type { GetOptions, View } from '../view'
import { OutsideCores } from './outside-cores'
import { RefPool } from './refpool'

/** What corestore@5's `_generateKeys` and `_generateKeyPair` answer. */
export interface GeneratedKeys {
  publicKey: Buffer | null
  secretKey: Buffer | null
  discoveryKey: Buffer
  name: Buffer | null
}

const CORESTORE_NAMESPACE = 'corestore'

/**
 * @deprecated The store root under corestore@5's names, for the clients that reached into
 * `store.inner`. New code uses the store's own API: `get`, `session`, `replicate`, `createKeyPair`.
 */
export class InnerCorestore {
  readonly #root: StoreRoot
  /** The root view, for the members that take a get's options. */
  readonly #view: View = rootView({})
  readonly #outside: OutsideCores
  #cache: RefPool<Feed> | null = null

  constructor (root: StoreRoot) {
    this.#root = root
    this.#outside = new OutsideCores(root)
  }

  /** The root this adapter speaks for. */
  static rootOf (inner: InnerCorestore): StoreRoot {
    return inner.#root
  }

  /** @deprecated corestore@5's store options (`inner.opts`). */
  get opts (): Readonly<StoreOptions> {
    return this.#root.options
  }

  /** @deprecated corestore@5's storage function (`inner.storage(name)`). */
  get storage (): StorageFunction {
    return this.#root.storageFunction
  }

  /** @deprecated The master key (`inner._masterKey`); null until the store is ready. */
  get _masterKey (): Buffer | null {
    return this.#root.masterKey
  }

  /** The master key; null until the store is ready. */
  get masterKey (): Buffer | null {
    return this.#root.masterKey
  }

  get opened (): boolean {
    return this.#root.opened
  }

  get closed (): boolean {
    return this.#root.closed
  }

  /**
   * @deprecated corestore@5's `store.cache` (a refpool): `increment(id)`, `decrement(id)`, `get`,
   * `set`, `delete`, `entry(id).refs`... Hold cores through views and sessions instead.
   */
  get cache (): RefPool<Feed> {
    this.#cache ??= new RefPool(this.#root.cache, {
      adopt: (id, core) => this.#outside.adopt(id, core),
      close: (id, core) => this.#root.closeForgotten(id, core),
      idOf: core => core.discoveryKey === null ? null : core.discoveryKey.toString('hex')
    })
    return this.#cache
  }

  /** @deprecated Opens the store (nanoresource's `open`, as corestore@5's inner had it). */
  open (cb?: Callback): Promise<void> | void {
    return withCallback(this.#root.open(), cb)
  }

  /** @deprecated Closes the store and every core. */
  close (cb?: Callback): Promise<void> | void {
    return withCallback(this.#root.close(), cb)
  }

  // The events are the root's: a client that emits 'feed' here (the SDKs do) reaches every view.
  on<E extends keyof RootEvents> (event: E, listener: RootEvents[E]): this {
    this.#root.on(event, listener)
    return this
  }

  once<E extends keyof RootEvents> (event: E, listener: RootEvents[E]): this {
    this.#root.once(event, listener)
    return this
  }

  removeListener<E extends keyof RootEvents> (event: E, listener: RootEvents[E]): this {
    this.#root.removeListener(event, listener)
    return this
  }

  off<E extends keyof RootEvents> (event: E, listener: RootEvents[E]): this {
    return this.removeListener(event, listener)
  }

  emit<E extends keyof RootEvents> (event: E, ...args: Parameters<RootEvents[E]>): boolean {
    return this.#root.emit(event, ...args)
  }

  listenerCount (event: keyof RootEvents): number {
    return this.#root.listenerCount(event)
  }

  /**
   * @deprecated derive-key over the master key, byte for byte as corestore@5 (Hyperspace derives its
   * swarm id and Noise key pair with it). Use `store.createKeyPair(name)` for core key pairs.
   */
  _deriveSecret (namespace: string, name: Buffer | string): Buffer {
    return deriveSecret(this.#masterKeyOrThrow(), namespace, name)
  }

  /** @deprecated A named core's keys under the master key; a missing name is 32 random bytes. */
  _generateKeyPair (name?: Buffer | string | null): GeneratedKeys & KeyPair & { name: Buffer } {
    return this.#generateKeyPair(name)
  }

  #generateKeyPair (name?: Buffer | string | null): GeneratedKeys & KeyPair & { name: Buffer } {
    const bytes = typeof name === 'string' ? Buffer.from(name) : (name === undefined || name === null || name.length === 0 ? randomBytes(32) : name)
    const pair = keyPairFromSeed(deriveSecret(this.#masterKeyOrThrow(), CORESTORE_NAMESPACE, bytes))
    return { name: bytes, publicKey: pair.publicKey, secretKey: pair.secretKey, discoveryKey: discoveryKey(pair.publicKey) }
  }

  /** @deprecated The keys a get's options name, as corestore@5 worked them out. */
  _generateKeys (coreOpts?: GetOptions | Buffer | string | null): GeneratedKeys {
    const opts: GetOptions = typeof coreOpts === 'string' || Buffer.isBuffer(coreOpts) ? { key: coreOpts } : (coreOpts ?? {})
    if (opts.keyPair) {
      const { publicKey, secretKey } = opts.keyPair
      return { publicKey, secretKey, discoveryKey: discoveryKey(publicKey), name: null }
    }
    if (opts.key) {
      const publicKey = parseKey(opts.key, 'key')
      return { publicKey, secretKey: null, discoveryKey: discoveryKey(publicKey), name: null }
    }
    if (opts.default === true || opts.name) {
      if (!opts.name) throw INVALID_NAME(opts.name, 'a name with the default option')
      return this.#generateKeyPair(typeof opts.name === 'string' ? opts.name : Buffer.from(opts.name))
    }
    if (opts.discoveryKey) return { publicKey: null, secretKey: null, discoveryKey: parseKey(opts.discoveryKey, 'discoveryKey'), name: null }
    return this.#generateKeyPair(null)
  }

  /** @deprecated Adds a core (one made outside the store, too) to every open replication stream. */
  _injectIntoReplicationStreams (core: Feed): void {
    this.#root.attachToStreams(core)
  }

  /** @deprecated Replicates one core over an existing stream once the core is ready. */
  _replicateCore (isInitiator: boolean, core: Feed | null | undefined, mainStream: ProtocolStream, opts: ReplicationOptions = {}): void {
    if (core === null || core === undefined) return
    core.ready((err: Error | null) => {
      if (err) return
      core.replicate(isInitiator, { ...opts, stream: mainStream })
    })
  }

  /** @deprecated Whether a core is loaded or stored here, by discovery key (Buffer or hex). */
  _checkIfExists (dkey: Buffer | string, cb: Callback<boolean>): void {
    let key: Buffer
    try {
      key = parseKey(dkey, 'discoveryKey')
    } catch (err) {
      return process.nextTick(cb, err as Error)
    }
    this.#root.exists(key, exists => cb(null, exists))
  }

  /** @deprecated corestore@5's `inner.get`: the core, held by no view (passive). Use `store.get`. */
  get (coreOpts?: GetOptions | Buffer | string): Feed {
    return this.#root.acquire(parseGetRequest(this.#view, coreOpts), null).core
  }

  /** @deprecated corestore@5's `inner.replicate(isInitiator, cores, opts)`. Use `store.replicate`. */
  replicate (isInitiator: boolean, cores?: Iterable<Feed> | null, opts: ReplicationOptions = {}): ProtocolStream {
    return this.#root.replicateOver(isInitiator, cores ?? null, opts)
  }

  /** @deprecated Whether the core `coreOpts` names is loaded. */
  isLoaded (coreOpts?: GetOptions | Buffer | string): boolean {
    const request = peekRequest(this.#view, coreOpts)
    return request !== null && this.#root.lookup(request) !== undefined
  }

  /** @deprecated Whether a view (or an outside reference) holds the core `coreOpts` names. */
  isExternal (coreOpts?: GetOptions | Buffer | string): boolean {
    const request = peekRequest(this.#view, coreOpts)
    return request !== null && this.#root.references(request) > 0
  }

  #masterKeyOrThrow (): Buffer {
    const key = this.#root.masterKey
    // corestore@5 derived with a null key here (an unkeyed hash); no caller wants that secret.
    if (key === null) throw NOT_READY('_deriveSecret needs the master key')
    return key
  }
}
