// Errors of the on-disk listing and inspection (lib/disk.ts), in the style of lib/errors.ts.
import { CorestoreError, describe } from './errors'

export const STORE_FOLDER_NOT_FOUND = (directory: string): CorestoreError =>
  new CorestoreError('STORE_FOLDER_NOT_FOUND', `No such folder: ${directory}`)

export const NOT_A_STORE = (directory: string, detail: string): CorestoreError =>
  new CorestoreError('NOT_A_STORE', `${directory} is not a corestore folder: ${detail}`)

export const STORAGE_NOT_LISTABLE = (storage: unknown): CorestoreError =>
  new CorestoreError('STORAGE_NOT_LISTABLE', `Only a store kept in a folder (storage given as a directory path) can list the cores it holds on disk, got ${typeof storage === 'function' ? 'a storage function' : describe(storage)}`)
