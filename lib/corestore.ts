// The public class: the corestore@5 API and today's names for it, over one store root and one view.
import { EventEmitter } from 'events'
import type { Core, DecodedValue, EncodableValue } from './core'
import { STORE_CLOSED } from './errors'
import type { Callback } from './errors'
import type { Feed, ProtocolStream } from './hypercore9'
import { randomBytes, toHex } from './keys'
import type { KeyPair } from './keys'
import type { InnerCorestore, RefPool } from './legacy'
import { withCallback } from './promises'
import type { ReplicationOptions } from './replication'
import { StoreRoot } from './root'
import type { RootEvents, StoreOptions } from './root'
import type { StoreStatsSnapshot } from './stats'
import type { StatusServer, StatusServerOptions } from './status/server'
import type { StorageFunction } from './storage'
import { childView, namedKeyPair, parseDefaultRequest, parseGetRequest, peekRequest, rootView } from './view'
import type { GetOptions, SessionOptions, View } from './view'

export type { GetOptions, SessionOptions }

export type CorestoreOptions = StoreOptions

/** A value encoding: a name hypercore@9 knows, or a codec. */
export type ValueEncoding = NonNullable<Feed.Options['valueEncoding']>

/** The encoding a get chose (`undefined`: none), else the store's. */
type EncodingOf<V, StoreEncoding> = [V] extends [undefined] ? StoreEncoding : V

/** The core a get gives: its values typed by the encoding its options (or the store) chose. */
export type CoreFor<V, StoreEncoding> = Core<DecodedValue<EncodingOf<V, StoreEncoding>>, EncodableValue<EncodingOf<V, StoreEncoding>>>

// eslint-disable-next-line @typescript-eslint/no-unused-vars -- a merged interface repeats the class's type parameters
interface Corestore<E extends ValueEncoding | undefined = undefined> {
  on<E extends keyof RootEvents> (event: E, listener: RootEvents[E]): this
  once<E extends keyof RootEvents> (event: E, listener: RootEvents[E]): this
  emit<E extends keyof RootEvents> (event: E, ...args: Parameters<RootEvents[E]>): boolean
}

/**
 * A Hypercore 9 factory: the corestore@5 API (and today's names for it) over many cores that
 * share one master key, storage, cache and set of replication streams. A namespace or session is
 * a Corestore too: a view that shares all of that and tracks the cores it opened.
 */

class Corestore<E extends ValueEncoding | undefined = undefined> extends EventEmitter {
  // The package's statics, set by the entry (lib/index.ts) so this module stays free of their imports.
  /** Every error factory, the `CorestoreError` class and (as a type) the `ErrorCode` union. */
  declare static readonly errors: typeof import('./errors')
  declare static readonly CorestoreError: typeof import('./errors').CorestoreError
  /** The discovery keys stored in a folder (or one namespace of it), without opening the store. */
  declare static readonly listStoredCores: typeof import('./storage/inspect').listStoredCores
  /** One stored core as its files describe it, without opening the store. */
  declare static readonly describeStoredCore: typeof import('./storage/inspect').describeStoredCore
  /** Every core of a store folder, described from its files, without opening the store. */
  declare static readonly inspectStoreFolder: typeof import('./storage/inspect').inspectStoreFolder
  /** A folder's `master_key`: null when it has none, INVALID_MASTER_KEY when it is not 32 bytes. */
  declare static readonly readStoredMasterKey: (directory: string) => Promise<Buffer | null>
  /** A 32-byte key from a Buffer, 64 hex characters or 52 z-base-32 characters; INVALID_KEY otherwise. */
  declare static readonly parseKey: typeof import('./keys').parseKey
  /** The discovery key of a public key. */
  declare static readonly discoveryKey: typeof import('./keys').discoveryKey
  /** A key as z-base-32, the encoding today's Hypercore tools print. */
  declare static readonly toZ32: typeof import('./keys').toZ32
  /**
   * Exports a corestore@5 folder to a Corestore 7 store with the same keys (lib/export). Loaded on
   * first call; needs the companion package corestore-ts-export (DEPENDENCY_MISSING names it).
   */
  declare static readonly exportStore: typeof import('./export').exportStore

