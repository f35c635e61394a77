import fs = require('fs')
import path = require('path')
import RandomAccessStorage = require('random-access-storage')
import raf = require('random-access-file')
import thunky = require('thunky')
import { CORE_NOT_FOUND, INVALID_MASTER_KEY, INVALID_STORAGE, KEY_MISMATCH } from './errors'
import type { CorestoreError } from './errors'
import { discoveryKey, KEY_BYTES, publicKeyOf, randomBytes, SECRET_KEY_BYTES, toHex } from './keys'
import type { KeyPair } from './keys'

/** Opens the file at `name`, a path relative to the store root such as `7e/03/7e03…/tree`. */
export type StorageFunction = (name: string) => RandomAccessStorage

type Callback<T = void> = (err: Error | null, value?: T) => void

export const MASTER_KEY_FILE = 'master_key'

export interface ResolvedStorage {
  open: StorageFunction
  /** The root folder when the store lives in a directory, so files can be created atomically. */
  directory: string | null
}

export function resolveStorage (storage: unknown): ResolvedStorage {
  if (typeof storage === 'string') {
    const directory = path.resolve(storage)
    return { open: name => raf(name, { directory }), directory }
  }
  if (typeof storage === 'function') return { open: storage as StorageFunction, directory: null }
  throw INVALID_STORAGE(storage)
}

/** `ab/cd/abcd…`: where corestore@5 keeps the files of the core with this discovery key. */
export function coreRoot (discoveryKeyHex: string): string {
  return `${discoveryKeyHex.slice(0, 2)}/${discoveryKeyHex.slice(2, 4)}/${discoveryKeyHex}`
}

/**
 * Loads the master key, or creates it when there is none. An existing key is never replaced: a
 * file of any size but 0 or 32 bytes is an error. In a directory the key is written to a temporary
 * file and hard-linked into place, so a crash leaves either no `master_key` or the whole key.
 */
export function loadOrCreateMasterKey (storage: ResolvedStorage, cb: Callback<Buffer>): void {
  if (storage.directory !== null) {
    loadOrCreateInDirectory(storage.directory).then(key => cb(null, key), cb)
    return
  }
  const file = storage.open(MASTER_KEY_FILE)
  const done = (err: Error | null, key?: Buffer): void => file.close(() => err ? cb(err) : cb(null, key))
  file.stat((err, st) => {
    if (err !== null && !isMissing(err)) return done(err)
    const size = err === null && st !== undefined ? st.size : 0
    if (size === 0) {
      const key = randomBytes(KEY_BYTES)
      return file.write(0, key, err => err ? done(err) : done(null, key))
    }
    const wrongSize = masterKeySizeError(size)
    if (wrongSize !== null) return done(wrongSize)
    file.read(0, KEY_BYTES, (err, key) => err ? done(err) : done(null, key))
  })
}

async function loadOrCreateInDirectory (directory: string): Promise<Buffer> {
  const target = path.join(directory, MASTER_KEY_FILE)
  const existing = await readIfPresent(target)
  if (existing !== null && existing.length !== 0) return checkMasterKey(existing)

  await fs.promises.mkdir(directory, { recursive: true })
  const key = randomBytes(KEY_BYTES)
  const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  const handle = await fs.promises.open(tmp, 'wx')
  try {
    await handle.writeFile(key)
    await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    // An empty master_key (left by corestore@5 crashing mid-write) holds no key: replace only that.
    if (existing !== null) await fs.promises.rename(tmp, target)
    else await fs.promises.link(tmp, target)
  } catch (err) {
    // Another process created it first: theirs wins, never ours.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    const theirs = await readIfPresent(target)
    return checkMasterKey(theirs ?? Buffer.alloc(0))
  } finally {
    await fs.promises.rm(tmp, { force: true })
  }
  return key
}

function checkMasterKey (key: Buffer): Buffer {
  const wrongSize = masterKeySizeError(key.length)
  if (wrongSize !== null) throw wrongSize
  return key
}

/** Why a `master_key` file of this many bytes (not 0, which means none) cannot be used; null when it can. */
export function masterKeySizeError (size: number): CorestoreError | null {
  if (size === KEY_BYTES) return null
  return INVALID_MASTER_KEY(`the ${MASTER_KEY_FILE} file holds ${size} bytes, expected ${KEY_BYTES}; it is left as it is`)
}

async function readIfPresent (file: string): Promise<Buffer | null> {
  try {
    return await fs.promises.readFile(file)
  } catch (err) {
    if (isMissing(err)) return null
    throw err
  }
}

