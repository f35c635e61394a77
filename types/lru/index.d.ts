declare module 'lru' {
  import { EventEmitter } from 'events'

  interface Element<V> { value: V, prev: string | null, next: string | null }

  class LRU<V> extends EventEmitter {
    constructor (opts?: number | { max?: number, maxAge?: number })
    /** Least recently used key; walk towards `head` through each element's `next`. */
    tail: string | null
    head: string | null
    length: number
    max: number
    cache: Record<string, Element<V>>
    readonly keys: string[]
    set (key: string, value: V): V
    get (key: string): V | undefined
    peek (key: string): V | undefined
    remove (key: string): V | undefined
    clear (): void
  }

  export = LRU
}
