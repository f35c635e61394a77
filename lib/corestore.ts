import './noise-first'
import { EventEmitter } from 'events'
import ProtocolStream = require('hypercore-protocol')
import type Feed = require('hypercore')
import type { CacheEntry } from './cache'
import type { Core } from './core'
import { INVALID_NAME, INVALID_OPTIONS, STORE_CLOSED } from './errors'
import { lockCore } from './exclusive'
import { listStoredCores } from './disk'
import { deriveKeyPair, discoveryKey, parseKey, parseKeyPair, parseMasterKey, randomBytes, toHex } from './keys'
import type { KeyPair } from './keys'
import { CoreRegistry } from './registry'
import type { CoreRequest, RegistryEvents } from './registry'
import { resolveReplicationArgs } from './replication'
import type { ReplicationOptions } from './replication'
import { resolveStorage } from './storage'
import type { StorageFunction } from './storage'

type Callback<T = void> = (err: Error | null, value?: T) => void

export interface CorestoreOptions extends Feed.Options {
  /** How many cores that only peers asked for stay open (default 1000). */
  cacheSize?: number
  /** The 32-byte key every writable core is derived from; read from `master_key` (or created) when absent. */
  masterKey?: Buffer
  /** Today's name for `masterKey`. */
  primaryKey?: Buffer
  /** `false`: every core opens read-only, whatever its files hold. */
  writable?: boolean
  /** corestore@5: hypercore-cache instances shared (namespaced per core) by every core. */
  cache?: { data?: unknown, tree?: unknown }
}

export interface GetOptions extends Feed.Options {
  key?: Buffer | Uint8Array | string
  discoveryKey?: Buffer | Uint8Array | string
  keyPair?: KeyPair
  name?: string | Buffer | Uint8Array
  default?: boolean
  /** `false`: open read-only; appends fail with NOT_WRITABLE. */
  writable?: boolean
  /** `false`: fail with CORE_NOT_FOUND instead of creating a core that is not on disk. */
  createIfMissing?: boolean
  /**
   * Returns an exclusive handle to the shared core: its `ready()` and writes wait until earlier
   * exclusive handles of the core (from any view) are closed; its `close()` releases the lock.
   */
  exclusive?: boolean
  cache?: { data?: boolean, tree?: boolean }
}

export interface SessionOptions {
  /** A different master key for this session's named cores (stored like key-pair cores). */
  primaryKey?: Buffer
  masterKey?: Buffer
  /** A namespace below this view's. */
  namespace?: string | Buffer | Uint8Array
  /** `false`: closing the session closes its parent too. Default true. */
  detach?: boolean
  writable?: boolean
}

const VIEW = Symbol('corestore view')
// Namespaced core names hold a NUL byte, which namespace names may not, so they never derive a default() key.
const NAME_SEPARATOR = '\u0000'
const NAMESPACE_SEPARATOR = ':'
const OWN_OPTIONS = ['cacheSize', 'masterKey', 'primaryKey', 'writable', 'cache', 'name', 'inner', 'parent', 'createIfMissing', 'exclusive']
const GET_OPTIONS = ['key', 'discoveryKey', 'keyPair', 'name', 'default', 'writable', 'createIfMissing', 'exclusive', 'cache', 'secretKey', 'publicKey']

interface ViewInit {
  registry: CoreRegistry
  parent: Corestore
  name: string
  namespaced: boolean
  masterKey: Buffer | null
  readOnly: boolean
  detach: boolean
  storeOpts: CorestoreOptions
}

interface Corestore {
  on<E extends keyof RegistryEvents> (event: E, listener: RegistryEvents[E]): this
  once<E extends keyof RegistryEvents> (event: E, listener: RegistryEvents[E]): this
  emit<E extends keyof RegistryEvents> (event: E, ...args: Parameters<RegistryEvents[E]>): boolean
}

/**
 * A Hypercore 9 factory: the corestore@5 API (and today's names for it) over many cores that
 * share one master key, storage, cache and set of replication streams. A namespace or session is
 * a Corestore too: a view that shares all of that and tracks the cores it opened.
 */
class Corestore extends EventEmitter {
  /** The namespace path of this view; `default` at the root. */
  readonly name: string
  readonly storage: unknown
  /** corestore@5 compatibility: the store behind a view. */
  readonly store: Corestore

  readonly #registry: CoreRegistry
  readonly #parent: Corestore | null
  readonly #namespaced: boolean
  /** A session's own master key; its named cores are stored with their secret key. */
  readonly #masterKey: Buffer | null
  readonly #readOnly: boolean
  readonly #detach: boolean
  readonly #storeOpts: CorestoreOptions
  readonly #coreOpts: Feed.Options
  readonly #opened = new Map<string, Core>()
  readonly #exclusive = new Set<() => void>()
  readonly #unlisten: () => void
  #closing: Promise<void> | null = null

