// The store's master key: the `master_key` file, loaded, created once, and never replaced.
import fs = require('fs')
import path = require('path')
import { INVALID_MASTER_KEY } from '../errors'
import type { Callback, CorestoreError } from '../errors'
import { isMissing, readFileWhole } from './files'
import { KEY_BYTES, randomBytes } from '../keys'
import { MASTER_KEY_FILE } from './layout'
import type { ResolvedStorage } from './resolve'

/**
 * Loads the master key, or creates it when there is none. An existing key is never replaced: a
 * file of any size but 0 or 32 bytes is an error. In a directory the key is written to a temporary
 * file and hard-linked into place, so a crash leaves either no `master_key` or the whole key.
 */
export function loadOrCreateMasterKey (storage: ResolvedStorage, cb: Callback<Buffer>): void {
  if (storage.directory !== null) {
    loadOrCreateInDirectory(storage.directory).then(key => cb(null, key), cb)
    return
  }
  const file = storage.open(MASTER_KEY_FILE)
  const done = (err: Error | null, key?: Buffer): void => file.close(() => err ? cb(err) : cb(null, key))
  file.stat((err, st) => {
    if (err !== null && err !== undefined && !isMissing(err)) return done(err)
    const size = (err === null || err === undefined) && st !== undefined ? st.size : 0
    if (size === 0) {
      const key = randomBytes(KEY_BYTES)
      return file.write(0, key, err => err ? done(err) : done(null, key))
    }
    const wrongSize = masterKeySizeError(size)
    if (wrongSize !== null) return done(wrongSize)
    file.read(0, KEY_BYTES, (err, key) => err ? done(err) : done(null, key))
  })
}

/** The folder's `master_key`: null when there is none (or it is empty); INVALID_MASTER_KEY when it is not 32 bytes. */
export async function readStoredMasterKey (directory: string): Promise<Buffer | null> {
  // Read without touching the file's access time: inspection never changes a folder.
  const key = await readFileWhole(path.join(path.resolve(directory), MASTER_KEY_FILE))
  if (key === null || key.length === 0) return null
  return checkMasterKey(key)
}

/** Why a `master_key` file of this many bytes (not 0, which means none) cannot be used; null when it can. */
export function masterKeySizeError (size: number): CorestoreError | null {
  if (size === KEY_BYTES) return null
  return INVALID_MASTER_KEY(`the ${MASTER_KEY_FILE} file holds ${size} bytes, expected ${KEY_BYTES}; it is left as it is`)
}

async function loadOrCreateInDirectory (directory: string): Promise<Buffer> {
  const target = path.join(directory, MASTER_KEY_FILE)
  await removeStrayTemporaries(directory)
  const existing = await readIfPresent(target)
  if (existing !== null && existing.length !== 0) return checkMasterKey(existing)

  await fs.promises.mkdir(directory, { recursive: true })
  const key = randomBytes(KEY_BYTES)
  const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  const handle = await fs.promises.open(tmp, 'wx')
  try {
    await handle.writeFile(key)
    await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    // An empty master_key (left by corestore@5 crashing mid-write) holds no key: replace only that.
    if (existing !== null) await fs.promises.rename(tmp, target)
    else await fs.promises.link(tmp, target)
  } catch (err) {
    // Another process created it first: theirs wins, never ours.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    const theirs = await readIfPresent(target)
    return checkMasterKey(theirs ?? Buffer.alloc(0))
  } finally {
    await fs.promises.rm(tmp, { force: true })
  }
  return key
}

const TEMPORARY = new RegExp(`^${MASTER_KEY_FILE}\\.(\\d+)\\.[0-9a-f]+\\.tmp$`)

/**
 * Removes the temporary key files that processes killed during their first start left behind. A file
 * whose process still runs (another store creating its key right now) is left alone.
 */
async function removeStrayTemporaries (directory: string): Promise<void> {
  let names: string[]
  try {
    names = await fs.promises.readdir(directory)
  } catch (err) {
    if (isMissing(err)) return
    throw err
  }
  for (const name of names) {
    const match = TEMPORARY.exec(name)
    if (match === null || isRunning(Number(match[1]))) continue
    await fs.promises.rm(path.join(directory, name), { force: true })
  }
}

function isRunning (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function checkMasterKey (key: Buffer): Buffer {
  const wrongSize = masterKeySizeError(key.length)
  if (wrongSize !== null) throw wrongSize
  return key
}

async function readIfPresent (file: string): Promise<Buffer | null> {
  try {
    return await fs.promises.readFile(file)
  } catch (err) {
    if (isMissing(err)) return null
    throw err
  }
}
