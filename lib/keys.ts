import sodium = require('sodium-native')
import z32 = require('z32')
import { INVALID_KEY, INVALID_MASTER_KEY } from './errors'

export interface KeyPair {
  publicKey: Buffer
  secretKey: Buffer
}

export const KEY_BYTES = 32
export const SECRET_KEY_BYTES = 64

/** The derive-key namespace corestore@5 derives core key pairs in. */
const CORESTORE_NAMESPACE = 'corestore'
const HYPERCORE = Buffer.from('hypercore', 'ascii')

export function randomBytes (n: number): Buffer {
  const buf = Buffer.alloc(n)
  sodium.randombytes_buf(buf)
  return buf
}

/**
 * derive-key@1, as corestore@5 used it (`inner._deriveSecret`): BLAKE2b-256 keyed with the master key
 * over "<ascii length of namespace>\n<namespace>" (ascii) followed by the input (a string as UTF-8).
 */
export function deriveSecret (masterKey: Buffer, namespace: string, input: Buffer | string): Buffer {
  const out = Buffer.alloc(32)
  const framing = Buffer.from(Buffer.byteLength(namespace, 'ascii') + '\n' + namespace, 'ascii')
  sodium.crypto_generichash_batch(out, [framing, Buffer.isBuffer(input) ? input : Buffer.from(input)], masterKey)
  return out
}

/** The ed25519 key pair of the core called `name` under `masterKey` (corestore@5 byte-exact). */
export function deriveKeyPair (masterKey: Buffer, name: Buffer): KeyPair {
  return keyPairFromSeed(deriveSecret(masterKey, CORESTORE_NAMESPACE, name))
}

/** The ed25519 key pair of a 32-byte seed (hypercore-crypto's `keyPair(seed)`). */
export function keyPairFromSeed (seed: Buffer): KeyPair {
  const publicKey = Buffer.alloc(sodium.crypto_sign_PUBLICKEYBYTES)
  const secretKey = Buffer.alloc(sodium.crypto_sign_SECRETKEYBYTES)
  sodium.crypto_sign_seed_keypair(publicKey, secretKey, seed)
  return { publicKey, secretKey }
}

export function discoveryKey (publicKey: Buffer): Buffer {
  const out = Buffer.alloc(KEY_BYTES)
  sodium.crypto_generichash(out, HYPERCORE, publicKey)
  return out
}

/** The public key that belongs to an ed25519 secret key: a keyPair option is checked against it. */
export function publicKeyOf (secretKey: Buffer): Buffer {
  const out = Buffer.alloc(sodium.crypto_sign_PUBLICKEYBYTES)
  sodium.crypto_sign_ed25519_sk_to_pk(out, secretKey)
  return out
}

const HEX_KEY = /^[0-9a-fA-F]{64}$/
const Z32_KEY = /^[ybndrfg8ejkmcpqxot1uwisza345h769]{52}$/

/** Accepts a 32-byte Buffer (or Uint8Array), 64 hex characters or 52 z-base-32 characters. */
export function parseKey (input: unknown, what = 'key'): Buffer {
  if (input instanceof Uint8Array) {
    if (input.byteLength !== KEY_BYTES) throw INVALID_KEY(what, input)
    return Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength)
  }
  if (typeof input === 'string') {
    if (HEX_KEY.test(input)) return Buffer.from(input, 'hex')
    if (Z32_KEY.test(input)) return z32.decode(input)
  }
  throw INVALID_KEY(what, input)
}

export function parseKeyPair (input: unknown): KeyPair {
  const pair = input as Partial<KeyPair> | null
  if (pair === null || typeof pair !== 'object') throw INVALID_KEY('keyPair', input, 'an object { publicKey, secretKey }')
  const publicKey = parseKey(pair.publicKey, 'keyPair.publicKey')
  const secretKey = pair.secretKey
  if (!(secretKey instanceof Uint8Array) || secretKey.byteLength !== SECRET_KEY_BYTES) {
    throw INVALID_KEY('keyPair.secretKey', secretKey, `${SECRET_KEY_BYTES} bytes`)
  }
  const secret = Buffer.from(secretKey)
  if (!publicKeyOf(secret).equals(publicKey)) {
    throw INVALID_KEY('keyPair', input, 'a secretKey that belongs to its publicKey')
  }
  return { publicKey, secretKey: secret }
}

export function parseMasterKey (input: unknown, option = 'masterKey'): Buffer {
  if (!(input instanceof Uint8Array) || input.byteLength !== KEY_BYTES) {
    throw INVALID_MASTER_KEY(`the ${option} option must be a 32-byte Buffer`)
  }
  return Buffer.from(input)
}

export function toHex (key: Buffer): string {
  return key.toString('hex')
}

export function toZ32 (key: Buffer): string {
  return z32.encode(key)
}
