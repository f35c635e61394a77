// The state every view of one store shares, and the actions on it: open and close, acquire a core for
// a holder and release a holder, lock a core, replicate. It is what corestore@5 exposed as `store.inner`.
import { EventEmitter } from 'events'
import type RandomAccessStorage = require('random-access-storage')
import type { Feed, ProtocolStream } from './hypercore'
import { CoreCache } from './cache'
import type { Holder } from './cache'
import { Core } from './core'
import { checkCoreOptions } from './core-checks'
import type { CoreLifecycle } from './core'
import { CORE_CONFLICT, INVALID_OPTIONS, STORE_CLOSED } from './errors'
import { ExclusiveLocks, lockCore } from './exclusive'
import { readExact } from './files'
import { listStoredCores } from './inspect'
import { CoreKeyFiles } from './key-files'
import type { KeySource } from './key-files'
import { deriveKeyPair, discoveryKey, KEY_BYTES, parseMasterKey, toHex } from './keys'
import type { KeyPair } from './keys'
import { coreFile, keyFileHolds } from './layout'
import { lockFolder } from './lock'
import { coresLog, peersLog, short, storeLog } from './log'
import type { FolderLock } from './lock'
import { loadOrCreateMasterKey } from './master-key'
import { RefPool } from './refpool'
import { Replicator, resolveReplicationArgs } from './replication'
import type { CoreSource, ReplicationOptions } from './replication'
import { resolveStorage } from './storage'
import { rememberingCrypto } from './verify-cache'
import { DEFAULT_MAX_OPEN_FILES } from './file-pool'
import type { ResolvedStorage } from './storage'
import type { CoreRequest } from './view'

/**
 * What a store forwards, as corestore@5 did with its whole options object: hypercore@9's options to
 * every core it opens, and hypercore's replication options to every stream it creates.
 */
export interface ForwardedOptions extends Feed.Options, Omit<ReplicationOptions, 'stream' | 'initiator'> {}

export interface StoreOptions extends ForwardedOptions {
  /** How many cores that only peers asked for stay open (default 1000). */
  cacheSize?: number
  /**
   * A store in a folder keeps at most this many file descriptors open (default 512), whatever the
   * number of loaded cores: idle files close and reopen when needed.
   * `Infinity`: no bound, every loaded core keeps its files open (random-access-file, as corestore@5).
   */
  maxOpenFiles?: number
  /** The 32-byte key every writable core is derived from; read from `master_key` (or created) when absent. */
  masterKey?: Buffer
  /** Today's name for `masterKey`. */
  primaryKey?: Buffer
  /** `false`: every core opens read-only, whatever its files hold. */
  writable?: boolean
  /** corestore@5: hypercore-cache instances shared (namespaced per core) by every core. */
  cache?: { data?: unknown, tree?: unknown }
}

/** The store's own options: every other option is forwarded to hypercore and to replication streams. */
const OWN_OPTIONS = new Set(['maxOpenFiles', 'cacheSize', 'masterKey', 'primaryKey', 'writable', 'cache', 'name', 'inner', 'parent', 'createIfMissing', 'exclusive'])

/** The events the root reports to every view of its store. */
export interface RootEvents {
  feed: (core: Core, opts: unknown) => void
  'core-open': (core: Core) => void
  'core-close': (core: Core) => void
  error: (err: Error) => void
}

interface PendingName {
  readonly core: Core
  readonly holders: Set<Holder>
  /** Lets the core read its files once its discovery key is known, or fails it. */
  readonly admit: (err: Error | null) => void
}

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

export class StoreRoot extends EventEmitter implements CoreSource {
  readonly #storage: ResolvedStorage
  readonly #options: StoreOptions
  readonly #coreOpts: ForwardedOptions
  readonly #sharedCache: { data?: unknown, tree?: unknown } | null
  readonly #cache: CoreCache<Feed>
  readonly #replicator: Replicator
  readonly #refPool: RefPool<Feed>
  /** Cores made outside the store and cached through corestore@5's `cache.set` (the SDKs' in-memory cores). */
  readonly #foreign = new Set<Feed>()
  readonly #locks = new ExclusiveLocks()
  readonly #crypto = rememberingCrypto()
  /** Named cores asked for before the master key was known, by hex name, until they have a discovery key. */
  readonly #pending = new Map<string, PendingName>()
  /** Cores the cache let go of, until they closed: a new instance waits for the old one's files. */
  readonly #closingCores = new Map<string, Promise<Error | null>>()
  /** What each get passed, for the 'feed' event, until its core opens. */
  readonly #requested = new Map<Core, unknown>()
  readonly #lifecycle: CoreLifecycle
  #masterKey: Buffer | null
  /** The folder's lock (folder storage only): taken before anything reads or writes the folder. */
  #locking: Promise<void> | null = null
  #folderLock: FolderLock | null = null
  #opening: Promise<void> | null = null
  #closing: Promise<void> | null = null
  #opened = false
  #openError: Error | null = null