  /** The namespace path of this view; `default` at the root. */
  readonly name: string
  /** The storage the store was made with (a folder path or a storage function). */
  readonly storage: string | StorageFunction
  /** corestore@5 compatibility: the store behind a view. */
  readonly store: Corestore<E>

  readonly #root: StoreRoot
  readonly #view: View
  readonly #parent: Corestore<any> | null
  /** The cores this view asked for, by hex discovery key. */
  readonly #opened = new Map<string, Core>()
  readonly #exclusive = new Set<() => void>()
  readonly #unlisten: () => void
  #closing: Promise<void> | null = null

  constructor (storage: string | StorageFunction, opts?: CorestoreOptions & { valueEncoding?: E })
  /** @internal A view of an existing store: a namespace or session of `parent`. */
  constructor (root: StoreRoot, view: View, parent: Corestore<any>)
  constructor (storage: string | StorageFunction | StoreRoot, opts: CorestoreOptions | View = {}, parent: Corestore<any> | null = null) {
    super()
    this.setMaxListeners(0)
    this.store = this
    const legacyInner = (opts as { inner?: unknown } | null)?.inner
    // corestore@5 made its namespaces as new Corestore(storage, { inner, parent, name }).
    const innerRoot = legacyInner === undefined || legacyInner === null ? null : legacy().rootOfInner(legacyInner)
    if (storage instanceof StoreRoot) {
      this.#root = storage
      this.#view = opts as View
      this.#parent = parent
      this.storage = (parent as Corestore).storage
    } else if (innerRoot !== null) {
      const named = opts as { name?: unknown, parent?: unknown }
      this.#root = innerRoot
      this.#view = rootView({ name: named.name })
      this.#parent = named.parent instanceof Corestore ? named.parent : null
      this.storage = storage as string | StorageFunction
    } else {
      const storeOpts = opts as CorestoreOptions
      this.#root = new StoreRoot(storage, storeOpts)
      this.#view = rootView(storeOpts)
      this.#parent = null
      this.storage = storage as string | StorageFunction
    }
    this.name = this.#view.name

    const forward = <E extends keyof RootEvents>(event: E): () => void => {
      const listener = ((...args: Parameters<RootEvents[E]>) => this.emit(event, ...args)) as unknown as RootEvents[E]
      this.#root.on(event, listener)
      return () => this.#root.removeListener(event, listener)
    }
    const offs = [forward('feed'), forward('error'), forward('core-open'), forward('core-close'), forward('peer-add'), forward('peer-remove'), forward('replication-error')]
    this.#unlisten = () => { for (const off of offs) off() }
  }

  /**
   * @deprecated corestore@5's `store.cache` (a refpool): `increment(id)`, `decrement(id)`, `get`, `set`,
   * `delete`, `has`, `entry(id).refs`, `entries`, `size`. Hold cores with `get()` and release them by
   * closing the view or session that got them.
   */
  get cache (): RefPool<Feed> {
    return this.inner.cache
  }

