// One core's key files (`key`, `name`, `secret_key`) in corestore@5's format, and the two virtual
// files (`key`, `secret_key`) that hypercore opens in their place.
import RandomAccessStorage = require('random-access-storage')
import { CORE_NOT_FOUND, KEY_MISMATCH, KEYS_UNRESOLVED, NO_SECRET_KEY } from '../errors'
import type { Callback } from '../errors'
import { eachFile, readExact, readWhole } from './files'
import { discoveryKey, KEY_BYTES, publicKeyOf, SECRET_KEY_BYTES, toHex } from '../keys'
import type { KeyPair } from '../keys'
import { keyFileHolds } from './layout'
import { decodeName, encodeName } from './name-codec'

/** What a `get` knows about a core before its key files are read. */
export interface KeySource {
  /** Unknown only for a named core asked for before the master key was loaded. */
  readonly discoveryKey: Buffer | null
  readonly publicKey: Buffer | null
  /** A derived core's name: written to `name`, never its secret key. */
  readonly name: Buffer | null
  /** The secret key of an explicit key pair: written to `secret_key`. */
  readonly secretKey: Buffer | null
  readonly createIfMissing: boolean
  /** Hand hypercore no secret key, so the core opens read-only whatever the files hold. */
  readonly readOnly: boolean
}

export interface ResolvedKeys {
  publicKey: Buffer
  secretKey: Buffer | null
  name: Buffer | null
}

/** Derives a name's key pair; waits for the master key when the store is still opening. */
export type DeriveFunction = (name: Buffer, cb: Callback<KeyPair>) => void

/** Opens one of this core's files by its name (`key`, `tree`...), once its discovery key is known. */
export type CoreFileOpener = (discoveryKeyHex: string, file: string) => RandomAccessStorage

export class CoreKeyFiles {
  readonly keyStorage: RandomAccessStorage
  readonly secretKeyStorage: RandomAccessStorage

  readonly #open: CoreFileOpener
  readonly #source: KeySource
  readonly #derive: DeriveFunction
  /** The real key files while they are open (created on first use). */
  #files: Map<string, RandomAccessStorage> | null = null
  /** Reading waits for it: an earlier instance of the core closing, or the store's master key. Its rejection fails the resolve. */
  #after: Promise<unknown> | null
  /** Not asked yet (null), being read (whoever waits), or the keys. A failed read starts over next time. */
  #resolved: ResolvedKeys | Array<Callback<ResolvedKeys>> | null = null
  /** The source's, or derived from its name once the master key is known. */
  #discoveryKey: Buffer | null
  #publicKey: Buffer | null

  constructor (open: CoreFileOpener, source: KeySource, derive: DeriveFunction, after: Promise<unknown> | null = null) {
    this.#open = open
    this.#after = after
    this.#source = source
    this.#derive = derive
    this.#discoveryKey = source.discoveryKey
    this.#publicKey = source.publicKey
    this.keyStorage = new VirtualKeyFile(this, false)
    this.secretKeyStorage = new VirtualKeyFile(this, true)
  }

  /**
   * Reads (or creates) the key files once; every later call gets the same answer (at once, as thunky
   * gives it). After a failure the next call reads again. No closure per core: a field holds the state.
   */
  resolve (cb: Callback<ResolvedKeys>): void {
    const state = this.#resolved
    if (state === null) {
      this.#resolved = [cb]
      this.#start()
    } else if (Array.isArray(state)) {
      state.push(cb)
    } else {
      cb(null, state)
    }
  }

