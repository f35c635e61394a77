// How a store reaches its files: a folder (random-access-file under it) or the caller's storage function.
import path = require('path')
import type RandomAccessStorage = require('random-access-storage')
import raf = require('random-access-file')
import { INVALID_STORAGE } from './errors'

/** Opens the file at `name`, a path relative to the store root such as `7e/03/7e03…/tree`. */
export type StorageFunction = (name: string) => RandomAccessStorage

export interface ResolvedStorage {
  open: StorageFunction
  /** The root folder when the store lives in a directory: files are created atomically and can be listed. */
  directory: string | null
}

export function resolveStorage (storage: unknown): ResolvedStorage {
  if (typeof storage === 'string') {
    const directory = path.resolve(storage)
    return { open: name => raf(name, { directory }), directory }
  }
  if (typeof storage === 'function') return { open: storage as StorageFunction, directory: null }
  throw INVALID_STORAGE(storage)
}
