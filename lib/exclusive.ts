import type { Core } from './core'
import { SESSION_CLOSED } from './errors'

/**
 * Writer locks for `get({ exclusive: true })`. Every `get` of a loaded core returns the same
 * instance (corestore@5's guarantee), so an exclusive writer cannot get a core of its own: it gets
 * a handle to the shared core whose `ready()` and writes wait until every earlier exclusive handle
 * of that core has been closed, and whose `close()` releases the lock (the core itself stays open
 * while other views hold it).
 */
export class ExclusiveLocks {
  /** Per core (hex discovery key): the release promise of the newest waiter in line. */
  readonly #tails = new Map<string, Promise<void>>()

  /** Queues for the lock; `acquired` resolves when it is ours, `release` hands it on. */
  acquire (id: string): { acquired: Promise<void>, release: () => void } {
    const previous = this.#tails.get(id) ?? Promise.resolve()
    let release = (): void => {}
    const released = new Promise<void>(resolve => { release = resolve })
    const tail = previous.then(() => released)
    this.#tails.set(id, tail)
    tail.then(() => { if (this.#tails.get(id) === tail) this.#tails.delete(id) }, () => {})
    let done = false
    return {
      acquired: previous,
      release: () => {
        if (done) return
        done = true
        release()
      }
    }
  }
}

const WAITING = new Set(['ready', 'append', 'truncate', 'clear', 'destroyStorage'])

/** Takes the writer lock of `core` once its discovery key is known, and returns its exclusive handle. */
export function lockCore (locks: ExclusiveLocks, core: Core, idOf: (core: Core) => string): { handle: Core, release: () => void } {
  let release = (): void => {}
  let released = false
  const acquired = core.ready().then(async () => {
    const lock = locks.acquire(idOf(core))
    release = lock.release
    if (released) return lock.release()
    await lock.acquired
  })
  acquired.catch(() => {}) // reported by the handle's own calls
  const releaseOnce = (): void => {
    released = true
    release()
  }
  return { handle: exclusiveHandle(core, acquired, releaseOnce, () => Promise.resolve()), release: releaseOnce }
}

/** A handle to `core` whose writes wait for `acquired` and whose close releases the lock. */
export function exclusiveHandle (core: Core, acquired: Promise<void>, release: () => void, onClose: () => Promise<void>): Core {
  let closed: Promise<void> | null = null
  const close = (...args: unknown[]): Promise<void> | undefined => {
    const cb = args.find(a => typeof a === 'function') as ((err: Error | null) => void) | undefined
    if (closed === null) {
      closed = onClose().finally(release)
    }
    if (cb === undefined) return closed
    closed.then(() => cb(null), err => cb(err))
    return undefined
  }
  return new Proxy(core, {
    get (target, prop, receiver) {
      if (prop === 'close') return close
      if (prop === 'exclusive') return true
      const value: unknown = Reflect.get(target, prop, target)
      if (typeof value !== 'function') return value
      const method = value as (...args: unknown[]) => unknown
      if (typeof prop !== 'string' || !WAITING.has(prop)) return method.bind(target)
      return (...args: unknown[]): unknown => {
        const cb = typeof args[args.length - 1] === 'function' ? args[args.length - 1] as (err: Error | null) => void : null
        const run = acquired.then(() => {
          if (closed !== null) throw SESSION_CLOSED()
          return method.apply(target, args) as unknown
        })
        if (cb !== null) {
          run.catch(err => cb(err as Error))
          return undefined
        }
        return run
      }
    }
  })
}
