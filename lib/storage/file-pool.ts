// A store folder's files behind a bounded pool of file descriptors. Every core file (random-access-
// storage, the interface hypercore@9 uses) opens on demand; once `maxOpen` descriptors are open, an
// idle one picked at random closes, and reopens when next needed. A descriptor that an operation is
// using is never closed under it. Same bytes on disk as random-access-file.
//
// Random, not least recently used: replication walks many cores in turn, and a cyclic walk over more
// files than the pool holds misses every time under LRU, while a random pick keeps about
// maxOpen / files of them open across the cycle.
import fs = require('fs')
import path = require('path')
import RandomAccessStorage = require('random-access-storage')
import { SHORT_READ } from '../errors'

type Request = RandomAccessStorage.Request

const issueWrites = (file: PooledFile): void => file.issueWrites()

/** The pool's default bound: well under the usual soft limit of 1,024 descriptors per process. */
export const DEFAULT_MAX_OPEN_FILES = 512

// A file's `pendingMode`.
const WAIT_READ = 0
const WAIT_WRITE = 1
const OPEN_READ = 2
const OPEN_WRITE = 3

/**
 * One file of a core. It holds a descriptor only while the pool lets it; between operations the pool
 * may close it, and the next operation reopens it (read-write when the file exists or is written).
 */
export class PooledFile extends RandomAccessStorage {
  readonly filename: string
  readonly #pool: FilePool
  fd = -1
  /** Whether `fd` was opened for writing. */
  writableFd = false
  /** Operations using `fd` right now. */
  busy = 0
  /** Its place among the pool's open files (-1: closed). */
  slot = -1
  /** Writes not yet issued (see `_write`); null when there are none. */
  queued: Request[] | null = null
  /** Whether a batch of writes is under way. */
  writing = false
  /** Reads, stats and truncations waiting for the batch under way to be written (null: none). */
  afterBatch: Array<() => void> | null = null
  /** The same for the next batch, the writes in `queued` (null: none). */
  afterNext: Array<() => void> | null = null
  /** While it opens, or waits for room to open: the operations waiting for it (null otherwise). */
  pending: Array<(err: Error | null) => void> | null = null
  /** With `pending`: whether it waits for room or opens, for a write (read-write) or only reads. */
  pendingMode = WAIT_READ

  constructor (pool: FilePool, filename: string) {
    super()
    this.#pool = pool
    this.filename = filename
  }

  _open (req: Request): void {
    req.callback(null)
  }

