/**
 * Every error the library raises on purpose is a `CorestoreError` with a stable `code`, so callers
 * can test `err.code === 'INVALID_KEY'` instead of matching messages. The codes are listed once, here
 * (the command-line tool's own are in bin/errors.ts).
 */

/** A Node-style callback: an error, or null and the value. */
export type Callback<T = void> = (err: Error | null, value?: T) => void

/** Every code a `CorestoreError` can carry. */
export type ErrorCode =
  // the store and its cores
  | 'INVALID_STORAGE'
  | 'INVALID_KEY'
  | 'INVALID_MASTER_KEY'
  | 'INVALID_NAME'
  | 'INVALID_OPTIONS'
  | 'STORE_CLOSED'
  | 'CORE_NOT_FOUND'
  | 'KEY_MISMATCH'
  | 'NOT_WRITABLE'
  | 'SESSION_CLOSED'
  | 'NO_INITIATOR'
  | 'CORE_CONFLICT'
  | 'NOT_READY'
  | 'STORAGE_LOCKED'
  | 'INVALID_STORAGE_RESULT'
  // arguments of a core's methods, and cores used after they closed
  | 'INVALID_ARGUMENT'
  | 'BLOCK_TOO_LARGE'
  | 'CORE_CLOSED'
  // hypercore@9's own failures, coded by their messages (lib/hypercore9/errors.ts)
  | 'BLOCK_NOT_AVAILABLE'
  | 'UPDATE_NOT_AVAILABLE'
  | 'SEEK_NOT_AVAILABLE'
  | 'REQUEST_CANCELLED'
  | 'REQUEST_TIMEOUT'
  | 'OUT_OF_BOUNDS'
  | 'PROOF_NOT_AVAILABLE'
  | 'VERIFICATION_FAILED'
  | 'STORAGE_CORRUPT'
  | 'HYPERCORE_ERROR'
  // what a core's files or the package's install did not give
  | 'KEYS_UNRESOLVED'
  | 'NO_SECRET_KEY'
  | 'SHORT_READ'
  | 'DEPENDENCY_MISSING'
  // reading store folders without opening them
  | 'STORE_FOLDER_NOT_FOUND'
  | 'NOT_A_STORE'
  | 'STORAGE_NOT_LISTABLE'
  // networking (lib/swarm.ts)
  | 'BOOTSTRAP_UNREACHABLE'
  | 'SWARM_CLOSED'
  // the status server
  | 'LISTEN_FAILED'
  // the export to Corestore 7 (lib/export/)
  | 'EXPORT_CORRUPT_CORE'
  | 'EXPORT_DESTINATION_NOT_EMPTY'
  | 'EXPORT_DESTINATION_IS_A_STORE'
  | 'EXPORT_WRITE_FAILED'
  | 'EXPORT_CONFLICT'
  | 'DRIVE_READ_FAILED'

// Errors that must also be `instanceof TypeError` (as corestore@5 callers may test) are TypeErrors
// underneath; this set lets `instanceof CorestoreError` recognise them as well.
const typeErrors = new WeakSet<object>()

export class CorestoreError extends Error {
  readonly code: ErrorCode

  constructor (code: ErrorCode, message: string) {
    super(message)
    this.name = 'CorestoreError'
    this.code = code
  }

  static override [Symbol.hasInstance] (value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false
    if (this === CorestoreError && typeErrors.has(value)) return true
    return Function.prototype[Symbol.hasInstance].call(this, value)
  }
}

/** A `CorestoreError` that is a `TypeError` too. */
export interface CorestoreTypeError extends TypeError {
  readonly code: ErrorCode
}

function typeError (code: ErrorCode, message: string): CorestoreTypeError {
  const err = new TypeError(message) as TypeError & { code: ErrorCode }
  err.name = 'CorestoreError'
  err.code = code
  typeErrors.add(err)
  return err
}

export const INVALID_STORAGE = (got: unknown): CorestoreTypeError =>
  typeError('INVALID_STORAGE', `Corestore storage must be a directory path (string) or a function (name) => RandomAccessStorage, got ${describe(got)}`)

