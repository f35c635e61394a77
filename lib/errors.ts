/**
 * Every error this package raises on purpose carries a stable `code`, so callers can test
 * `err.code === 'INVALID_KEY'` instead of matching messages.
 */
export class CorestoreError extends Error {
  readonly code: string

  constructor (code: string, message: string) {
    super(message)
    this.name = 'CorestoreError'
    this.code = code
  }
}

export const INVALID_STORAGE = (got: unknown): TypeError & { code: string } => {
  const err = new TypeError(`Corestore storage must be a directory path (string) or a function (name) => RandomAccessStorage, got ${describe(got)}`) as TypeError & { code: string }
  err.code = 'INVALID_STORAGE'
  return err
}

export const INVALID_KEY = (what: string, got: unknown, expected = '32 bytes as a Buffer, 64 hex characters or 52 z-base-32 characters'): CorestoreError =>
  new CorestoreError('INVALID_KEY', `Invalid ${what}: got ${describe(got)}, expected ${expected}`)

export const INVALID_MASTER_KEY = (detail: string): CorestoreError =>
  new CorestoreError('INVALID_MASTER_KEY', `Invalid master key: ${detail}`)

export const INVALID_NAME = (got: unknown): CorestoreError =>
  new CorestoreError('INVALID_NAME', `Invalid core name: got ${describe(got)}, expected a non-empty string or Buffer`)

export const INVALID_OPTIONS = (detail: string): CorestoreError =>
  new CorestoreError('INVALID_OPTIONS', detail)

export const STORE_CLOSED = (): CorestoreError =>
  new CorestoreError('STORE_CLOSED', 'The corestore (or this view of it) is closed')

export const CORE_NOT_FOUND = (discoveryKeyHex: string): CorestoreError =>
  new CorestoreError('CORE_NOT_FOUND', `No core with discovery key ${discoveryKeyHex} is stored here`)

export const KEY_MISMATCH = (discoveryKeyHex: string, detail: string): CorestoreError =>
  new CorestoreError('KEY_MISMATCH', `The key files of core ${discoveryKeyHex} do not match: ${detail}`)

export const NOT_WRITABLE = (discoveryKeyHex: string): CorestoreError =>
  new CorestoreError('NOT_WRITABLE', `Core ${discoveryKeyHex} was opened read-only (writable: false)`)

export const SESSION_CLOSED = (): CorestoreError =>
  new CorestoreError('SESSION_CLOSED', 'This exclusive core handle is closed')

export const NO_INITIATOR = (): CorestoreError =>
  new CorestoreError('NO_INITIATOR', 'Cannot tell which side initiates this replication stream: pass { initiator: true | false } (or the Hyperswarm connection info as the second argument)')

export function describe (value: unknown): string {
  if (Buffer.isBuffer(value)) return `a Buffer of ${value.length} bytes`
  if (value instanceof Uint8Array) return `a Uint8Array of ${value.length} bytes`
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 80 ? value.slice(0, 80) + '…' : value)} (${value.length} characters)`
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`
}
