// Small reads and closes over random-access-storage files and the file system, shared by the storage modules.
import fs = require('fs')
import type RandomAccessStorage = require('random-access-storage')
import type { Callback } from '../errors'

/** Whether a file-system error means "not there" (a missing file, or a file where a folder was expected). */
export function isMissing (err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code
  return code === 'ENOENT' || code === 'ENOTDIR'
}

/** An error from the operating system (EIO, EMFILE...), as opposed to reading past the end of a file. */
export function isIoError (err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) && code !== 'ENOENT'
}

/** The first `size` bytes of a file; `null` when it is missing or shorter. Read errors are reported. */
export function readExact (file: RandomAccessStorage, size: number, cb: (err: Error | null, value: Buffer | null) => void): void {
  file.stat((err, st) => {
    if (err !== null && err !== undefined) return isMissing(err) || !hasCode(err) ? cb(null, null) : cb(err, null)
    if (st === undefined || st.size < size) return cb(null, null)
    file.read(0, size, (err, buf) => {
      if (err !== null && err !== undefined) return cb(err, null)
      cb(null, buf ?? null)
    })
  })
}

/** The whole file; `null` when it is missing or empty. */
export function readWhole (file: RandomAccessStorage, cb: (err: Error | null, value: Buffer | null) => void): void {
  file.stat((err, st) => {
    if (err !== null && err !== undefined) return isMissing(err) || !hasCode(err) ? cb(null, null) : cb(err, null)
    if (st === undefined || st.size === 0) return cb(null, null)
    file.read(0, st.size, (err, buf) => {
      if (err !== null && err !== undefined) return cb(err, null)
      cb(null, buf ?? null)
    })
  })
}

/** Runs `fn` on every file at once; calls back once all are done, with the first error. */
export function eachFile (files: RandomAccessStorage[], fn: (file: RandomAccessStorage, done: Callback) => void, cb: Callback): void {
  let pending = files.length + 1
  let error: Error | null = null
  const done = (err?: Error | null): void => {
    if (err !== null && err !== undefined && error === null) error = err
    if (--pending === 0) cb(error)
  }
  for (const file of files) fn(file, done)
  done(null)
}

// Storages such as random-access-memory answer a stat of a file never written with an uncoded "Not
// found" error: that means missing too. Errors with an errno code (EIO, EMFILE...) are real failures.
function hasCode (err: Error): boolean {
  return typeof (err as NodeJS.ErrnoException).code === 'string'
}

// Reads never update access times where the platform allows it (O_NOATIME needs the file's owner or root).
let noAtime = fs.constants.O_NOATIME ?? 0

/** Opens a file to read without moving its access time; null when it is missing or a folder. */
export async function openFileNoAtime (file: string): Promise<fs.promises.FileHandle | null> {
  try {
    return await fs.promises.open(file, fs.constants.O_RDONLY | noAtime)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EPERM' && noAtime !== 0) {
      noAtime = 0
      return openFileNoAtime(file)
    }
    if (isMissing(err) || code === 'EISDIR') return null
    throw err
  }
}

/** A whole file, read without moving its access time; null when it is missing. */
export async function readFileWhole (file: string): Promise<Buffer | null> {
  const handle = await openFileNoAtime(file)
  if (handle === null) return null
  try {
    return await handle.readFile()
  } finally {
    await handle.close()
  }
}

/** The first `size` bytes; null when the file is missing or shorter (as the store reads key files). */
export async function readFilePrefix (file: string, size: number): Promise<Buffer | null> {
  const handle = await openFileNoAtime(file)
  if (handle === null) return null
  try {
    const buf = Buffer.alloc(size)
    const { bytesRead } = await handle.read(buf, 0, size, 0)
    return bytesRead === size ? buf : null
  } finally {
    await handle.close()
  }
}
