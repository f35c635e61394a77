// The state every view of one store shares, and its one job: the lifecycle of the store's cores. It
// opens and closes the store, finds or loads the core a request names for a holder (a view), releases
// holders, and hears every core's hooks. Storage, serving peers, replication and names that wait for
// the master key are modules of their own that it wires together.
import { EventEmitter } from 'events'
import { CoreCache } from './cache'
import type { Holder } from './cache'
import { Core } from './core'
import { CoreEvents } from './core-events'
import { CoreOptions } from './core-options'
import type { StoreOptions } from './core-options'
import { CORE_CONFLICT, INVALID_OPTIONS, STORE_CLOSED } from './errors'
import { ExclusiveLocks, lockCore } from './exclusive'
import { closeIdleChannels, requestsInFlight } from './hypercore9'
import type { Feed, ProtocolStream } from './hypercore9'
import { deriveKeyPair, discoveryKey, parseMasterKey, toHex } from './keys'
import type { KeyPair } from './keys'
import { coresLog, peersLog, short, storeLog } from './log'
import { PendingNames } from './pending-names'
import { Replicator, resolveReplicationArgs } from './replication'
import type { ReplicationOptions } from './replication'
import { PeerServing } from './serving'
import { StoreStats } from './stats'
import type { StatsSource, StoreStatsSnapshot } from './stats'
import type { RootEvents } from './root-events'
import { StoreStorage } from './storage'
import type { KeySource, StorageFunction } from './storage'
import type { CoreRequest } from './view'

export type { ForwardedOptions, StoreOptions } from './core-options'

export type { RootEvents } from './root-events'

export interface StoreRoot {
  on<E extends keyof RootEvents> (event: E, listener: RootEvents[E]): this
  once<E extends keyof RootEvents> (event: E, listener: RootEvents[E]): this
  removeListener<E extends keyof RootEvents> (event: E, listener: RootEvents[E]): this
  emit<E extends keyof RootEvents> (event: E, ...args: Parameters<RootEvents[E]>): boolean
}

/**
 * One store's shared state: storage, master key, the cache of loaded cores and the replicator. Views
 * ask it for cores on behalf of a holder (themselves) and hand the holder back when they close.
 */
export class StoreRoot extends EventEmitter {
  readonly #storage: StoreStorage
  readonly #options: StoreOptions
  readonly #coreOptions: CoreOptions
  readonly #cache: CoreCache<Feed>
  readonly #replicator: Replicator
  readonly #serving: PeerServing
  readonly #locks = new ExclusiveLocks()
  readonly #pending = new PendingNames<Core>()
  /** Cores the cache let go of, until they closed: a new instance waits for the old one's files. */
  readonly #closingCores = new Map<string, Promise<Error | null>>()
  readonly #events: CoreEvents
  readonly #stats = new StoreStats()
  /** Cores made outside the store that streams of the whole store carry too (the legacy adapter's). */
  #outsideCores: () => Iterable<Feed> = () => []
  #masterKey: Buffer | null
  #opening: Promise<void> | null = null
  #closing: Promise<void> | null = null
  #opened = false
  #openError: Error | null = null