  constructor (storage: string | StorageFunction, opts: CorestoreOptions = {}) {
    super()
    this.setMaxListeners(0)
    const view = (opts as { [VIEW]?: ViewInit })[VIEW]
    this.storage = storage
    this.store = this

    if (view !== undefined) {
      this.#registry = view.registry
      this.#parent = view.parent
      this.name = view.name
      this.#namespaced = view.namespaced
      this.#masterKey = view.masterKey
      this.#readOnly = view.readOnly
      this.#detach = view.detach
      this.#storeOpts = view.storeOpts
    } else {
      if (opts === null || typeof opts !== 'object') throw INVALID_OPTIONS(`Corestore options must be an object, got ${typeof opts}`)
      const resolved = resolveStorage(storage)
      const given = opts.primaryKey ?? opts.masterKey
      const masterKey = given === undefined || given === null ? null : parseMasterKey(given, opts.primaryKey !== undefined ? 'primaryKey' : 'masterKey')
      const cacheSize = opts.cacheSize ?? 1000
      if (!Number.isInteger(cacheSize) || cacheSize < 0) throw INVALID_OPTIONS(`cacheSize must be a whole number >= 0, got ${String(cacheSize)}`)
      this.#registry = new CoreRegistry(resolved, { cacheSize, masterKey })
      this.#parent = null
      this.name = typeof opts.name === 'string' && opts.name.length > 0 ? opts.name : 'default'
      this.#namespaced = this.name !== 'default'
      this.#masterKey = null
      this.#readOnly = opts.writable === false
      this.#detach = true
      this.#storeOpts = opts
    }
    this.#coreOpts = withoutKeys(this.#storeOpts, OWN_OPTIONS)
    this.#registry.peerCoreOpts = this.#parent === null ? this.#coreOpts : this.#registry.peerCoreOpts

    const forward = <E extends keyof RegistryEvents>(event: E) => {
      const listener = ((...args: Parameters<RegistryEvents[E]>) => this.emit(event, ...args)) as unknown as RegistryEvents[E]
      this.#registry.on(event, listener)
      return () => this.#registry.removeListener(event, listener)
    }
    const offs = [forward('feed'), forward('error'), forward('core-open'), forward('core-close')]
    this.#unlisten = () => { for (const off of offs) off() }
  }

  /** The registry's cache: `has(id)`, `get(id)`, `entry(id).refs`, as corestore@5's refpool had them. */
  get cache (): { has (id: string): boolean, get (id: string): Core | undefined, entry (id: string): CacheEntry<Core> | undefined, readonly size: number } {
    return this.#registry.cache
  }

  get opened (): boolean {
    return this.#registry.opened
  }

  get closed (): boolean {
    return this.#closing !== null || this.#registry.closed
  }

  /** The master key, once the store is ready (`null` before). */
  get primaryKey (): Buffer | null {
    return this.#masterKey ?? this.#registry.masterKey
  }

  get masterKey (): Buffer | null {
    return this.primaryKey
  }