function isMissing (err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code
  return code === 'ENOENT' || code === 'ENOTDIR'
}

/** What a `get` knows about a core before its key files are read. */
export interface KeySource {
  /** Unknown only for a named core asked for before the master key was loaded. */
  discoveryKey: Buffer | null
  publicKey: Buffer | null
  /** A derived core's name: written to `name`, never its secret key. */
  name: Buffer | null
  /** The secret key of an explicit key pair: written to `secret_key`. */
  secretKey: Buffer | null
  createIfMissing: boolean
  /** Hand hypercore no secret key, so the core opens read-only whatever the files hold. */
  readOnly: boolean
}

export interface ResolvedKeys {
  publicKey: Buffer
  secretKey: Buffer | null
  name: Buffer | null
}

/** Derives a name's key pair; waits for the master key when the store is still opening. */
export type DeriveFunction = (name: Buffer, cb: Callback<KeyPair>) => void

/**
 * The `key`, `name` and `secret_key` files of one core, read and written in corestore@5's format,
 * and the two virtual files (`key`, `secret_key`) that hypercore opens in their place.
 */
export class CoreKeyFiles {
  readonly keyStorage: RandomAccessStorage
  readonly secretKeyStorage: RandomAccessStorage
  /** Why the keys could not be resolved; hypercore swallows key read errors, so the store reports it. */
  error: Error | null = null
  resolved: ResolvedKeys | null = null

  readonly #open: StorageFunction
  readonly #source: KeySource
  readonly #derive: DeriveFunction
  readonly #files = new Map<string, RandomAccessStorage>()
  readonly resolve: (cb: Callback<ResolvedKeys>) => void