  constructor (storage: unknown, opts: StoreOptions) {
    super()
    this.setMaxListeners(0)
    if (opts === null || typeof opts !== 'object') throw INVALID_OPTIONS(`Corestore options must be an object, got ${typeof opts}`)
    this.#storage = new StoreStorage(storage, opts.maxOpenFiles)
    const given = opts.primaryKey ?? opts.masterKey
    this.#masterKey = given === undefined || given === null ? null : parseMasterKey(given, opts.primaryKey !== undefined ? 'primaryKey' : 'masterKey')
    this.#coreOptions = new CoreOptions(opts)
    this.#options = opts
    const cacheSize = this.#coreOptions.cacheSize
    this.#cache = new CoreCache<Feed>({
      maxPassive: cacheSize,
      isBusy: core => core.peers.length > 0,
      releaseIdlePeers: core => {
        if (!closeIdleChannels(core)) return false
        peersLog('closed the idle channels of passive %s: more passive cores than cacheSize', short(core.discoveryKey))
        return true
      },
      evict: (core, id) => {
        coresLog('evict %s: passive and idle, over cacheSize %d', short(id), cacheSize)
        this.#closeForgotten(id, core).then(err => { if (err !== null) this.emit('error', err) }, () => {})
      }
    })
    this.#serving = new PeerServing({
      cache: this.#cache,
      isClosed: () => this.closed,
      hasCore: (dkey, cb) => this.#storage.hasCore(dkey, cb),
      createForPeer: (dkey, id) => this.#create(peerRequest(dkey), id),
      closeForgotten: (id, core) => { this.#closeForgotten(id, core).catch(() => {}) }
    })
    this.#replicator = new Replicator(this.#serving, this.#coreOptions.forwarded)
    this.#events = new CoreEvents({
      cache: this.#cache,
      emit: (event, ...args) => this.emit(event, ...args),
      attach: core => this.#replicator.attach(core),
      requests: this.#replicator,
      forget: core => this.#forget(core),
      isClosed: () => this.closed,
      stats: this.#stats,
      peerStats: peer => this.#stats.peerStats(peer, this.#statsSource())
    })
  }

  get opened (): boolean {
    return this.#opened
  }

  get closed (): boolean {
    return this.#closing !== null
  }

  /** The master key, once the store is open (`null` before). */
  get masterKey (): Buffer | null {
    return this.#masterKey
  }

  /** The options the store was made with. */
  get options (): Readonly<StoreOptions> {
    return this.#options
  }

  /** Opens a file of the store by its path relative to the store root (`master_key`, `7e/03/7e03…/tree`). */
  get storageFunction (): StorageFunction {
    return this.#storage.openFile
  }

  /** @internal What replication asks for the cores peers request. */
  get serving (): PeerServing {
    return this.#serving
  }

  /** @internal Every loaded core and who holds it: for the legacy refpool, which wraps it. */
  get cache (): CoreCache<Feed> {
    return this.#cache
  }

  /** Locks the folder, then loads (or creates) the master key; every later call gets the same promise. */
  open (): Promise<void> {
    if (this.#opening === null) {
      this.#opening = this.#storage.open(this.#masterKey).then(key => {
        this.#masterKey = key
        storeLog('open %s', this.#storage.directory ?? '(storage function)')
        this.#opened = true
        this.#pending.settle((nameHex, core, holders) => this.#fileNamed(nameHex, core, holders))
      }, err => {
        // Cores asked for by name wait for the master key: they fail with the reason it cannot be had.
        this.#openError = err as Error
        storeLog('open failed: %s', (err as Error).message)
        this.#pending.failAll(() => err as Error)
        throw err
      })
      this.#opening.catch(() => {})
    }
    return this.#opening
  }

  /** Destroys every replication stream and closes every core; every later call gets the same promise. */
  close (): Promise<void> {
    if (this.#closing === null) {
      this.#replicator.destroyAll()
      const pending = this.#pending.failAll(STORE_CLOSED)
      const cores = [...this.#cache.cores(), ...pending]
      this.#closing = Promise.all([...cores.map(closeCore), ...this.#closingCores.values()]).then(async errors => {
        this.#cache.clear()
        // The folder is released only after every core closed its files (and an open in flight settled).
        await this.#storage.unlock()
        storeLog('closed, %d cores', cores.length)
        const error = errors.find(err => err !== null)
        if (error !== undefined) throw error
      })
      this.#closing.catch(() => {})
    }
    return this.#closing
  }

  /**
   * The core `request` describes, loaded when it is not, and held by `holder` (null: by nobody, so
   * passive and evicted once idle). Its hex discovery key is `id`, or null while a name waits for the
   * master key (the core knows it once it is ready).
   */
  acquire (request: CoreRequest, holder: Holder | null): { core: Core, id: string | null } {
    if (this.closed) throw STORE_CLOSED()
    const id = this.#idOf(request)
    if (id === null) {
      const nameHex = toHex(request.name as Buffer)
      const create = (admitted: Promise<void>): Core => this.#create(request, null, admitted)
      if (this.#openError !== null && this.#pending.get(nameHex) === undefined) return { core: PendingNames.failed(this.#openError, create), id: null }
      const core = this.#pending.hold(nameHex, holder, create)
      // Today's API: a get before ready() opens the store itself.
      this.open().catch(() => {})
      return { core, id: null }
    }
    // A core cached from outside the store (corestore@5's `cache.set`) is handed out as it is.
    const cached = this.#cache.get(id) as Core | undefined
    if (cached !== undefined) {
      if (holder !== null) this.#cache.hold(id, cached, holder)
      return { core: cached, id }
    }
    const core = this.#create(request, id)
    if (holder !== null) this.#cache.hold(id, core, holder)
    else this.#cache.addPassive(id, core, { spare: true })
    return { core, id }
  }

  /** Drops `holder`'s hold on these cores; those no one holds and no peer replicates close now. */
  async release (holder: Holder, ids: Iterable<string>): Promise<void> {
    this.#pending.release(holder)
    const closing: Array<Promise<Error | null>> = []
    for (const id of ids) {
      const core = this.#cache.release(id, holder)
      if (core !== null) closing.push(this.#closeForgotten(id, core))
    }
    await Promise.all(closing)
  }

  /** The loaded core a request names, if any (looking does not count as a use). */
  lookup (request: CoreRequest): Feed | undefined {
    const id = this.#idOf(request)
    if (id === null) return this.#pending.get(toHex(request.name as Buffer))
    return this.#cache.peek(id)
  }

  /** How many views (and outside references) hold the core a request names. */
  references (request: CoreRequest): number {
    const id = this.#idOf(request)
    return id === null ? 0 : this.#cache.references(id)
  }

  /** An exclusive handle to `core` (see exclusive.ts) and the function that releases its lock. */
  lockExclusive (core: Core): { handle: Core, release: () => void } {
    return lockCore(this.#locks, core, c => toHex(c.discoveryKey as Buffer))
  }

  /** Derives a name's key pair once the master key is known. */
  derive (name: Buffer, cb: (err: Error | null, pair?: KeyPair) => void): void {
    if (this.#masterKey !== null) return cb(null, deriveKeyPair(this.#masterKey, name))
    this.open().then(() => cb(null, deriveKeyPair(this.#masterKey as Buffer, name)), cb)
  }

  /**
   * A replication stream for replicate()'s arguments (see resolveReplicationArgs) that carries `cores`
   * (every core a view holds, when null) and every core loaded later.
   */
  replicateFor (first: unknown, second: unknown, cores: Iterable<Feed> | null, viewClosed = false): ProtocolStream {
    const args = resolveReplicationArgs(first, second)
    // A stream the caller made (corestore@5 clients pass one per connection) is destroyed instead:
    // a throw inside their connection handler would take the whole process down.
    if ((viewClosed || this.closed) && args.stream === null) throw STORE_CLOSED()
    return this.#replicate(args, cores)
  }

  /** Replicates over a stream that already exists (corestore@5's `inner.replicate(isInitiator, cores, opts)`). */
  replicateOver (isInitiator: boolean, cores: Iterable<Feed> | null, opts: ReplicationOptions): ProtocolStream {
    return this.#replicate({ initiator: isInitiator, opts: { ...opts, stream: undefined }, stream: opts.stream ?? null, raw: null }, cores)
  }

  #replicate (args: ReturnType<typeof resolveReplicationArgs>, cores: Iterable<Feed> | null): ProtocolStream {
    return this.#replicator.replicate(args, cores ?? [...this.#cache.activeCores(), ...this.#outsideCores()])
  }

  /** Adds a core to every open replication stream (corestore@5's `_injectIntoReplicationStreams`). */
  attachToStreams (core: Feed): void {
    this.#replicator.attach(core)
  }

  /** Cores made outside the store that a stream of the whole store carries too, and the root lists. */
  useOutsideCores (cores: () => Iterable<Feed>): void {
    this.#outsideCores = cores
  }

  /** The cores made outside the store (see `useOutsideCores`). */
  outsideCores (): Iterable<Feed> {
    return this.#outsideCores()
  }

  /** What the store holds and has moved, now (see stats.ts). */
  stats (): StoreStatsSnapshot {
    return this.#stats.snapshot(this.#statsSource())
  }

  #statsSource (): StatsSource {
    const pool = this.#storage.pool
    const directory = this.#storage.directory
    const cache = this.#cache
    return {
      * loaded () {
        for (const { id, core, references } of cache.entries()) yield { id, core, references, name: core instanceof Core ? core.storeName : null }
      },
      requestsInFlight,
      remoteAddress: peer => this.#replicator.remoteAddress(peer),
      // No pool: a storage function, or a folder without a bound (random-access-file, as corestore@5).
      files: pool === null ? { open: null, max: null, waiting: null } : { open: pool.openCount, max: pool.maxOpen, waiting: pool.waitingCount },
      folder: directory,
      locked: this.#storage.locked,
      cacheSize: this.#coreOptions.cacheSize
    }
  }

  /** Whether a core with this discovery key is loaded or stored. */
  exists (dkey: Buffer, cb: (exists: boolean) => void): void {
    this.#serving.exists(dkey, cb)
  }

  /** Closes a core the cache has let go of; until it closed, a new instance of it waits. */
  closeForgotten (id: string, core: Feed): void {
    this.#closeForgotten(id, core).catch(() => {})
  }

  /** The discovery keys stored on disk (in one namespace path, when given). Folder storage only. */
  storedCores (namespace: string | null, storageArgument: unknown): AsyncGenerator<Buffer> {
    return this.#storage.list(namespace, storageArgument)
  }

  #idOf (request: CoreRequest): string | null {
    if (request.discoveryKey !== null) return toHex(request.discoveryKey)
    if (request.name !== null && this.#masterKey !== null) return toHex(discoveryKey(deriveKeyPair(this.#masterKey, request.name).publicKey))
    return null
  }

  /** A new core for a request; it opens lazily, so a name asked for before ready finds its folder. */
  #create (request: CoreRequest, id: string | null, admitted: Promise<void> | null = null): Core {
    let publicKey = request.publicKey
    let dkey = request.discoveryKey
    if (dkey === null && id !== null) {
      publicKey = deriveKeyPair(this.#masterKey as Buffer, request.name as Buffer).publicKey
      dkey = discoveryKey(publicKey)
    }
    const source: KeySource = {
      discoveryKey: dkey,
      publicKey,
      name: request.name,
      secretKey: request.secretKey,
      createIfMissing: request.createIfMissing,
      readOnly: request.readOnly
    }
    // Reading the key files waits for an earlier instance of the core to close, or for the master key.
    const after = id === null ? admitted : this.#closingCores.get(id) ?? null
    const keyFiles = this.#storage.keyFiles(source, (name, cb) => this.derive(name, cb), after)
    const core = new Core(keyFiles, publicKey, { ...this.#coreOptions.forCore(request), createIfMissing: true }, request.readOnly, this.#events)
    this.#events.requested(core, request.original)
    core.ifAvailable.wait()
    return core
  }

  /** Files a core asked for by name before ready, now that its discovery key is known; the error fails it. */
  #fileNamed (nameHex: string, core: Core, holders: ReadonlySet<Holder>): Error | null {
    const id = toHex(discoveryKey(deriveKeyPair(this.#masterKey as Buffer, Buffer.from(nameHex, 'hex')).publicKey))
    const other = this.#cache.peek(id)
    // Asked for by key too, before ready: that instance is the store's; this one never opens.
    if (other !== undefined && other !== core) return CORE_CONFLICT(id)
    if (holders.size === 0) this.#cache.addPassive(id, core)
    for (const holder of holders) this.#cache.hold(id, core, holder)
    return null
  }

  #closeForgotten (id: string, core: Feed): Promise<Error | null> {
    const closing = closeCore(core)
    this.#closingCores.set(id, closing)
    closing.then(() => { if (this.#closingCores.get(id) === closing) this.#closingCores.delete(id) }, () => {})
    return closing
  }

  /** Forgets a core that closed or failed to open. */
  #forget (core: Core): void {
    const id = core.storeId
    if (id !== null) this.#cache.delete(id, core)
    this.#pending.forget(core)
  }
}

/** A core a peer asked for by discovery key: opened by key alone, never created. */
function peerRequest (dkey: Buffer): CoreRequest {
  return {
    discoveryKey: dkey,
    publicKey: null,
    secretKey: null,
    name: null,
    createIfMissing: false,
    readOnly: false,
    exclusive: false,
    coreOpts: {},
    sharedCache: { data: true, tree: true },
    original: { discoveryKey: dkey }
  }
}

function closeCore (core: Feed): Promise<Error | null> {
  return new Promise(resolve => core.close((err: Error | null) => resolve(err ?? null)))
}
