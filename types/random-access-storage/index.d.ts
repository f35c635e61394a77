declare module 'random-access-storage' {
  import { EventEmitter } from 'events'

  namespace RandomAccessStorage {
    type Callback<T = void> = (err: Error | null, value?: T) => void

    interface Request {
      /** 0 read, 1 write, 2 del, 3 stat, 4 open, 5 close, 6 destroy. */
      type: number
      offset: number
      size: number
      data: Buffer | null
      callback (err: Error | null, value?: any): void
    }

    interface Handlers {
      open? (req: Request): void
      openReadonly? (req: Request): void
      read? (req: Request): void
      write? (req: Request): void
      del? (req: Request): void
      stat? (req: Request): void
      close? (req: Request): void
      destroy? (req: Request): void
    }

    interface Stat { size: number }
  }

  class RandomAccessStorage extends EventEmitter {
    constructor (handlers?: RandomAccessStorage.Handlers)
    readable: boolean
    writable: boolean
    deletable: boolean
    statable: boolean
    opened: boolean
    closed: boolean
    destroyed: boolean
    open (cb?: RandomAccessStorage.Callback): void
    read (offset: number, size: number, cb: RandomAccessStorage.Callback<Buffer>): void
    write (offset: number, data: Buffer, cb?: RandomAccessStorage.Callback): void
    del (offset: number, size: number, cb?: RandomAccessStorage.Callback): void
    stat (cb: RandomAccessStorage.Callback<RandomAccessStorage.Stat>): void
    close (cb?: RandomAccessStorage.Callback): void
    destroy (cb?: RandomAccessStorage.Callback): void
  }

  export = RandomAccessStorage
}
