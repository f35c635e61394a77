// Cores asked for by name before the store knew its master key (today's API: `get({ name })` before
// `ready()`). Their discovery key is not known yet, so they wait here, by hex name, with the views that
// asked, until the key is loaded (then they are filed in the cache) or cannot be (then they fail).
import type { Holder } from './cache'

interface PendingName<C> {
  readonly core: C
  readonly holders: Set<Holder>
  /** Lets the core read its files once its discovery key is known, or fails it. */
  readonly admit: (err: Error | null) => void
}

export class PendingNames<C> {
  readonly #byName = new Map<string, PendingName<C>>()

  get size (): number {
    return this.#byName.size
  }

  /** The waiting core of a name, if any. */
  get (nameHex: string): C | undefined {
    return this.#byName.get(nameHex)?.core
  }

  /**
   * The waiting core of a name, made by `create` when there is none: `create` gets the promise the
   * core must wait for before it reads its files. `holder` (a view, or null) waits with it.
   */
  hold (nameHex: string, holder: Holder | null, create: (admitted: Promise<void>) => C): C {
    let pending = this.#byName.get(nameHex)
    if (pending === undefined) {
      let admit: (err: Error | null) => void = () => {}
      const admitted = new Promise<void>((resolve, reject) => { admit = err => err === null ? resolve() : reject(err) })
      pending = { core: create(admitted), holders: new Set(), admit }
      this.#byName.set(nameHex, pending)
    }
    if (holder !== null) pending.holders.add(holder)
    return pending.core
  }

  /** A core that never waits: `create`'s core, failed at once with `err` (the master key cannot be had). */
  static failed<C> (err: Error, create: (admitted: Promise<void>) => C): C {
    const admitted = Promise.reject(err)
    admitted.catch(() => {})
    return create(admitted)
  }

  /** Every waiting name, taken out: `file` places each one (and says whether it may open). */
  settle (file: (nameHex: string, core: C, holders: ReadonlySet<Holder>) => Error | null): void {
    for (const [nameHex, { core, holders, admit }] of this.#byName) {
      this.#byName.delete(nameHex)
      admit(file(nameHex, core, holders))
    }
  }

  /** Fails every waiting core with the error `reason` makes and forgets them; returns them. */
  failAll (reason: () => Error): C[] {
    const waiting = [...this.#byName.values()]
    this.#byName.clear()
    for (const { admit } of waiting) admit(reason())
    return waiting.map(pending => pending.core)
  }

  /** A view let go of everything it held. */
  release (holder: Holder): void {
    for (const pending of this.#byName.values()) pending.holders.delete(holder)
  }

  /** Forgets a core that closed or failed. */
  forget (core: C): void {
    for (const [nameHex, pending] of this.#byName) {
      if (pending.core === core) this.#byName.delete(nameHex)
    }
  }
}