  constructor (open: StorageFunction, source: KeySource, derive: DeriveFunction) {
    this.#open = open
    this.#source = source
    this.#derive = derive
    this.resolve = thunky<ResolvedKeys>(cb => this.#load((err, keys) => {
      if (err) this.error = err
      else if (keys) this.resolved = keys
      cb(err, keys)
    }))

    this.keyStorage = new RandomAccessStorage({
      read: req => this.resolve((err, keys) => err || !keys ? req.callback(err) : req.callback(null, keys.publicKey.subarray(req.offset, req.offset + req.size))),
      write: req => this.resolve((err, keys) => {
        if (err || !keys) return req.callback(err)
        if (req.data !== null && req.offset === 0 && req.data.equals(keys.publicKey)) return req.callback(null)
        req.callback(KEY_MISMATCH(this.#hex, 'hypercore tried to store another public key'))
      }),
      stat: req => this.resolve(err => err ? req.callback(err) : req.callback(null, { size: KEY_BYTES })),
      close: req => this.#closeFiles(err => req.callback(err)),
      destroy: req => this.#destroyFiles(err => req.callback(err))
    })

    this.secretKeyStorage = new RandomAccessStorage({
      read: req => this.resolve((err, keys) => {
        if (err || !keys) return req.callback(err)
        if (keys.secretKey === null || this.#source.readOnly) return req.callback(new Error('No secret key'))
        req.callback(null, keys.secretKey.subarray(req.offset, req.offset + req.size))
      }),
      // Secret keys are written by this class only (never for derived cores), not by hypercore.
      write: req => req.callback(null),
      stat: req => this.resolve((err, keys) => {
        if (err || !keys) return req.callback(err)
        if (keys.secretKey === null || this.#source.readOnly) return req.callback(new Error('No secret key'))
        req.callback(null, { size: SECRET_KEY_BYTES })
      })
    })
  }

  /** Known from the request, or once a name asked for before ready has been derived. */
  get discoveryKey (): Buffer | null {
    return this.#source.discoveryKey
  }

  get #hex (): string {
    return this.#source.discoveryKey === null ? '(not yet derived)' : toHex(this.#source.discoveryKey)
  }

  #file (name: string): RandomAccessStorage {
    let file = this.#files.get(name)
    if (file === undefined) {
      file = this.#open(name)
      this.#files.set(name, file)
    }
    return file
  }

  #load (cb: Callback<ResolvedKeys>): void {
    const source = this.#source
    if (source.discoveryKey === null) {
      // A named core asked for before the store was ready: its folder is known once the name is derived.
      return this.#derive(source.name as Buffer, (err, pair) => {
        if (err || !pair) return cb(err)
        source.publicKey = pair.publicKey
        source.discoveryKey = discoveryKey(pair.publicKey)
        this.#load(cb)
      })
    }
    const dkey = source.discoveryKey
    readExact(this.#file('key'), KEY_BYTES, (err, stored) => {
      if (err) return cb(err)
      if (stored === null) return this.#create(cb)

      if (source.publicKey !== null && !source.publicKey.equals(stored)) {
        return cb(KEY_MISMATCH(this.#hex, `the stored public key is ${toHex(stored)}, the requested one ${toHex(source.publicKey)}`))
      }
      if (!discoveryKey(stored).equals(dkey)) {
        return cb(KEY_MISMATCH(this.#hex, `the stored public key ${toHex(stored)} belongs to another discovery key`))
      }
      readName(this.#file('name'), (err, name) => {
        if (err) return cb(err)
        if (name !== null) return this.#fromName(stored, name, cb)
        readExact(this.#file('secret_key'), SECRET_KEY_BYTES, (err, secretKey) => {
          if (err) return cb(err)
          if (secretKey !== null && publicKeyOf(secretKey).equals(stored)) return cb(null, { publicKey: stored, secretKey, name: null })
          // Opened read-only before, and now with what makes it writable: remember that.
          if (source.name !== null) return this.#writeName(source.name, err => err ? cb(err) : this.#fromName(stored, source.name as Buffer, cb))
          if (source.secretKey !== null) {
            const secret = source.secretKey
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
    if (!source.createIfMissing || source.publicKey === null) return cb(CORE_NOT_FOUND(this.#hex))
    const publicKey = source.publicKey
    // The key file goes last: it marks the core as present, so a crash never leaves a key without its name.
    const writeKey = (secretKey: Buffer | null): void => {
      this.#file('key').write(0, publicKey, err => err ? cb(err) : cb(null, { publicKey, secretKey, name: source.name }))
    }
    if (source.name !== null) {
      const name = source.name
      return this.#derive(name, (err, pair) => {
        if (err || !pair) return cb(err)
        this.#writeName(name, err => err ? cb(err) : writeKey(pair.secretKey))
      })
    }
    if (source.secretKey !== null) {
      const secretKey = source.secretKey
      return this.#file('secret_key').write(0, secretKey, err => err ? cb(err) : writeKey(secretKey))
    }
    writeKey(null)
  }

  #writeName (name: Buffer, cb: Callback): void {
    this.#file('name').write(0, encodeName(name), err => cb(err ?? null))
  }

  #closeFiles (cb: Callback): void {
    const files = [...this.#files.values()]
    this.#files.clear()
    eachFile(files, (file, done) => file.close(done), cb)
  }

  #destroyFiles (cb: Callback): void {
    for (const name of ['key', 'name', 'secret_key']) this.#file(name)
    const files = [...this.#files.values()]
    this.#files.clear()
    eachFile(files, (file, done) => file.destroy(done), cb)
  }
}

function eachFile (files: RandomAccessStorage[], fn: (file: RandomAccessStorage, done: Callback) => void, cb: Callback): void {
  let pending = files.length + 1
  let error: Error | null = null
  const done = (err?: Error | null): void => {
    if (err) error = err
    if (--pending === 0) cb(error)
  }
  for (const file of files) fn(file, done)
  done(null)
}

/** Reads exactly `size` bytes; a missing or shorter file is `null`, never an error. */
export function readExact (file: RandomAccessStorage, size: number, cb: (err: Error | null, value: Buffer | null) => void): void {
  file.stat((err, st) => {
    if (err || !st || st.size < size) return cb(null, null)
    file.read(0, size, (err, buf) => {
      if (err || !buf) return cb(null, null)
      cb(null, buf)
    })
  })
}

/** A `name` file: a varint length, then the name's bytes (corestore@5's derived-key-storage format). */
export function encodeName (name: Buffer): Buffer {
  const length: number[] = []
  let n = name.length
  while (n >= 0x80) {
    length.push((n & 0x7f) | 0x80)
    n >>>= 7
  }
  length.push(n)
  return Buffer.concat([Buffer.from(length), name])
}

export function decodeName (buf: Buffer): Buffer | null {
  let length = 0
  let shift = 0
  let offset = 0
  for (;;) {
    const byte = buf[offset++]
    if (byte === undefined || shift > 28) return null
    length += (byte & 0x7f) * 2 ** shift
    shift += 7
    if ((byte & 0x80) === 0) break
  }
  if (offset + length !== buf.length || length === 0) return null
  return buf.subarray(offset)
}

function readName (file: RandomAccessStorage, cb: (err: Error | null, value: Buffer | null) => void): void {
  file.stat((err, st) => {
    if (err || !st || st.size < 2) return cb(null, null)
    file.read(0, st.size, (err, buf) => {
      if (err || !buf) return cb(null, null)
      cb(null, decodeName(buf))
    })
  })
}
