// The one face of a store's storage that the root talks to: the folder lock, the master key, whether a
// core is stored, a core's key files, the listing of stored cores. Behind it: the folder layout, the
// descriptor pool or the caller's storage function, and corestore@5's file formats.
import { INVALID_OPTIONS } from '../errors'
import type { KeyPair } from '../keys'
import { KEY_BYTES } from '../keys'
import { DEFAULT_MAX_OPEN_FILES } from './file-pool'
import type { FilePool } from './file-pool'
import { readExact } from './files'
import { listStoredCores } from './inspect'
import { CoreKeyFiles } from './key-files'
import type { KeySource } from './key-files'
import { coreFile, keyFileHolds } from './layout'
import { lockFolder } from './lock'
import type { FolderLock } from './lock'
import { loadOrCreateMasterKey } from './master-key'
import { resolveStorage } from './resolve'
import type { ResolvedStorage, StorageFunction } from './resolve'

export type { CoreKeyFiles, KeySource } from './key-files'
export type { StorageFunction } from './resolve'
export type { FilePool } from './file-pool'

/** Derives a name's key pair; waits for the master key while the store opens. */
export type DeriveFunction = (name: Buffer, cb: (err: Error | null, pair?: KeyPair) => void) => void

export class StoreStorage {
  readonly #storage: ResolvedStorage
  #locking: Promise<void> | null = null
  #lock: FolderLock | null = null
  #released = false

  /** `storage`: a folder path or a storage function; anything else is INVALID_STORAGE. */
  constructor (storage: unknown, maxOpenFiles: number = DEFAULT_MAX_OPEN_FILES) {
    if (maxOpenFiles !== Infinity && (!Number.isInteger(maxOpenFiles) || maxOpenFiles < 1)) {
      throw INVALID_OPTIONS(`maxOpenFiles must be a whole number >= 1 (or Infinity: no bound), got ${String(maxOpenFiles)}`)
    }
    this.#storage = resolveStorage(storage, maxOpenFiles)
  }

  /** The store's folder (absolute), or null for a storage function. */
  get directory (): string | null {
    return this.#storage.directory
  }

  /** The folder's descriptor pool (null for a storage function, or with no bound). */
  get pool (): FilePool | null {
    return this.#storage.pool
  }

  /** Opens a file by its path relative to the store root (`master_key`, `7e/03/7e03…/tree`). */
  get openFile (): StorageFunction {
    return this.#storage.open
  }

  /** Whether this store holds its folder's lock now. */
  get locked (): boolean {
    return this.#lock?.held === true
  }

  /**
   * Takes the folder's lock once (STORAGE_LOCKED when another store holds it); a storage function
   * takes none. Every later call gets the same promise. A lock that arrives after `unlock` is dropped.
   */
  lock (): Promise<void> {
    if (this.#locking === null) {
      const directory = this.#storage.directory
      this.#locking = directory === null
        ? Promise.resolve()
        : lockFolder(directory).then(lock => {
          if (this.#released) lock.release()
          else this.#lock = lock
        })
      this.#locking.catch(() => {})
    }
    return this.#locking
  }

  /** Releases the folder once a lock in flight settled; the store takes it no more. */
  async unlock (): Promise<void> {
    this.#released = true
    await this.#locking?.catch(() => {})
    this.#unlockNow()
  }

  /** Releases the lock at once (after a failed open, which never waits). */
  #unlockNow (): void {
    const lock = this.#lock
    this.#lock = null
    if (lock !== null) lock.release()
  }

  /**
   * Opens the storage: the folder's lock first, then the master key (`given`, or loaded from
   * `master_key`, or created when there is none). A failure releases the lock.
   */
  async open (given: Buffer | null): Promise<Buffer> {
    try {
      await this.lock()
      if (given !== null) return given
      return await new Promise<Buffer>((resolve, reject) => {
        loadOrCreateMasterKey(this.#storage, (err, key) => err || !key ? reject(err) : resolve(key))
      })
    } catch (err) {
      this.#released = true
      this.#unlockNow()
      throw err
    }
  }

  /** Whether a core with this discovery key has its `key` file here. */
  hasCore (dkey: Buffer, cb: (exists: boolean) => void): void {
    const file = this.#storage.open(coreFile(dkey.toString('hex'), 'key'))
    readExact(file, KEY_BYTES, (_, key) => file.close(() => cb(keyFileHolds(key, dkey))))
  }

  /**
   * The key files of one core. Reading them waits for `after` (an earlier instance of the core
   * closing, the master key) and, in a folder, for the lock: no file is touched before it is ours.
   */
  keyFiles (source: KeySource, derive: DeriveFunction, after: Promise<unknown> | null): CoreKeyFiles {
    const locked = this.#storage.directory === null ? null : this.lock()
    const waitFor = locked === null ? after : after === null ? locked : Promise.all([locked, after])
    return new CoreKeyFiles((hex, file) => this.#storage.open(coreFile(hex, file)), source, derive, waitFor)
  }

  /** The discovery keys stored here (in one namespace path, when given). Folder storage only. */
  list (namespace: string | null, storageArgument: unknown): AsyncGenerator<Buffer> {
    const storage = this.#storage.directory ?? storageArgument
    return listStoredCores(storage as string, namespace === null ? {} : { namespace })
  }
}
