// Guards on what hypercore@9 reads while a core opens. It takes most read errors for "not there": a
// transient EIO would open a core shorter than it is, and the next append would overwrite acknowledged
// blocks. Here the first I/O error met while opening fails the open (the core can be asked for again).
import type { Feed } from './load'
import { isIoError } from '../storage/files'

/** A file of a core as hypercore@9 reads it (random-access-storage). */
export interface CoreFile {
  read (offset: number, size: number, cb: (err: Error | null, data?: Buffer) => void): void
  stat?: (cb: (err: Error | null, st?: { size: number }) => void) => void
  statable?: boolean
}

/** What a core's files said while it opened: the first I/O error a read met, which fails the open. */
export interface OpenReads {
  opened: boolean
  failed: Error | null
  /** What the watch wrapped, unwrapped once the core opened (see `stopWatching`). */
  wrapped: Array<{ target: object, originals: Record<string, unknown> }>
}

/**
 * Watches a core file's reads until the core opened. hypercore@9 reads the bitfield, the signatures
 * and the tree at open and takes most read errors for "not there": a transient EIO would open the core
 * shorter than it is, and the next append would overwrite acknowledged blocks.
 */
export function watchOpenReads<F> (file: F, reads: OpenReads): F {
  const watched = file as unknown as CoreFile
  const note = (err: Error | null): void => noteOpenError(reads, err)
  const read = watched.read
  const originals: Record<string, unknown> = { read }
  watched.read = function (offset, size, cb) {
    read.call(this, offset, size, (err, data) => {
      note(err)
      cb(err, data)
    })
  }
  const stat = watched.stat
  if (typeof stat === 'function') {
    originals.stat = stat
    watched.stat = function (cb) {
      stat.call(this, (err, st) => {
        note(err)
        cb(err, st)
      })
    }
  }
  reads.wrapped.push({ target: watched, originals })
  return file
}

/** Records the first I/O error a read met while the core opens (later ones and other errors pass). */
export function noteOpenError (reads: OpenReads, err: Error | null): void {
  if (err !== null && !reads.opened && reads.failed === null && isIoError(err)) reads.failed = err
}

/** The core opened: its files and storage go back to their own methods (no wrapper per core stays). */
export function stopWatching (reads: OpenReads): void {
  reads.opened = true
  // Put the originals back (not `delete`: that would turn the objects into slow dictionaries).
  for (const { target, originals } of reads.wrapped) Object.assign(target, originals)
  reads.wrapped = []
}

/** hypercore@9's storage object: what it reads at open. */
interface FeedStorage {
  open (opts: unknown, cb: (err: Error | null, state?: unknown) => void): void
  getSignature (index: number, cb: (err: Error | null, signature?: Buffer) => void): void
}

/**
 * Makes an I/O error met while opening fail the open: hypercore@9's storage open reports it (it would
 * read an unreadable bitfield as empty), and once one was met no more signatures are read (hypercore
 * ignores their errors and steps back a block for each, down to a negative index).
 */
export function guardOpen (feed: Feed, reads: OpenReads): void {
  const storage = (feed as unknown as { _storage: FeedStorage })._storage
  const open = storage.open
  storage.open = function (opts, cb) {
    open.call(this, opts, (err, state) => cb(err ?? (reads.opened ? null : reads.failed), state))
  }
  const getSignature = storage.getSignature
  reads.wrapped.push({ target: storage, originals: { open, getSignature } })
  storage.getSignature = function (index, cb) {
    if (!reads.opened && reads.failed !== null) return process.nextTick(cb, reads.failed)
    getSignature.call(this, index, cb)
  }
}
