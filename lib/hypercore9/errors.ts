// hypercore@9 raises plain `Error`s, told apart only by their messages. Those that reach a caller
// through the store's API get a stable code here, the message left as hypercore wrote it, so code
// that matched the message keeps working and new code can test `err.code`.
import type { ErrorCode } from '../errors'

/** hypercore@9's messages (index.js, lib/storage.js, lib/replicate.js) and the codes they get. */
const CODES = new Map<string, ErrorCode>([
  ['Block not downloaded', 'BLOCK_NOT_AVAILABLE'],
  ['Block not available from peers', 'BLOCK_NOT_AVAILABLE'],
  ['No update available from peers', 'UPDATE_NOT_AVAILABLE'],
  ['Seek not available from peers', 'SEEK_NOT_AVAILABLE'],
  ['Request cancelled', 'REQUEST_CANCELLED'],
  ['Request timeout', 'REQUEST_TIMEOUT'],
  ['ETIMEDOUT', 'REQUEST_TIMEOUT'],
  ['Feed is closed', 'CORE_CLOSED'],
  ['Closed', 'CORE_CLOSED'],
  ['Feed is not writable', 'NOT_WRITABLE'],
  ['This feed is not writable. Did you create it?', 'NOT_WRITABLE'],
  ['Individual blocks has be less than 8MB', 'BLOCK_TOO_LARGE'],
  ['Expected length is less than current length', 'INVALID_ARGUMENT'],
  ['Out of bounds', 'OUT_OF_BOUNDS'],
  ['Unable to seek to this offset', 'OUT_OF_BOUNDS'],
  ['feed is empty', 'OUT_OF_BOUNDS'],
  ['No proof available for this index', 'PROOF_NOT_AVAILABLE'],
  ['No signature available for this index', 'PROOF_NOT_AVAILABLE'],
  ['Missing tree roots needed for verify', 'PROOF_NOT_AVAILABLE'],
  ['Remote checksum failed', 'VERIFICATION_FAILED'],
  ['Remote did not include a signature', 'VERIFICATION_FAILED'],
  ['Remote signature could not be verified', 'VERIFICATION_FAILED'],
  ['Signature verification failed', 'VERIFICATION_FAILED'],
  ['No node found', 'STORAGE_CORRUPT'],
  ['No signature found', 'STORAGE_CORRUPT'],
  ['Unexpected data size', 'STORAGE_CORRUPT'],
  ['No hypercore is stored here', 'CORE_NOT_FOUND'],
  ['Another hypercore is stored here', 'KEY_MISMATCH']
])

/**
 * Gives an error hypercore@9 raised a code, when it has none (an error with a code, the store's own
 * or the system's such as EIO, keeps it): the one its message stands for, or HYPERCORE_ERROR.
 */
export function codeHypercoreError<E> (err: E): E {
  if (err === null || typeof err !== 'object') return err
  const error = err as unknown as { code?: unknown, message?: unknown }
  if (typeof error.code === 'string') return err
  const code = typeof error.message === 'string' ? CODES.get(error.message) : undefined
  try {
    error.code = code ?? 'HYPERCORE_ERROR'
  } catch {}
  return err
}