  /**
   * @deprecated corestore@5's `store.inner`: the state all views of the store share, with the members
   * its clients reached (`_deriveSecret`, `_injectIntoReplicationStreams`, `cache`, ...). Use the
   * store's own API instead: `createKeyPair`, `replicate`, `get`, `session`.
   */
  get inner (): InnerCorestore {
    return legacy().innerOf(this.#root)
  }

  get opened (): boolean {
    return this.#root.opened
  }

  get closed (): boolean {
    return this.#closing !== null || this.#root.closed
  }

  /** The master key, once the store is ready (`null` before). */
  get primaryKey (): Buffer | null {
    return this.#view.masterKey ?? this.#root.masterKey
  }

  get masterKey (): Buffer | null {
    return this.primaryKey
  }

  ready (): Promise<void>
  ready (cb: Callback): void
  ready (cb?: Callback): Promise<void> | void {
    if (this.closed) return withCallback(Promise.reject(STORE_CLOSED()), cb)
    return withCallback(this.#root.open(), cb)
  }

  /**
   * The core `opts` describes; the same instance for as long as it is loaded. Its values are typed by
   * the `valueEncoding` of the options, else of the store: a Buffer for binary (the default), a string
   * for utf-8 and the other string encodings, `unknown` for json, a codec's decoded type.
   */
  get (key: Buffer | Uint8Array | string): CoreFor<undefined, E>
  get<V extends ValueEncoding | undefined = undefined> (opts?: GetOptions & { valueEncoding?: V }): CoreFor<V, E>
  get (opts?: GetOptions | Buffer | Uint8Array | string): Core {
    return this.#acquire(parseGetRequest(this.#view, opts))
  }

  /** This view's bootstrap core, derived from its namespace name (`default` at the root). */
  default (key: Buffer | Uint8Array | string): CoreFor<undefined, E>
  default<V extends ValueEncoding | undefined = undefined> (opts?: GetOptions & { valueEncoding?: V }): CoreFor<V, E>
  default (opts?: GetOptions | Buffer | Uint8Array | string): Core {
    return this.#acquire(parseDefaultRequest(this.#view, opts))
  }

  /** A view below this one; with no name (or any falsy one, as corestore@5) a random one. */
  namespace (name?: string | Buffer | Uint8Array | null): Corestore<E> {
    return this.session({ namespace: name === undefined || name === null || name === '' ? randomBytes(32) : name })
  }

  session (opts: SessionOptions = {}): Corestore<E> {
    if (this.closed) throw STORE_CLOSED()
    return new Corestore<E>(this.#root, childView(this.#view, opts), this)
  }

  /** The key pair `get({ name })` gives in this view. */
  createKeyPair (name: string | Buffer): KeyPair {
    const masterKey = this.#root.masterKey
    if (masterKey === null && this.#view.masterKey === null) throw STORE_CLOSED()
    return namedKeyPair(this.#view, masterKey as Buffer, name)
  }

  /**
   * Replicates this view's cores (every referenced core at the root) over one hypercore-protocol
   * stream, adding cores loaded later. Accepts (isInitiator, opts), (opts), (protocolStream) or
   * (socket, opts | hyperswarmInfo).
   */
  replicate (isInitiatorOrStream?: boolean | ReplicationOptions | ProtocolStream | NodeJS.ReadWriteStream, opts?: ReplicationOptions | { readonly client: boolean }): ProtocolStream {
    return this.#root.replicateFor(isInitiatorOrStream, opts, this.#parent === null ? null : [...this.#opened.values()], this.closed)
  }

  /**
   * What the store holds and has moved, now: every loaded core (active or passive) with its peers
   * and traffic since it was loaded, the store's totals since it opened, its descriptor pool and
   * memory. A plain object (JSON-serialisable), built in O(loaded cores) when asked.
   */
  stats (): StoreStatsSnapshot {
    return this.#root.stats()
  }

  /**
   * Serves the store's status read-only over HTTP: `/` (a live page), `/stats.json` (the snapshot)
   * and `/metrics` (Prometheus text). On 127.0.0.1 unless a host is given; port 0 (the default)
   * takes a free one. The server's code loads only when this is called.
   */
  serveStatus (opts: StatusServerOptions = {}): Promise<StatusServer> {
    const status = require('./status/server') as typeof import('./status/server')
    return status.serveStatus(() => this.stats(), opts)
  }

  /**
   * The discovery keys of the cores stored on disk for this view, loaded or not: at the root every
   * core of the folder, in a namespace those its `name` files place there. Folder storage only.
   */
  storedCores (): AsyncGenerator<Buffer> {
    return this.#root.storedCores(this.#view.namespaced ? this.#view.name : null, this.storage)
  }

  /** The cores this view opened, by hex discovery key (at the root, with cores cached from outside the store). */
  list (): Map<string, Core> {
    const list = new Map(this.#opened)
    if (this.#parent !== null) return list
    for (const core of this.#root.outsideCores()) {
      if (core.discoveryKey !== null) list.set(toHex(core.discoveryKey), core as Core)
    }
    return list
  }

  isLoaded (opts?: GetOptions | Buffer | Uint8Array | string): boolean {
    const request = peekRequest(this.#view, opts)
    return request !== null && this.#root.lookup(request) !== undefined
  }

  /** Whether a loaded core is referenced by some view (not only kept for peers). */
  isExternal (opts?: GetOptions | Buffer | Uint8Array | string): boolean {
    const request = peekRequest(this.#view, opts)
    return request !== null && this.#root.references(request) > 0
  }

  close (): Promise<void>
  close (cb: Callback): void
  close (cb?: Callback): Promise<void> | void {
    if (this.#closing === null) {
      this.#unlisten()
      if (this.#parent === null) {
        // The closed cores are dropped, so nothing that still refers to this view keeps them in memory.
        this.#closing = this.#root.close().finally(() => this.#opened.clear())
      } else {
        const parent = this.#parent
        this.#closing = this.#release().then(() => {
          if (!this.#view.detach) return parent.close()
        })
      }
      this.#closing.catch(() => {})
    }
    return withCallback(this.#closing, cb)
  }

  #acquire (request: ReturnType<typeof parseGetRequest>): Core {
    if (this.closed) throw STORE_CLOSED()
    const { core, id } = this.#root.acquire(request, this)
    if (id !== null) this.#opened.set(id, core)
    else core.once('ready', () => { if (!this.closed) this.#opened.set(toHex(core.discoveryKey as Buffer), core) })
    if (!request.exclusive || request.readOnly) return core
    const { handle, release } = this.#root.lockExclusive(core)
    this.#exclusive.add(release)
    return handle
  }

  /** Drops this view's holds; cores no view holds any more close unless a peer still replicates them. */
  async #release (): Promise<void> {
    for (const release of this.#exclusive) release()
    this.#exclusive.clear()
    const ids = [...this.#opened.keys()]
    this.#opened.clear()
    await this.#root.release(this, ids)
  }
}

/** The corestore@5 adapter (lib/legacy/), loaded the first time a client reaches for it. */
function legacy (): typeof import('./legacy') {
  return require('./legacy') as typeof import('./legacy')
}

namespace Corestore {
  export type Options = CorestoreOptions
  export type GetOptions = import('./view').GetOptions
  export type SessionOptions = import('./view').SessionOptions
  export type ReplicationOptions = import('./replication').ReplicationOptions
  export type Core = import('./core').Core
  export type KeyPair = import('./keys').KeyPair
  export type StorageFunction = import('./storage').StorageFunction
  export type CorestoreError = import('./errors').CorestoreError
  export type ErrorCode = import('./errors').ErrorCode
  export type Stats = import('./stats').StoreStatsSnapshot
  export type CoreStats = import('./stats').CoreStats
  export type PeerStats = import('./stats').PeerStats
  export type StatusServer = import('./status/server').StatusServer
  export type StatusServerOptions = import('./status/server').StatusServerOptions
  export type StoredCore = import('./storage/inspect').StoredCore
  export type StoreInspection = import('./storage/inspect').StoreInspection
  export type ListOptions = import('./storage/inspect').ListOptions
  export type InspectOptions = import('./storage/inspect').InspectOptions
  export type ExportOptions = import('./export').ExportOptions
  export type ExportReport = import('./export').ExportReport
  export type ExportProgress = import('./export').ExportProgress
  /** @deprecated corestore@5's `store.inner`; see `Corestore#inner`. */
  export type InnerCorestore = import('./legacy').InnerCorestore
  /** @deprecated corestore@5's refpool `store.cache`; see `Corestore#cache`. */
  export type RefPool = import('./legacy').RefPool<Feed>
  /** @deprecated An entry of corestore@5's refpool. */
  export type RefPoolEntry = import('./legacy').RefPoolEntry<Feed>
}

export { Corestore }