  _read (req: Request): void {
    this.#afterWrites(() => this.#pool.use(this, false, (err, fd) => {
      if (err !== null) return req.callback(err)
      readFully(fd, req.size, req.offset, this.filename, (err, data) => {
        this.#pool.done(this)
        req.callback(err, data)
      })
    }))
  }

  /**
   * Runs `op` (a read, stat or truncation) once every write requested before it is on disk, so it
   * never passes one: waiting writes go out now, and `op` waits for the batch that carries them. Sent
   * to libuv's thread pool together, a write and a read of the same file could run in either order.
   */
  #afterWrites (op: () => void): void {
    this.#issueWrites()
    if (!this.writing) return op()
    // Writes queued behind the batch under way were requested before `op`: it waits for theirs.
    if (this.queued === null) (this.afterBatch ??= []).push(op)
    else (this.afterNext ??= []).push(op)
  }

  /**
   * Writes that arrive in one turn, or while earlier ones are under way, go out together: one write
   * for each run that continues where the last ended. A replicated block writes its data, tree nodes
   * and bitfield page right after the previous block's, and a chunk from a peer carries several
   * blocks: writing at the end of the turn takes them in one call per file, where a write at once
   * took one call per block (each call a trip through libuv's thread pool, the replica's main cost).
   * Concurrent requests were never ordered; a request's callback still runs only once its bytes are
   * written.
   */
  _write (req: Request): void {
    if (this.queued !== null) {
      this.queued.push(req)
      return
    }
    this.queued = [req]
    if (!this.writing) setImmediate(issueWrites, this)
  }

  /** Sends the writes waiting to go out, unless a batch is under way (its end sends them). */
  #issueWrites (): void {
    if (this.writing || this.queued === null) return
    const batch = this.queued
    this.queued = null
    this.writing = true
    this.#writeRuns(batch)
  }

  /** `#issueWrites` for the turn's end (a write issued since by a read or a batch's end is gone). */
  issueWrites (): void {
    this.#issueWrites()
  }

  #writeRuns (batch: Request[]): void {
    const { requests, riders } = supersede(batch)
    let pending = 0
    let start = 0
    const finished = (): void => {
      if (--pending > 0) return
      this.writing = false
      const ready = this.afterBatch
      // The queued writes go out next (`afterNext` is only ever set while some are queued).
      this.afterBatch = this.afterNext
      this.afterNext = null
      this.#issueWrites()
      if (ready !== null) for (const op of ready) op()
    }
    for (let i = 1; i <= requests.length; i++) {
      const last = requests[i - 1] as Request
      const next = requests[i]
      if (next !== undefined && next.offset === last.offset + (last.data as Buffer).length) continue
      pending++
      this.#writeRun(requests.slice(start, i), riders, finished)
      start = i
    }
  }

  #writeRun (run: Request[], riders: Map<Request, Request[]> | null, finished: () => void): void {
    const data = run.length === 1 ? (run[0] as Request).data as Buffer : Buffer.concat(run.map(req => req.data as Buffer))
    const answer = (err: Error | null): void => {
      for (const req of run) {
        for (const rider of riders?.get(req) ?? []) rider.callback(err)
        req.callback(err)
      }
    }
    this.#pool.use(this, true, (err, fd) => {
      if (err !== null) {
        answer(err)
        return finished()
      }
      writeFully(fd, data, (run[0] as Request).offset, err => {
        this.#pool.done(this)
        answer(err)
        finished()
      })
    })
  }

  _del (req: Request): void {
    // As random-access-file: only a deletion that reaches the end of the file shortens it.
    this.#afterWrites(() => this.#pool.use(this, true, (err, fd) => {
      if (err !== null) return req.callback(err)
      fs.fstat(fd, (err, st) => {
        if (err !== null || req.offset + req.size < st.size) {
          this.#pool.done(this)
          return req.callback(err)
        }
        fs.ftruncate(fd, req.offset, err => {
          this.#pool.done(this)
          req.callback(err)
        })
      })
    }))
  }

  _stat (req: Request): void {
    this.#afterWrites(() => this.#pool.use(this, false, (err, fd) => {
      if (err !== null) return req.callback(err)
      fs.fstat(fd, (err, st) => {
        this.#pool.done(this)
        req.callback(err, st)
      })
    }))
  }

  _close (req: Request): void {
    this.#pool.closeFile(this, err => req.callback(err))
  }

  _destroy (req: Request): void {
    fs.unlink(this.filename, err => req.callback(err !== null && err.code !== 'ENOENT' ? err : null))
  }
}

/** The descriptors of one store's files. */
export class FilePool {
  readonly maxOpen: number
  /** The files holding a descriptor, busy ones too (they are skipped when closing). */
  readonly #open: PooledFile[] = []
  /** Folders known to exist: a write creates a file's folder once, not on every open. */
  readonly #folders = new Set<string>()
  /** Closed files whose operations wait for a descriptor, longest waiting first. */
  #waitingFiles: PooledFile[] = []
  /** Operations waiting to reopen a read-only descriptor read-write, oldest first. */
  readonly #upgrading: Array<() => void> = []
  /** Descriptors being opened now (they count against the bound). */
  #opening = 0

  constructor (maxOpen = DEFAULT_MAX_OPEN_FILES) {
    this.maxOpen = maxOpen
  }

  /** How many descriptors are open now. */
  get openCount (): number {
    return this.#open.length
  }

  /** How many files wait for a descriptor now. */
  get waitingCount (): number {
    return this.#waitingFiles.length
  }

