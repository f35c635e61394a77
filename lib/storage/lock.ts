// One store per folder: an exclusive flock(2) on the store's root folder. The kernel drops it when
// the process dies (kill -9 leaves no stale lock), and flock belongs to one open file description,
// so a second store in the same process is refused as well.
import fs = require('fs')
import lockFd = require('fd-lock')
import { STORAGE_LOCKED } from '../errors'

export class FolderLock {
  /** The locked folder, as an absolute path. */
  readonly directory: string
  #fd: number | null

  constructor (directory: string, fd: number) {
    this.directory = directory
    this.#fd = fd
  }

  get held (): boolean {
    return this.#fd !== null
  }

  /** Releases the lock and closes its descriptor; later calls do nothing. */
  release (): void {
    const fd = this.#fd
    if (fd === null) return
    this.#fd = null
    try {
      lockFd.unlock(fd)
    } finally {
      fs.closeSync(fd)
    }
  }
}

/**
 * Makes the folder when it is missing and locks it; STORAGE_LOCKED when another store (in this or
 * another process) holds it. The lock is on the folder itself, never a file in it, so folders
 * written by corestore@5 open unchanged and read-only inspection never meets it.
 */
export async function lockFolder (directory: string): Promise<FolderLock> {
  await fs.promises.mkdir(directory, { recursive: true })
  const fd = await new Promise<number>((resolve, reject) => {
    fs.open(directory, 'r', (err, fd) => err ? reject(err) : resolve(fd))
  })
  let locked: boolean
  try {
    locked = lockFd(fd)
  } catch (err) {
    fs.closeSync(fd)
    throw err
  }
  if (!locked) {
    fs.closeSync(fd)
    throw STORAGE_LOCKED(directory)
  }
  return new FolderLock(directory, fd)
}

/**
 * Whether some store (in any process) holds the folder's lock, told without taking it: the kernel
 * lists every flock in /proc/locks by device and inode. Null where that list cannot be read.
 */
export async function isFolderLocked (directory: string): Promise<boolean | null> {
  let locks: string
  try {
    locks = await fs.promises.readFile('/proc/locks', 'utf-8')
  } catch {
    return null
  }
  const { dev, ino } = await fs.promises.stat(directory, { bigint: true })
  // glibc's major() and minor() of st_dev; /proc/locks prints them in hex, the inode in decimal.
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn)
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn)
  for (const line of locks.split('\n')) {
    const match = /\bFLOCK\s+\S+\s+\S+\s+\S+\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s/.exec(line)
    if (match === null) continue
    if (BigInt('0x' + (match[1] ?? '')) === major && BigInt('0x' + (match[2] ?? '')) === minor && BigInt(match[3] ?? '') === ino) return true
  }
  return false
}
