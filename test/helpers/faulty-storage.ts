import path = require('path')
import raf = require('random-access-file')
import type RandomAccessStorage = require('random-access-storage')

export type Operation = 'read' | 'write' | 'del' | 'stat'

interface Fault {
  file: string
  /** Only files whose path (relative to the folder) contains this, e.g. one core's discovery key. */
  where: string
  op: Operation
  /** How many more calls fail. */
  times: number
}

/**
 * A folder's files (random-access-file) whose next operations can be made to fail with EIO, file by
 * file (`data`, `tree`, `signatures`, `bitfield`, `key`...), as a failing disk would.
 */
export class FaultyFolder {
  readonly directory: string
  readonly #faults: Fault[] = []
  /** The faults that fired: `file op`. */
  readonly fired: string[] = []

  constructor (directory: string) {
    this.directory = directory
  }

  /** The storage function to give the store. */
  readonly storage = (name: string): RandomAccessStorage => this.#wrap(name, raf(name, { directory: this.directory }))

  /** The next `times` calls of `op` on every file named `file` (of one core, given `where`) fail with EIO. */
  fail (file: string, op: Operation, times = 1, where = ''): void {
    this.#faults.push({ file, op, times, where })
  }

  /** Faults that were armed and have not fired yet. */
  get pending (): number {
    return this.#faults.reduce((sum, fault) => sum + fault.times, 0)
  }

  #take (name: string, op: Operation): Error | null {
    const file = path.basename(name)
    const fault = this.#faults.find(f => f.file === file && f.op === op && f.times > 0 && name.includes(f.where))
    if (fault === undefined) return null
    fault.times--
    this.fired.push(`${file} ${op}`)
    return Object.assign(new Error(`EIO: i/o error, ${op} ${file} (injected)`), { code: 'EIO', errno: -5 })
  }

  #wrap (file: string, storage: RandomAccessStorage): RandomAccessStorage {
    const target = storage as unknown as Record<Operation, (...args: unknown[]) => void>
    for (const op of ['read', 'write', 'del', 'stat'] as const) {
      const original = target[op]
      if (typeof original !== 'function') continue
      target[op] = (...args: unknown[]): void => {
        const cb = args[args.length - 1] as (err: Error | null) => void
        const err = this.#take(file, op)
        if (err !== null) return process.nextTick(cb, err)
        original.apply(storage, args)
      }
    }
    return storage
  }
}
