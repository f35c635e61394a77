/* eslint-disable camelcase */
declare module 'sodium-native' {
  export const crypto_sign_PUBLICKEYBYTES: number
  export const crypto_sign_SECRETKEYBYTES: number
  export const crypto_sign_SEEDBYTES: number
  export const crypto_generichash_BYTES: number
  export function crypto_generichash (out: Buffer, input: Buffer, key?: Buffer): void
  export function crypto_generichash_batch (out: Buffer, inputs: Buffer[], key?: Buffer): void
  export function crypto_sign_seed_keypair (pk: Buffer, sk: Buffer, seed: Buffer): void
  export function crypto_sign_keypair (pk: Buffer, sk: Buffer): void
  export function crypto_sign_ed25519_sk_to_pk (pk: Buffer, sk: Buffer): void
  export function randombytes_buf (buf: Buffer): void
  export const crypto_sign_BYTES: number
  export function crypto_sign_detached (sig: Buffer, message: Buffer, sk: Buffer): void
  export function crypto_sign_verify_detached (sig: Buffer, message: Buffer, pk: Buffer): boolean
}
