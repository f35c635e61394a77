// The command-line tool's own failures, kept out of the library's error codes. They have the
// library's shape: a stable `code` that the dispatcher and scripts test, never the message.

/** Every code a `CliError` can carry. */
export type CliErrorCode =
  | 'USAGE'
  | 'COMMAND_UNAVAILABLE'
  | 'AUDIT_FAILED'
  | 'CONNECT_FAILED'
  | 'CORE_NOT_SERVED'
  | 'TIMEOUT'
  | 'LISTEN_FAILED'
  | 'NO_CORES'
  | 'NOT_A_STATUS_PAGE'

export class CliError extends Error {
  constructor (readonly code: CliErrorCode, message: string) {
    super(message)
    this.name = 'CliError'
  }
}

/** Bad command-line arguments (the tool exits 2); the dispatcher points at the command's `--help`. */
export const USAGE = (message: string): CliError => new CliError('USAGE', message)

/** A command this build of the tool cannot load. */
export const COMMAND_UNAVAILABLE = (message: string): CliError => new CliError('COMMAND_UNAVAILABLE', message)

export const AUDIT_FAILED = (keyHex: string, valid: number, invalid: number): CliError =>
  new CliError('AUDIT_FAILED', `The copy of ${keyHex} failed verification: ${invalid} of ${valid + invalid} blocks do not match its Merkle tree`)

/** `reason`: the system's error code, such as ECONNREFUSED, or its message. */
export const CONNECT_FAILED = (address: string, reason: string): CliError =>
  new CliError('CONNECT_FAILED', `Cannot connect to ${address}: ${reason}`)

/** Every peer the clone reached said it does not serve the core; the message says who, and what the key may be. */
export const CORE_NOT_SERVED = (message: string): CliError => new CliError('CORE_NOT_SERVED', message)

/** Nothing happened for as long as the user allowed; the message says what was awaited. */
export const TIMEOUT = (message: string): CliError => new CliError('TIMEOUT', message)

/** `reason`: the system's error code, such as EADDRINUSE, or its message. */
export const LISTEN_FAILED = (address: string, reason: string): CliError =>
  new CliError('LISTEN_FAILED', `Cannot listen on TCP ${address}: ${reason}`)

export const NO_CORES = (directory: string): CliError =>
  new CliError('NO_CORES', `${directory} holds no cores to seed`)

/** What answers at an address is not a store's status page (no /stats.json with a store's snapshot). */
export const NOT_A_STATUS_PAGE = (url: string): CliError =>
  new CliError('NOT_A_STATUS_PAGE', `${url} is not a corestore-ts status page: it serves no store snapshot at stats.json (start one with store.serveStatus() or corestore-ts seed --status)`)
