// Debug logging in the ecosystem's convention: `DEBUG=corestore-ts*` (or one namespace) prints what the
// store does at run time through the `debug` package; without DEBUG nothing is formatted.
import createDebug = require('debug')

/** One namespace's logger: printf-style, as `debug` takes it (`%s`, `%d`, `%o`). */
export interface Log {
  (format: string, ...args: unknown[]): void
  readonly enabled: boolean
}

function logger (name: string): Log {
  return createDebug(`corestore-ts:${name}`) as unknown as Log
}

/** Cores loaded and closed, active or passive; evictions. */
export const coresLog = logger('cores')
/** Cores peers asked for, channels closed for unknown keys or failed capabilities. */
export const peersLog = logger('peers')
/** The store: open, lock, master key, close. */
export const storeLog = logger('store')
/** The fixes applied when hypercore is loaded (noise-protocol, lazy pager). */
export const patchesLog = logger('patches')

/** A discovery key as logs show it: the first 12 hex digits. */
export function short (id: string | Buffer | null | undefined): string {
  if (id === null || id === undefined) return '(unknown)'
  const hex = typeof id === 'string' ? id : id.toString('hex')
  return hex.slice(0, 12)
}