  /** A file of the store, opened on demand. */
  file (filename: string): PooledFile {
    return new PooledFile(this, filename)
  }

  /**
   * Gives `file` a descriptor (read-write when `write`) for one operation; `done` hands it back. When
   * every descriptor is in use the operation waits for one, so the bound holds under any load.
   */
  use (file: PooledFile, write: boolean, cb: (err: Error | null, fd: number) => void): void {
    if (file.fd !== -1 && (file.writableFd || !write)) {
      file.busy++
      return cb(null, file.fd)
    }
    // Opening, or waiting for room to open: go with the operations already waiting on this file.
    if (file.pending !== null) {
      // Not opening yet: a write among them opens it read-write. Already opening read-only for reads: a
      // write tries again after, as a missing file only opens for a write (which creates it).
      if (write && file.pendingMode === WAIT_READ) file.pendingMode = WAIT_WRITE
      const covered = !write || file.pendingMode === WAIT_WRITE || file.pendingMode === OPEN_WRITE
      file.pending.push(err => err !== null && covered ? cb(err, -1) : this.use(file, write, cb))
      return
    }
    if (file.fd !== -1) {
      // Open read-only and now written to: reopen read-write once nothing else uses the old one.
      if (file.busy > 0) {
        this.#upgrading.push(() => this.use(file, write, cb))
        return
      }
      this.#forget(file)
    }
    file.pending = [err => err !== null ? cb(err, -1) : this.use(file, write, cb)]
    file.pendingMode = write ? WAIT_WRITE : WAIT_READ
    if (this.#makeRoom()) this.#start(file)
    else this.#waitingFiles.push(file)
  }

  /**
   * Opens `file` for the operations waiting on it, then runs them all: a file many operations wait
   * for costs one descriptor and one open, not one per operation.
   */
  #start (file: PooledFile): void {
    this.#opening++
    const write = file.pendingMode === WAIT_WRITE
    file.pendingMode = write ? OPEN_WRITE : OPEN_READ
    this.#openFd(file, write, (err, fd, writable) => {
      this.#opening--
      const waiting = file.pending ?? []
      file.pending = null
      if (err === null) {
        file.fd = fd
        file.writableFd = writable
        file.slot = this.#open.length
        this.#open.push(file)
        // Held while the waiting operations start, so none of their reopen paths can close it.
        file.busy++
      }
      for (const run of waiting) run(err)
      if (err === null) this.done(file)
      else this.#wakeOne()
    })
  }

  done (file: PooledFile): void {
    file.busy--
    if (file.busy === 0) this.#wakeOne()
  }

  closeFile (file: PooledFile, cb: (err: Error | null) => void): void {
    if (file.fd === -1) return process.nextTick(cb, null)
    const fd = file.fd
    this.#unslot(file)
    file.fd = -1
    file.writableFd = false
    fs.close(fd, err => {
      this.#wakeOne()
      cb(err)
    })
  }

  /**
   * A descriptor went idle or closed: an operation waiting to reopen a file read-write tries again,
   * else the file waiting longest opens if there is room now.
   */
  #wakeOne (): void {
    const upgrade = this.#upgrading.shift()
    if (upgrade !== undefined) return upgrade()
    if (this.#waitingFiles.length === 0 || !this.#makeRoom()) return
    this.#start(this.#waitingFiles.shift() as PooledFile)
  }

  /** Closes idle descriptors until one more fits under `maxOpen`; false when none can close. */
  #makeRoom (): boolean {
    while (this.#open.length + this.#opening >= this.maxOpen) {
      if (!this.#closeOneIdle()) return false
    }
    return true
  }

  #unslot (file: PooledFile): void {
    const slot = file.slot
    if (slot === -1) return
    const last = this.#open.pop() as PooledFile
    if (last !== file) {
      this.#open[slot] = last
      last.slot = slot
    }
    file.slot = -1
  }

  #forget (file: PooledFile): void {
    const fd = file.fd
    this.#unslot(file)
    file.fd = -1
    file.writableFd = false
    if (fd !== -1) fs.close(fd, () => {})
  }

  #openFd (file: PooledFile, write: boolean, cb: (err: Error | null, fd: number, writable: boolean) => void): void {
    // A file that exists opens read-write, so a later write needs no reopen; a read-only folder falls back.
    fs.open(file.filename, write ? fs.constants.O_RDWR | fs.constants.O_CREAT : fs.constants.O_RDWR, (err, fd) => {
      if (err === null) return cb(null, fd, true)
      if (err.code === 'EMFILE' || err.code === 'ENFILE') {
        // The process ran out elsewhere: give back an idle descriptor of ours and try once more.
        if (this.#closeOneIdle()) return this.#openFd(file, write, cb)
        return cb(err, -1, false)
      }
      if (err.code === 'ENOENT' && write) {
        const folder = path.dirname(file.filename)
        if (this.#folders.has(folder)) return cb(err, -1, false)
        return fs.mkdir(folder, { recursive: true }, mkdirErr => {
          if (mkdirErr !== null) return cb(mkdirErr, -1, false)
          this.#folders.add(folder)
          this.#openFd(file, write, cb)
        })
      }
      if (!write && (err.code === 'EACCES' || err.code === 'EROFS' || err.code === 'EPERM')) {
        return fs.open(file.filename, fs.constants.O_RDONLY, (err, fd) => cb(err, fd, false))
      }
      cb(err, -1, false)
    })
  }

  /** Closes one idle descriptor, the first idle one from a random place on; false when all are busy. */
  #closeOneIdle (): boolean {
    const count = this.#open.length
    const start = Math.floor(Math.random() * count)
    for (let i = 0; i < count; i++) {
      const file = this.#open[(start + i) % count] as PooledFile
      if (file.busy > 0) continue
      this.#forget(file)
      return true
    }
    return false
  }
}

