// Callback or promise: the corestore@5 API takes callbacks, today's returns promises; both are offered.
import type { Callback } from './errors'

/** Calls back with the promise's outcome, or returns the promise when no callback is given (never an unhandled rejection). */
export function withCallback (promise: Promise<void>, cb: Callback | undefined): Promise<void> | void {
  if (typeof cb !== 'function') {
    promise.catch(() => {})
    return promise
  }
  promise.then(() => cb(null), err => cb(err))
}
