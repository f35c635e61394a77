// Where corestore@5 keeps things in a store folder (or under a storage function's names).
import { discoveryKey } from '../keys'

export const MASTER_KEY_FILE = 'master_key'

/** `ab/cd/abcd…`: the folder of the core with this discovery key. */
export function coreRoot (discoveryKeyHex: string): string {
  return `${discoveryKeyHex.slice(0, 2)}/${discoveryKeyHex.slice(2, 4)}/${discoveryKeyHex}`
}

/** `ab/cd/abcd…/<file>`: one file of a core (`key`, `name`, `secret_key`, `tree`, `data`, `bitfield`, `signatures`). */
export function coreFile (discoveryKeyHex: string, file: string): string {
  return `${coreRoot(discoveryKeyHex)}/${file}`
}

/**
 * The one test of whether a core's `key` file (its first 32 bytes, or null when it has fewer) holds
 * the public key of the core stored under `dkey`: a folder whose key file says otherwise holds no core.
 */
export function keyFileHolds (stored: Buffer | null, dkey: Buffer): stored is Buffer {
  return stored !== null && discoveryKey(stored).equals(dkey)
}