  #start (): void {
    // A failed resolve leaves no file open: hypercore never opens the virtual key storage then.
    // The key files are read (or written) once and closed either way: the keys live in memory.
    const done = (err: Error | null, keys?: ResolvedKeys): void => {
      this.#closeFiles(closeErr => {
        const failure = err ?? closeErr
        const waiting = this.#resolved as Array<Callback<ResolvedKeys>>
        if (failure !== null || keys === undefined) {
          this.#resolved = null
          for (const cb of waiting) cb(failure ?? KEYS_UNRESOLVED('the key files of this core gave no keys'))
          return
        }
        this.#resolved = keys
        this.#after = null
        for (const cb of waiting) cb(null, keys)
      })
    }
    if (this.#after === null) return this.#load(done)
    this.#after.then(() => this.#load(done), (err: Error) => done(err))
  }

  /** Hand hypercore no secret key, whatever the files hold. */
  get readOnly (): boolean {
    return this.#source.readOnly
  }

  /** hypercore wrote a public key to the virtual `key` file: it must be the one resolved. */
  keyMismatch (): Error {
    return KEY_MISMATCH(this.#hex, 'hypercore tried to store another public key')
  }

  closeFiles (cb: Callback): void {
    this.#closeFiles(cb)
  }

  destroyFiles (cb: Callback): void {
    this.#destroyFiles(cb)
  }

  /** The name the key pair derives from: the resolved one (from the `name` file), else the request's. */
  get name (): Buffer | null {
    const resolved = this.#resolved
    if (resolved !== null && !Array.isArray(resolved)) return resolved.name
    return this.#source.name
  }

  /** Known from the request, or once a name asked for before ready has been derived. */
  get discoveryKey (): Buffer | null {
    return this.#discoveryKey
  }

  get #hex (): string {
    return this.#discoveryKey === null ? '(not yet derived)' : toHex(this.#discoveryKey)
  }

  /** One of the core's files; its folder is known by the time hypercore opens any file. */
  openFile (name: string): RandomAccessStorage {
    if (this.#discoveryKey === null) throw KEYS_UNRESOLVED(`the core's file ${name} was opened before its keys were resolved`)
    return this.#open(toHex(this.#discoveryKey), name)
  }

  #file (name: string): RandomAccessStorage {
    this.#files ??= new Map()
    let file = this.#files.get(name)
    if (file === undefined) {
      file = this.openFile(name)
      this.#files.set(name, file)
    }
    return file
  }

  #load (cb: Callback<ResolvedKeys>): void {
    const source = this.#source
    const dkey = this.#discoveryKey
    if (dkey === null) {
      // A named core asked for before the store was ready: its folder is known once the name is derived.
      return this.#derive(source.name as Buffer, (err, pair) => {
        if (err || !pair) return cb(err)
        this.#publicKey = pair.publicKey
        this.#discoveryKey = discoveryKey(pair.publicKey)
        this.#load(cb)
      })
    }
    readExact(this.#file('key'), KEY_BYTES, (err, stored) => {
      if (err) return cb(err)
      if (stored === null) return this.#create(cb)

      const wanted = this.#publicKey
      if (wanted !== null && !wanted.equals(stored)) {
        return cb(KEY_MISMATCH(this.#hex, `the stored public key is ${toHex(stored)}, the requested one ${toHex(wanted)}`))
      }
      if (!keyFileHolds(stored, dkey)) {
        return cb(KEY_MISMATCH(this.#hex, `the stored public key ${toHex(stored)} belongs to another discovery key`))
      }
      readWhole(this.#file('name'), (err, file) => {
        if (err) return cb(err)
        const name = file === null ? null : decodeName(file)
        if (name !== null) return this.#fromName(stored, name, cb)
        readExact(this.#file('secret_key'), SECRET_KEY_BYTES, (err, secretKey) => {
          if (err) return cb(err)
          if (secretKey !== null && publicKeyOf(secretKey).equals(stored)) return cb(null, { publicKey: stored, secretKey, name: null })
          // Opened read-only before, and now with what makes it writable: remember that.
          const sourceName = source.name
          if (sourceName !== null) return this.#writeName(sourceName, err => err ? cb(err) : this.#fromName(stored, sourceName, cb))
          const secret = source.secretKey
          if (secret !== null) {
            return this.#file('secret_key').write(0, secret, err => err ? cb(err) : cb(null, { publicKey: stored, secretKey: secret, name: null }))
          }
          cb(null, { publicKey: stored, secretKey: null, name: null })
        })
      })
    })
  }

  #fromName (stored: Buffer, name: Buffer, cb: Callback<ResolvedKeys>): void {
    this.#derive(name, (err, pair) => {
      if (err || !pair) return cb(err)
      if (!pair.publicKey.equals(stored)) {
        return cb(KEY_MISMATCH(this.#hex, `its name ${JSON.stringify(name.toString())} derives another key under this master key (was the store opened with a different master key?)`))
      }
      cb(null, { publicKey: stored, secretKey: pair.secretKey, name })
    })
  }

  #create (cb: Callback<ResolvedKeys>): void {
    const source = this.#source
    const publicKey = this.#publicKey
    if (!source.createIfMissing || publicKey === null) return cb(CORE_NOT_FOUND(this.#hex))
    // The key file goes last: it marks the core as present, so a crash never leaves a key without its name.
    const writeKey = (secretKey: Buffer | null): void => {
      this.#file('key').write(0, publicKey, err => err ? cb(err) : cb(null, { publicKey, secretKey, name: source.name }))
    }
    const name = source.name
    if (name !== null) {
      return this.#derive(name, (err, pair) => {
        if (err || !pair) return cb(err)
        this.#writeName(name, err => err ? cb(err) : writeKey(pair.secretKey))
      })
    }
    const secretKey = source.secretKey
    if (secretKey !== null) return this.#file('secret_key').write(0, secretKey, err => err ? cb(err) : writeKey(secretKey))
    writeKey(null)
  }

  #writeName (name: Buffer, cb: Callback): void {
    this.#file('name').write(0, encodeName(name), err => cb(err ?? null))
  }

  #closeFiles (cb: Callback): void {
    const files = [...this.#files?.values() ?? []]
    this.#files = null
    eachFile(files, (file, done) => file.close(done), cb)
  }

  #destroyFiles (cb: Callback): void {
    for (const name of ['key', 'name', 'secret_key']) this.#file(name)
    const files = [...this.#files?.values() ?? []]
    this.#files = null
    eachFile(files, (file, done) => file.destroy(done), cb)
  }
}