/**
 * Leaves out of a batch of writes each one that a later write of the batch overwrites whole from the
 * same offset (hypercore writing a tree node again when the proofs of two blocks in flight share it;
 * more rarely a bitfield page flushed again while its last flush was under way). Its callback rides
 * on the later write's: the file ends up as if both were written in order, which the writes of one
 * batch, issued together, were not guaranteed to be before.
 */
function supersede (batch: Request[]): { requests: Request[], riders: Map<Request, Request[]> | null } {
  if (batch.length < 2) return { requests: batch, riders: null }
  const lastAt = new Map<number, Request>()
  for (const req of batch) lastAt.set(req.offset, req)
  if (lastAt.size === batch.length) return { requests: batch, riders: null }
  const requests: Request[] = []
  const riders = new Map<Request, Request[]>()
  for (const req of batch) {
    const last = lastAt.get(req.offset) as Request
    if (last === req || (last.data as Buffer).length < (req.data as Buffer).length) {
      requests.push(req)
      continue
    }
    const list = riders.get(last)
    if (list === undefined) riders.set(last, [req])
    else list.push(req)
  }
  return { requests, riders }
}

function readFully (fd: number, size: number, offset: number, filename: string, cb: (err: Error | null, data?: Buffer) => void): void {
  const data = Buffer.allocUnsafe(size)
  if (size === 0) return process.nextTick(cb, null, data)
  let done = 0
  const next = (): void => {
    fs.read(fd, data, done, size - done, offset + done, (err, read) => {
      if (err !== null) return cb(err)
      if (read === 0) return cb(Object.assign(SHORT_READ(), { path: filename }))
      done += read
      if (done === size) return cb(null, data)
      next()
    })
  }
  next()
}

function writeFully (fd: number, data: Buffer, offset: number, cb: (err: Error | null) => void): void {
  let done = 0
  const next = (): void => {
    fs.write(fd, data, done, data.length - done, offset + done, (err, wrote) => {
      if (err !== null) return cb(err)
      done += wrote
      if (done === data.length) return cb(null)
      next()
    })
  }
  next()
}
