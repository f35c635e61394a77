// How a store reaches its files: a folder (its files behind a bounded descriptor pool) or the caller's
// storage function (left as it is).
import path = require('path')
import RandomAccessStorage = require('random-access-storage')
import raf = require('random-access-file')
import { INVALID_STORAGE, INVALID_STORAGE_RESULT } from '../errors'
import { DEFAULT_MAX_OPEN_FILES, FilePool } from './file-pool'

/** Opens the file at `name`, a path relative to the store root such as `7e/03/7e03…/tree`. */
export type StorageFunction = (name: string) => RandomAccessStorage

export interface ResolvedStorage {
  open: StorageFunction
  /** The root folder when the store lives in a directory: files are created atomically and can be listed. */
  directory: string | null
  /** The folder's descriptor pool (null for a storage function, or with no bound). */
  pool: FilePool | null
}

export function resolveStorage (storage: unknown, maxOpenFiles = DEFAULT_MAX_OPEN_FILES): ResolvedStorage {
  if (typeof storage === 'string') {
    const directory = path.resolve(storage)
    // No bound: one random-access-file per file, open while its core is, as corestore@5 did.
    if (maxOpenFiles === Infinity) return { open: name => raf(name, { directory }), directory, pool: null }
    const pool = new FilePool(maxOpenFiles)
    // As random-access-file: a name cannot climb out of the folder.
    return { open: name => pool.file(path.join(directory, path.resolve('/', name))), directory, pool }
  }
  if (typeof storage === 'function') return { open: checkedStorage(storage as StorageFunction), directory: null, pool: null }
  throw INVALID_STORAGE(storage)
}

/**
 * The caller's storage function, whose results are checked. Anything but a storage becomes a file
 * whose every operation fails with INVALID_STORAGE_RESULT, so the error reaches whoever reads or
 * writes it through their callback, never as a TypeError thrown inside hypercore.
 */
function checkedStorage (storage: StorageFunction): StorageFunction {
  return name => {
    const file: unknown = storage(name)
    const ras = file as Partial<RandomAccessStorage> | null | undefined
    if (ras !== null && typeof ras === 'object' && typeof ras.read === 'function' && typeof ras.write === 'function') {
      return file as RandomAccessStorage
    }
    const err = INVALID_STORAGE_RESULT(name, file)
    return new RandomAccessStorage({ open: req => req.callback(err) })
  }
}