/**
 * The `key` or `secret_key` file hypercore opens: served from the resolved keys in memory (the real
 * files were read once and closed). One class, so a core costs two small objects, not closures.
 */
class VirtualKeyFile extends RandomAccessStorage {
  readonly #owner: CoreKeyFiles
  readonly #secret: boolean

  constructor (owner: CoreKeyFiles, secret: boolean) {
    super()
    this.#owner = owner
    this.#secret = secret
  }

  /** The bytes this file holds, or why it holds none. */
  #bytes (cb: (err: Error | null, bytes?: Buffer) => void): void {
    this.#owner.resolve((err, keys) => {
      if (err || !keys) return cb(err ?? KEYS_UNRESOLVED('the key files of this core gave no keys'))
      if (!this.#secret) return cb(null, keys.publicKey)
      if (keys.secretKey === null || this.#owner.readOnly) return cb(NO_SECRET_KEY())
      cb(null, keys.secretKey)
    })
  }

  _read (req: RandomAccessStorage.Request): void {
    this.#bytes((err, bytes) => err || !bytes ? req.callback(err) : req.callback(null, bytes.subarray(req.offset, req.offset + req.size)))
  }

  _write (req: RandomAccessStorage.Request): void {
    // Secret keys are written by CoreKeyFiles only (never for derived cores), not by hypercore.
    if (this.#secret) return req.callback(null)
    this.#bytes((err, bytes) => {
      if (err || !bytes) return req.callback(err)
      if (req.data !== null && req.offset === 0 && req.data.equals(bytes)) return req.callback(null)
      req.callback(this.#owner.keyMismatch())
    })
  }

  _stat (req: RandomAccessStorage.Request): void {
    this.#bytes((err, bytes) => err || !bytes ? req.callback(err) : req.callback(null, { size: bytes.length }))
  }

  _close (req: RandomAccessStorage.Request): void {
    if (this.#secret) return req.callback(null)
    this.#owner.closeFiles(err => req.callback(err))
  }

  _destroy (req: RandomAccessStorage.Request): void {
    if (this.#secret) return req.callback(null)
    this.#owner.destroyFiles(err => req.callback(err))
  }
}