export const INVALID_KEY = (what: string, got: unknown, expected = '32 bytes as a Buffer, 64 hex characters or 52 z-base-32 characters'): CorestoreError =>
  new CorestoreError('INVALID_KEY', `Invalid ${what}: got ${describe(got)}, expected ${expected}`)

export const INVALID_MASTER_KEY = (detail: string): CorestoreError =>
  new CorestoreError('INVALID_MASTER_KEY', `Invalid master key: ${detail}`)

export const INVALID_NAME = (got: unknown, expected = 'a non-empty string or Buffer'): CorestoreError =>
  new CorestoreError('INVALID_NAME', `Invalid core name: got ${describe(got)}, expected ${expected}`)

export const INVALID_OPTIONS = (detail: string): CorestoreError =>
  new CorestoreError('INVALID_OPTIONS', detail)

export const STORE_CLOSED = (): CorestoreError =>
  new CorestoreError('STORE_CLOSED', 'The corestore (or this view of it) is closed')

export const CORE_NOT_FOUND = (discoveryKeyHex: string): CorestoreError =>
  new CorestoreError('CORE_NOT_FOUND', `No core with discovery key ${discoveryKeyHex} is stored here`)

export const KEY_MISMATCH = (discoveryKeyHex: string, detail: string): CorestoreError =>
  new CorestoreError('KEY_MISMATCH', `The key files of core ${discoveryKeyHex} do not match: ${detail}`)

export const NOT_WRITABLE = (discoveryKeyHex: string, why = 'was opened read-only (writable: false)'): CorestoreError =>
  new CorestoreError('NOT_WRITABLE', `Core ${discoveryKeyHex} ${why}`)

export const SESSION_CLOSED = (): CorestoreError =>
  new CorestoreError('SESSION_CLOSED', 'This exclusive core handle is closed')

export const NO_INITIATOR = (): CorestoreError =>
  new CorestoreError('NO_INITIATOR', 'Cannot tell which side initiates this replication stream: pass { initiator: true | false } (or the Hyperswarm connection info as the second argument)')

export const CORE_CONFLICT = (discoveryKeyHex: string): CorestoreError =>
  new CorestoreError('CORE_CONFLICT', `Core ${discoveryKeyHex} was asked for by name before the store was ready and by key as well: the instance asked for by key is the store's; get it again after ready()`)

export const NOT_READY = (what: string): CorestoreError =>
  new CorestoreError('NOT_READY', `The corestore is not ready yet (await store.ready() first): ${what}`)

export const STORAGE_LOCKED = (directory: string): CorestoreError =>
  new CorestoreError('STORAGE_LOCKED', `${directory} is in use by another corestore (in this or another process); close it first`)

export const INVALID_STORAGE_RESULT = (name: string, got: unknown): CorestoreError =>
  new CorestoreError('INVALID_STORAGE_RESULT', `The storage function returned ${describe(got)} for ${JSON.stringify(name)}, expected a random-access-storage instance (an object with read and write methods)`)

export const INVALID_ARGUMENT = (what: string, got: unknown, expected: string): CorestoreError =>
  new CorestoreError('INVALID_ARGUMENT', `Invalid ${what}: got ${describe(got)}, expected ${expected}`)

export const INVALID_RANGE = (what: string, start: number, end: number): CorestoreError =>
  new CorestoreError('INVALID_ARGUMENT', `Invalid ${what}: start ${start} is after end ${end}, expected start <= end`)

export const BLOCK_TOO_LARGE = (bytes: number, max: number): CorestoreError =>
  new CorestoreError('BLOCK_TOO_LARGE', `A block of ${bytes} bytes is larger than hypercore's limit of ${max} bytes`)

export const CORE_CLOSED = (): CorestoreError =>
  new CorestoreError('CORE_CLOSED', 'This core is closed')

/** A core whose key files could not be resolved: its files were opened too early, or gave no keys. */
export const KEYS_UNRESOLVED = (detail: string): CorestoreError =>
  new CorestoreError('KEYS_UNRESOLVED', detail)