  constructor (storage: unknown, opts: StoreOptions) {
    super()
    this.setMaxListeners(0)
    if (opts === null || typeof opts !== 'object') throw INVALID_OPTIONS(`Corestore options must be an object, got ${typeof opts}`)
    const maxOpenFiles = opts.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES
    if (maxOpenFiles !== Infinity && (!Number.isInteger(maxOpenFiles) || maxOpenFiles < 1)) throw INVALID_OPTIONS(`maxOpenFiles must be a whole number >= 1 (or Infinity: no bound), got ${String(maxOpenFiles)}`)
    this.#storage = resolveStorage(storage, maxOpenFiles)
    const given = opts.primaryKey ?? opts.masterKey
    this.#masterKey = given === undefined || given === null ? null : parseMasterKey(given, opts.primaryKey !== undefined ? 'primaryKey' : 'masterKey')
    const cacheSize = opts.cacheSize ?? 1000
    if (!Number.isInteger(cacheSize) || cacheSize < 0) throw INVALID_OPTIONS(`cacheSize must be a whole number >= 0, got ${String(cacheSize)}`)
    // Keys the types do not list pass through too: hypercore and hypercore-protocol ignore what they do not read.
    const coreOpts: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(opts)) {
      if (!OWN_OPTIONS.has(key)) coreOpts[key] = value
    }
    const badCoreOption = checkCoreOptions(coreOpts)
    if (badCoreOption !== null) throw badCoreOption
    this.#coreOpts = coreOpts as ForwardedOptions
    this.#options = opts
    this.#sharedCache = opts.cache ?? null
    this.#cache = new CoreCache<Feed>({
      maxPassive: cacheSize,
      isBusy: core => core.peers.length > 0,
      releaseIdlePeers: core => releaseIdlePeers(core),
      evict: (core, id) => {
        coresLog('evict %s: passive and idle, over cacheSize %d', short(id), cacheSize)
        this.#closeForgotten(id, core).then(err => { if (err !== null) this.emit('error', err) }, () => {})
      }
    })
    this.#lifecycle = this.#createLifecycle()
    this.#replicator = new Replicator(this, this.#coreOpts)
    this.#refPool = new RefPool(this.#cache, {
      adopt: (id, core) => this.#adopt(id, core),
      close: (id, core) => { this.#closeForgotten(id, core).catch(() => {}) },
      idOf: core => core.discoveryKey === null ? null : toHex(core.discoveryKey)
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

  /**
   * @deprecated corestore@5's `store.cache` (a refpool): `increment(id)`, `decrement(id)`, `get`,
   * `set`, `delete`, `entry(id).refs`... Hold cores through views and sessions instead.
   */
  get cache (): RefPool<Feed> {
    return this.#refPool
  }

  /** The options the store was made with. */
  get options (): Readonly<StoreOptions> {
    return this.#options
  }

  /** Opens a file of the store by its path relative to the store root (`master_key`, `7e/03/7e03…/tree`). */
  get storageFunction (): (name: string) => RandomAccessStorage {
    return this.#storage.open
  }

  /** Locks the folder, then loads (or creates) the master key; every later call gets the same promise. */
  open (): Promise<void> {
    if (this.#opening === null) {
      this.#opening = this.#lock().then(() => new Promise<void>((resolve, reject) => {
        if (this.#masterKey !== null) return resolve()
        loadOrCreateMasterKey(this.#storage, (err, key) => {
          if (err || !key) return reject(err)
          this.#masterKey = key
          resolve()
        })
      })).then(() => {
        storeLog('open %s', this.#storage.directory ?? '(storage function)')
        this.#opened = true
        this.#settlePending()
      }, err => {
        // Cores asked for by name wait for the master key: they fail with the reason it cannot be had.
        this.#openError = err as Error
        storeLog('open failed: %s', (err as Error).message)
        this.#unlock()
        for (const { admit } of this.#pending.values()) admit(err as Error)
        this.#pending.clear()
        throw err
      })
      this.#opening.catch(() => {})
    }
    return this.#opening
  }

  /**
   * Takes the folder's lock once (STORAGE_LOCKED when another store holds it); a storage function
   * takes none. Cores opened by key wait for it too, so no file is touched before the folder is ours.
   */
  #lock (): Promise<void> {
    if (this.#locking === null) {
      const directory = this.#storage.directory
      this.#locking = directory === null
        ? Promise.resolve()
        : lockFolder(directory).then(lock => {
          // Closed while locking: the lock is not kept.
          if (this.closed) lock.release()
          else this.#folderLock = lock
        })
      this.#locking.catch(() => {})
    }
    return this.#locking
  }

  #unlock (): void {
    const lock = this.#folderLock
    this.#folderLock = null
    if (lock !== null) lock.release()
  }

  /** Destroys every replication stream and closes every core; every later call gets the same promise. */
  close (): Promise<void> {
    if (this.#closing === null) {
      this.#replicator.destroyAll()
      const pending = [...this.#pending.values()]
      this.#pending.clear()
      for (const { admit } of pending) admit(STORE_CLOSED())
      const cores = [...this.#cache.cores(), ...pending.map(p => p.core)]
      this.#closing = Promise.all([...cores.map(closeCore), ...this.#closingCores.values()]).then(async errors => {
        this.#cache.clear()
        // The folder is released only after every core closed its files (and an open in flight settled).
        await this.#locking?.catch(() => {})
        this.#unlock()
        storeLog('closed, %d cores', cores.length)
        const error = errors.find(err => err !== null)
        if (error !== undefined) throw error
      })
      this.#closing.catch(() => {})
    }
    return this.#closing
  }

  /**
   * The core `request` describes, loaded when it is not, and held by `holder`. Its hex discovery key
   * is `id`, or null while a name waits for the master key (the core knows it once it is ready).
   */
  acquire (request: CoreRequest, holder: Holder): { core: Core, id: string | null } {
    return this.#load(request, holder)
  }

  /** A core held by nobody: passive, evicted once idle. */
  #load (request: CoreRequest, holder: Holder | null): { core: Core, id: string | null } {
    if (this.closed) throw STORE_CLOSED()
    const id = this.#idOf(request)
    if (id === null) {
      const nameHex = toHex(request.name as Buffer)
      let pending = this.#pending.get(nameHex)
      if (pending === undefined) {
        let admit: (err: Error | null) => void = () => {}
        const admitted = new Promise<void>((resolve, reject) => { admit = err => err === null ? resolve() : reject(err) })
        pending = { core: this.#create(request, null, admitted), holders: new Set(), admit }
        if (this.#openError !== null) {
          admit(this.#openError)
          return { core: pending.core, id: null }
        }
        this.#pending.set(nameHex, pending)
        // Today's API: a get before ready() opens the store itself.
        this.open().catch(() => {})
      }
      if (holder !== null) pending.holders.add(holder)
      return { core: pending.core, id: null }
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
    for (const pending of this.#pending.values()) pending.holders.delete(holder)
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
    if (id === null) return this.#pending.get(toHex(request.name as Buffer))?.core
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
    return this.#replicator.replicate(args, cores ?? this.#sharedCores())
  }

  /** Replicates over a stream that already exists (corestore@5's `inner.replicate(isInitiator, cores, opts)`). */
  replicateOver (isInitiator: boolean, cores: Iterable<Feed> | null, opts: ReplicationOptions): ProtocolStream {
    return this.#replicator.replicate({ initiator: isInitiator, opts: { ...opts, stream: undefined }, stream: opts.stream ?? null, raw: null }, cores ?? this.#sharedCores())
  }

  /** Adds a core to every open replication stream (corestore@5's `_injectIntoReplicationStreams`). */
  attachToStreams (core: Feed): void {
    this.#replicator.attach(core)
  }

  /** The cores made outside the store and cached through `cache.set`. */
  foreignCores (): IterableIterator<Feed> {
    return this.#foreign.values()
  }

  /**
   * The core a request names, loaded if need be, held by no view (corestore@5's `inner.get`): it is
   * passive and may be evicted once idle.
   */
  acquirePassive (request: CoreRequest): Feed {
    return this.#load(request, null).core
  }

  /** The discovery keys stored on disk (in one namespace path, when given). Folder storage only. */
  storedCores (namespace: string | null, storageArgument: unknown): AsyncGenerator<Buffer> {
    const storage = this.#storage.directory ?? storageArgument
    return listStoredCores(storage as string, namespace === null ? {} : { namespace })
  }

  /** CoreSource: a core a remote peer asked for by discovery key, loaded passively from disk when it is there. */
  openForPeer (dkey: Buffer, cb: (core: Feed | null, settled: (attached: boolean) => void) => void): void {
    const none = (): void => {}
    if (this.closed) return cb(null, none)
    const id = toHex(dkey)
    const settled = (attached: boolean): void => {
      this.#cache.peerSettled(id)
      // A peer that did not attach (it left, or failed the capability check) keeps nothing loaded.
      if (attached) return
      const idle = this.#cache.forgetIfIdle(id)
      if (idle === null) return
      peersLog('release %s: its peer did not attach (left, or failed the capability check)', short(id))
      this.#closeForgotten(id, idle).catch(() => {})
    }
    const cached = this.#cache.get(id)
    if (cached !== undefined) {
      this.#cache.expectPeer(id)
      return cb(cached, settled)
    }
    this.exists(dkey, exists => {
      if (!exists || this.closed) {
        peersLog('peer asked for %s: not here', short(id))
        return cb(null, none)
      }
      let core = this.#cache.get(id)
      if (core === undefined) {
        peersLog('peer asked for %s: loading it passively from storage', short(id))
        core = this.#create({
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
        }, id)
        this.#cache.addPassive(id, core, { forPeer: true })
      } else {
        this.#cache.expectPeer(id)
      }
      cb(core, settled)
    })
  }

  /** Whether a core with this discovery key is loaded or has its `key` file in storage. */
  exists (dkey: Buffer, cb: (exists: boolean) => void): void {
    const id = toHex(dkey)
    if (this.#cache.has(id)) return process.nextTick(cb, true)
    const file = this.#storage.open(coreFile(id, 'key'))
    readExact(file, KEY_BYTES, (_, key) => file.close(() => cb(keyFileHolds(key, dkey))))
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
    // Reading the key files waits for the folder's lock and for an earlier instance of the core to
    // close, or for the master key (which comes after the lock).
    const closing = id === null ? null : this.#closingCores.get(id) ?? null
    const locked = this.#storage.directory === null ? null : this.#lock()
    const after = id === null ? admitted : locked === null ? closing : closing === null ? locked : Promise.all([locked, closing])
    const keyFiles = new CoreKeyFiles((hex, file) => this.#storage.open(coreFile(hex, file)), source, (name, cb) => this.derive(name, cb), after)
    const core = new Core(keyFiles, publicKey, { ...this.#hypercoreOptions(request), createIfMissing: true }, request.readOnly, this.#lifecycle)
    this.#requested.set(core, request.original)
    core.ifAvailable.wait()
    return core
  }

  #hypercoreOptions (request: CoreRequest): Feed.Options {
    const coreOpts: Feed.Options = { ...this.#coreOpts, ...request.coreOpts }
    // Signatures are verified once per store, not once per block that carries them (verify-cache.ts).
    if (coreOpts.crypto === undefined) coreOpts.crypto = this.#crypto
    const shared = this.#sharedCache
    if (shared !== null) {
      const cache: Record<string, unknown> = {}
      for (const part of ['data', 'tree'] as const) {
        const source = shared[part] as { namespace?: () => unknown } | undefined
        if (source === undefined || source === null || !request.sharedCache[part]) continue
        cache[part] = typeof source.namespace === 'function' ? source.namespace() : source
      }
      coreOpts.cache = cache
    }
    return coreOpts
  }

  #settlePending (): void {
    for (const [nameHex, { core, holders, admit }] of this.#pending) {
      this.#pending.delete(nameHex)
      const id = toHex(discoveryKey(deriveKeyPair(this.#masterKey as Buffer, Buffer.from(nameHex, 'hex')).publicKey))
      const other = this.#cache.peek(id)
      if (other !== undefined && other !== core) {
        // Asked for by key too, before ready: that instance is the store's; this one never opens.
        admit(CORE_CONFLICT(id))
        continue
      }
      if (holders.size === 0) this.#cache.addPassive(id, core)
      for (const holder of holders) this.#cache.hold(id, core, holder)
      admit(null)
    }
  }

  /** Every core a view holds, and the cores cached from outside: what a stream of the whole store starts with. */
  #sharedCores (): Feed[] {
    return [...this.#cache.activeCores(), ...this.#foreign]
  }

  /** Watches a core made outside the store, so the cache forgets it when it closes. */
  #adopt (id: string, core: Feed): void {
    if (core instanceof Core || this.#foreign.has(core)) return
    this.#foreign.add(core)
    const onPeerRemove = (): void => { this.#cache.refresh(id) }
    core.on('peer-remove', onPeerRemove)
    core.once('close', () => {
      this.#foreign.delete(core)
      core.removeListener('peer-remove', onPeerRemove)
      this.#cache.delete(id, core)
    })
  }

  /** Closes a core the cache has let go of; until it closed, a new instance of it waits. */
  #closeForgotten (id: string, core: Feed): Promise<Error | null> {
    const closing = closeCore(core)
    this.#closingCores.set(id, closing)
    closing.then(() => { if (this.#closingCores.get(id) === closing) this.#closingCores.delete(id) }, () => {})
    return closing
  }

  #forget (core: Core): void {
    this.#requested.delete(core)
    const id = core.storeId
    if (id !== null) this.#cache.delete(id, core)
    for (const [nameHex, pending] of this.#pending) {
      if (pending.core === core) this.#pending.delete(nameHex)
    }
  }

  #createLifecycle (): CoreLifecycle {
    return {
      opened: core => {
        const original = this.#requested.get(core)
        this.#requested.delete(core)
        if (coresLog.enabled) coresLog('opened %s (%s), length %d', short(core.discoveryKey), core.storeId === null || this.#cache.references(core.storeId) === 0 ? 'passive' : 'active', core.length)
        this.emit('feed', core, original)
        this.emit('core-open', core)
        // A passive core counts against cacheSize once open too, not only when it was inserted.
        this.#cache.trim()
        process.nextTick(() => core.ifAvailable.continue())
      },
      failed: (core, err) => {
        coresLog('failed to open %s: %s', short(core.storeId), err.message)
        core.ifAvailable.continue()
        this.#forget(core)
      },
      closed: core => {
        const opened = !this.#requested.has(core)
        coresLog('closed %s', short(core.storeId))
        this.#forget(core)
        if (opened) this.emit('core-close', core)
      },
      active: core => {
        if (core.storeId !== null) this.#cache.touch(core.storeId)
      },
      wantsPeers: core => {
        // A reader whose peers closed idle channels reopens them when it needs data again.
        this.#replicator.attach(core)
      },
      peerFailed: (core, err) => {
        peersLog('closed the channel of %s for one peer: %s', short(core.storeId), err.message)
      },
      peersChanged: core => {
        // A passive core whose last peer left may now be evicted; one a peer joined may not.
        if (core.storeId !== null) this.#cache.refresh(core.storeId)
      },
      storeClosed: () => this.closed
    }
  }
}

/** hypercore@9's replicating peer, as far as idleness goes. */
interface IdlePeer {
  inflightRequests: unknown[]
  inflightWants: number
  _close (): void
}

/**
 * Closes every channel of a passive core if all are idle: no request of ours in flight, no want
 * unanswered. hypercore closes the channel (the remote sees it close) and removes the peer.
 */
function releaseIdlePeers (core: Feed): boolean {
  const peers = core.peers as unknown as IdlePeer[]
  if (peers.length === 0 || !peers.every(peer => peer.inflightRequests.length === 0 && peer.inflightWants === 0)) return false
  const closing = [...peers]
  for (const peer of closing) peer._close()
  peersLog('closed %d idle channel(s) of passive %s: more passive cores than cacheSize', closing.length, short(core.discoveryKey))
  return true
}

function closeCore (core: Feed): Promise<Error | null> {
  return new Promise(resolve => core.close((err: Error | null) => resolve(err ?? null)))
}
