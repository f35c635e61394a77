// Signatures hypercore@9 checks, remembered. A peer sends a core's root signature with every block
// it proves, so one download verifies the same (signature, roots, key) up to `maxRequests` times at
// once; ed25519 verification is the largest single cost of replication. Only successful checks of
// the exact same bytes are remembered, so a forged or altered signature is always verified again.
import sodium = require('sodium-native')

type Callback<T> = (err: Error | null, value?: T) => void

/** hypercore@9's `crypto` option. */
export interface HypercoreCrypto {
  sign (data: Buffer, secretKey: Buffer, cb: Callback<Buffer>): void
  /** hypercore@9 passes the signed message first (as hypercore-crypto's `verify(message, signature, key)`). */
  verify (data: Buffer, signature: Buffer, publicKey: Buffer, cb: Callback<boolean>): void
}

/** How many verified (signature, data, key) triples are remembered, most recently used kept. */
export const REMEMBERED_SIGNATURES = 4096

export function rememberingCrypto (capacity = REMEMBERED_SIGNATURES): HypercoreCrypto & { readonly remembered: number } {
  const verified = new Map<string, true>()
  return {
    get remembered () {
      return verified.size
    },
    sign (data, secretKey, cb) {
      const signature = Buffer.allocUnsafe(sodium.crypto_sign_BYTES)
      try {
        sodium.crypto_sign_detached(signature, data, secretKey)
      } catch (err) {
        return cb(err as Error)
      }
      cb(null, signature)
    },
    verify (data, signature, publicKey, cb) {
      const id = Buffer.concat([signature, publicKey, data]).toString('latin1')
      if (verified.delete(id)) {
        verified.set(id, true)
        return cb(null, true)
      }
      let valid = false
      try {
        valid = signature.length === sodium.crypto_sign_BYTES && sodium.crypto_sign_verify_detached(signature, data, publicKey)
      } catch {
        valid = false
      }
      if (valid) {
        verified.set(id, true)
        if (verified.size > capacity) verified.delete(verified.keys().next().value as string)
      }
      cb(null, valid)
    }
  }
}