/** What hypercore reads from a core's `secret_key` when the store hands it none (it opens read-only). */
export const NO_SECRET_KEY = (): CorestoreError =>
  new CorestoreError('NO_SECRET_KEY', 'No secret key')

/** A file ended before the bytes asked for (random-access-file's message, with a code). */
export const SHORT_READ = (message = 'Could not satisfy length'): CorestoreError =>
  new CorestoreError('SHORT_READ', message)

export const DEPENDENCY_MISSING = (detail: string): CorestoreError =>
  new CorestoreError('DEPENDENCY_MISSING', detail)

/** A bad argument that corestore@5 reported as a TypeError: it stays one, with a code. */
export const INVALID_ARGUMENT_TYPE = (what: string, got: unknown, expected: string): CorestoreTypeError =>
  typeError('INVALID_ARGUMENT', `Invalid ${what}: got ${describe(got)}, expected ${expected}`)

export const STORE_FOLDER_NOT_FOUND = (directory: string): CorestoreError =>
  new CorestoreError('STORE_FOLDER_NOT_FOUND', `No such folder: ${directory}`)

export const NOT_A_STORE = (directory: string, detail: string): CorestoreError =>
  new CorestoreError('NOT_A_STORE', `${directory} is not a corestore folder: ${detail}`)

export const STORAGE_NOT_LISTABLE = (storage: unknown): CorestoreError =>
  new CorestoreError('STORAGE_NOT_LISTABLE', `Only a store kept in a folder (storage given as a directory path) can list the cores it holds on disk, got ${typeof storage === 'function' ? 'a storage function' : describe(storage)}`)

export const BOOTSTRAP_UNREACHABLE = (detail: string): CorestoreError =>
  new CorestoreError('BOOTSTRAP_UNREACHABLE', detail)

export const SWARM_CLOSED = (): CorestoreError =>
  new CorestoreError('SWARM_CLOSED', 'The swarm is closed')

/** The status server cannot listen where it was asked to (a port in use, a host not of this machine). */
export const LISTEN_FAILED = (message: string): CorestoreError => new CorestoreError('LISTEN_FAILED', message)

/** A core of the source folder fails hypercore@9's checks: nothing of it is written. */
export const EXPORT_CORRUPT_CORE = (keyHex: string, folder: string, what: string): CorestoreError =>
  new CorestoreError('EXPORT_CORRUPT_CORE', `Core ${keyHex} (${folder}) cannot be exported: ${what}`)

export const EXPORT_DESTINATION_NOT_EMPTY = (directory: string, detail: string): CorestoreError =>
  new CorestoreError('EXPORT_DESTINATION_NOT_EMPTY', `Will not export into ${directory}: ${detail}`)

export const EXPORT_DESTINATION_IS_A_STORE = (directory: string, detail: string): CorestoreError =>
  new CorestoreError('EXPORT_DESTINATION_IS_A_STORE', `Will not export into ${directory}: ${detail}`)

/** Writing the new store failed (a full disk, say); what was exported stays, and a new run resumes. */
export const EXPORT_WRITE_FAILED = (directory: string, cause: Error): CorestoreError =>
  Object.assign(new CorestoreError('EXPORT_WRITE_FAILED', `Writing the export to ${directory} failed: ${cause.message}. The cores exported before it are complete; run the export again to resume`), { cause })

/** The destination holds something else under a key the export writes. */
export const EXPORT_CONFLICT = (keyHex: string, detail: string): CorestoreError =>
  new CorestoreError('EXPORT_CONFLICT', `Core ${keyHex} in the destination is not this export's: ${detail}`)

/** A short description of a bad value for an error message: its type and size, never its secret bytes. */
export function describe (value: unknown): string {
  if (Buffer.isBuffer(value)) return `a Buffer of ${value.length} bytes`
  if (value instanceof Uint8Array) return `a Uint8Array of ${value.length} bytes`
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 80 ? value.slice(0, 80) + '…' : value)} (${value.length} characters)`
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`
}