  ready (): Promise<void>
  ready (cb: Callback): void
  ready (cb?: Callback): Promise<void> | void {
    return withCallback(this.#registry.open(), cb)
  }

  /** The core `opts` describes; the same instance for as long as it is loaded. */
  get (opts?: GetOptions | Buffer | Uint8Array | string): Core {
    if (this.closed) throw STORE_CLOSED()
    const request = this.#parse(opts)
    const core = this.#registry.load(request, this)
    const id = request.discoveryKey === null ? null : toHex(request.discoveryKey)
    if (id !== null) this.#opened.set(id, core)
    else core.once('ready', () => { if (!this.closed) this.#opened.set(toHex(core.discoveryKey as Buffer), core) })
    if ((opts as GetOptions | undefined)?.exclusive !== true || request.readOnly) return core
    const { handle, release } = lockCore(this.#registry.locks, core, c => toHex(c.discoveryKey as Buffer))
    this.#exclusive.add(release)
    return handle
  }

  /** This view's bootstrap core, derived from its namespace name (`default` at the root). */
  default (opts?: GetOptions | Buffer | Uint8Array | string): Core {
    const given = normalizeGetArgument(opts)
    // As corestore@5: a key or key pair wins (hyperdrive passes `key: null` for a new drive), else the name.
    if ((given.key !== undefined && given.key !== null) || (given.keyPair !== undefined && given.keyPair !== null)) return this.get(given)
    return this.#getNamed({ ...given, discoveryKey: undefined, name: this.name })
  }

  namespace (name?: string | Buffer | Uint8Array): Corestore {
    return this.session({ namespace: name ?? randomBytes(32) })
  }

  session (opts: SessionOptions = {}): Corestore {
    if (this.closed) throw STORE_CLOSED()
    let name = this.name
    let namespaced = this.#namespaced
    if (opts.namespace !== undefined && opts.namespace !== null) {
      const part = namespaceName(opts.namespace)
      name = namespaced ? name + NAMESPACE_SEPARATOR + part : part
      namespaced = true
    }
    const given = opts.primaryKey ?? opts.masterKey
    const masterKey = given === undefined ? this.#masterKey : parseMasterKey(given, opts.primaryKey !== undefined ? 'primaryKey' : 'masterKey')
    const view: ViewInit = {
      registry: this.#registry,
      parent: this,
      name,
      namespaced,
      masterKey,
      readOnly: opts.writable === false || this.#readOnly,
      detach: opts.detach !== false,
      storeOpts: this.#storeOpts
    }
    return new Corestore(this.storage as StorageFunction, { [VIEW]: view } as CorestoreOptions)
  }

  /** The key pair `get({ name })` gives in this view. */
  createKeyPair (name: string | Buffer): KeyPair {
    const masterKey = this.primaryKey
    if (masterKey === null) throw STORE_CLOSED()
    return deriveKeyPair(masterKey, this.#qualifiedName(name))
  }

  /**
   * Replicates this view's cores (every referenced core at the root) over one hypercore-protocol
   * stream, adding cores loaded later. Accepts (isInitiator, opts), (opts), (protocolStream) or
   * (socket, opts | hyperswarmInfo).
   */
  replicate (isInitiatorOrStream?: boolean | ReplicationOptions | ProtocolStream | NodeJS.ReadWriteStream, opts?: ReplicationOptions | { readonly client: boolean }): ProtocolStream {
    const args = resolveReplicationArgs(isInitiatorOrStream, opts)
    const finalOpts: ReplicationOptions = { ...this.#coreOpts, ...args.opts }
    const stream = args.stream ?? new ProtocolStream(args.initiator, finalOpts)
    if (args.raw !== null) {
      const raw = args.raw
      raw.pipe(stream).pipe(raw)
      raw.on('error', err => stream.destroy(err))
      raw.on('close', () => stream.destroy())
      stream.on('error', () => raw.destroy())
      stream.on('close', () => raw.destroy())
    }
    if (this.#registry.closed) {
      stream.destroy()
      return stream
    }
    const cores = this.#parent === null ? [...this.#registry.cache.activeCores()] : [...this.#opened.values()]
    this.#registry.streams.track(stream, args.initiator, finalOpts, cores)
    return stream
  }

  /**
   * The discovery keys of the cores stored on disk for this view, loaded or not: at the root every
   * core of the folder, in a namespace those its `name` files place there. Folder storage only.
   */
  storedCores (): AsyncGenerator<Buffer> {
    const storage = this.#registry.storage.directory ?? (this.storage as StorageFunction)
    return listStoredCores(storage, this.#namespaced ? { namespace: this.name } : {})
  }

  /** The cores this view opened, by hex discovery key. */
  list (): Map<string, Core> {
    return new Map(this.#opened)
  }

  isLoaded (opts?: GetOptions | Buffer | Uint8Array | string): boolean {
    const request = this.#peek(opts)
    return request !== null && this.#registry.lookup(request) !== undefined
  }

  /** Whether a loaded core is referenced by some view (not only kept for peers). */
  isExternal (opts?: GetOptions | Buffer | Uint8Array | string): boolean {
    const request = this.#peek(opts)
    if (request === null || this.#registry.lookup(request) === undefined) return false
    return request.discoveryKey !== null && this.#registry.cache.refs(toHex(request.discoveryKey)) > 0
  }

  close (): Promise<void>
  close (cb: Callback): void
  close (cb?: Callback): Promise<void> | void {
    if (this.#closing === null) {
      this.#unlisten()
      if (this.#parent === null) {
        this.#closing = this.#registry.close()
      } else {
        this.#closing = this.#release().then(() => {
          if (!this.#detach && this.#parent !== null) return this.#parent.close()
        })
      }
      this.#closing.catch(() => {})
    }
    return withCallback(this.#closing, cb)
  }

  /** Drops this view's references; cores no view holds any more close unless a peer still replicates them. */
  async #release (): Promise<void> {
    for (const release of this.#exclusive) release()
    this.#exclusive.clear()
    const closing: Array<Promise<void>> = []
    for (const [id, core] of this.#opened) {
      if (!this.#registry.cache.unref(id, this)) continue
      if (core.peers.length > 0 || core.closing || core.closed) continue
      closing.push(new Promise(resolve => core.close(() => resolve())))
    }
    this.#opened.clear()
    await Promise.all(closing)
  }

  #getNamed (opts: GetOptions & { name: string | Buffer | Uint8Array }): Core {
    return this.get({ ...opts, [VIEW]: true } as GetOptions)
  }

  /** Parses a get argument; `null` when it names no particular core (a new random one). */
  #peek (opts: unknown): CoreRequest | null {
    const given = normalizeGetArgument(opts)
    if (given.keyPair === undefined && given.key === undefined && given.name === undefined && given.discoveryKey === undefined) return null
    return this.#parse(given)
  }

  #parse (opts: unknown): CoreRequest {
    const given = normalizeGetArgument(opts)
    const isDefault = (given as { [VIEW]?: boolean })[VIEW] === true
    const request: CoreRequest = {
      discoveryKey: null,
      publicKey: null,
      secretKey: null,
      name: null,
      createIfMissing: given.createIfMissing !== false,
      readOnly: this.#readOnly || given.writable === false,
      coreOpts: this.#hypercoreOptions(given),
      original: opts
    }

    if (given.keyPair !== undefined && given.keyPair !== null) {
      const pair = parseKeyPair(given.keyPair)
      request.publicKey = pair.publicKey
      request.secretKey = pair.secretKey
    } else if (given.key !== undefined && given.key !== null) {
      request.publicKey = parseKey(given.key, 'key')
    } else if (given.name !== undefined && given.name !== null) {
      const name = isDefault ? nameBytes(given.name) : this.#qualifiedName(given.name)
      if (this.#masterKey !== null) {
        // A session's own master key: store the pair itself, so the core reopens writable anywhere.
        const pair = deriveKeyPair(this.#masterKey, name)
        request.publicKey = pair.publicKey
        request.secretKey = pair.secretKey
      } else {
        request.name = name
      }
    } else if (given.default === true) {
      request.name = nameBytes(this.name)
    } else if (given.discoveryKey !== undefined && given.discoveryKey !== null) {
      request.discoveryKey = parseKey(given.discoveryKey, 'discoveryKey')
      request.createIfMissing = false
    } else {
      request.name = randomBytes(32)
    }
    if (request.publicKey !== null) request.discoveryKey = discoveryKey(request.publicKey)
    return request
  }

  /** At the root a name is used as corestore@5 did; in a namespace it is qualified by the namespace path. */
  #qualifiedName (name: unknown): Buffer {
    const bytes = nameBytes(name)
    if (!this.#namespaced) return bytes
    return Buffer.concat([Buffer.from(this.name + NAME_SEPARATOR), bytes])
  }

  #hypercoreOptions (given: GetOptions): Feed.Options {
    const coreOpts: Feed.Options = { ...this.#coreOpts, ...withoutKeys(given, GET_OPTIONS) }
    const shared = this.#storeOpts.cache
    if (shared !== undefined && shared !== null) {
      const cache: Record<string, unknown> = {}
      for (const part of ['data', 'tree'] as const) {
        const source = shared[part] as { namespace?: () => unknown } | undefined
        if (source === undefined || given.cache?.[part] === false) continue
        cache[part] = typeof source.namespace === 'function' ? source.namespace() : source
      }
      coreOpts.cache = cache
    }
    return coreOpts
  }
}

function normalizeGetArgument (opts: unknown): GetOptions {
  if (opts === undefined || opts === null) return {}
  if (typeof opts === 'string' || opts instanceof Uint8Array) return { key: opts }
  if (typeof opts !== 'object') throw INVALID_OPTIONS(`get() takes options, a key Buffer or a key string, got ${typeof opts}`)
  return opts as GetOptions
}

function nameBytes (name: unknown): Buffer {
  if (typeof name === 'string' && name.length > 0) return Buffer.from(name)
  if (name instanceof Uint8Array && name.byteLength > 0) return Buffer.from(name)
  throw INVALID_NAME(name)
}

function namespaceName (name: unknown): string {
  if (name instanceof Uint8Array) return Buffer.from(name).toString('hex')
  if (typeof name !== 'string' || name.length === 0 || name.includes(NAME_SEPARATOR)) {
    throw INVALID_NAME(name)
  }
  return name
}

function withoutKeys<T extends object> (opts: T, keys: string[]): Feed.Options {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(opts)) {
    if (!keys.includes(key)) out[key] = value
  }
  return out
}

function withCallback (promise: Promise<void>, cb: Callback | undefined): Promise<void> | void {
  if (typeof cb !== 'function') return promise
  promise.then(() => cb(null), err => cb(err))
}

export { Corestore }
