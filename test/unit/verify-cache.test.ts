import test from 'node:test'
import assert from 'node:assert/strict'
import sodium = require('sodium-native')
import { rememberingCrypto } from '../../lib/hypercore9/verify-cache'

function keyPair (): { publicKey: Buffer, secretKey: Buffer } {
  const publicKey = Buffer.alloc(sodium.crypto_sign_PUBLICKEYBYTES)
  const secretKey = Buffer.alloc(sodium.crypto_sign_SECRETKEYBYTES)
  sodium.crypto_sign_keypair(publicKey, secretKey)
  return { publicKey, secretKey }
}

function verify (crypto: ReturnType<typeof rememberingCrypto>, data: Buffer, signature: Buffer, publicKey: Buffer): boolean {
  let result: boolean | undefined
  crypto.verify(data, signature, publicKey, (err, valid) => {
    assert.equal(err, null)
    result = valid
  })
  assert.notEqual(result, undefined, 'answers synchronously, as hypercore\'s default does')
  return result as boolean
}

test('signatures made by the remembering crypto verify, and are remembered once verified', () => {
  const crypto = rememberingCrypto(8)
  const { publicKey, secretKey } = keyPair()
  const data = Buffer.alloc(32, 1)
  let signature: Buffer = Buffer.alloc(0)
  crypto.sign(data, secretKey, (err, sig) => {
    assert.equal(err, null)
    signature = sig as Buffer
  })
  assert.equal(signature.length, 64)
  assert.equal(verify(crypto, data, signature, publicKey), true)
  assert.equal(crypto.remembered, 1)
  assert.equal(verify(crypto, data, signature, publicKey), true)
  assert.equal(crypto.remembered, 1, 'the same triple is one entry')
})

test('a forged or altered signature, other data or another key never verifies and is never remembered', () => {
  const crypto = rememberingCrypto(8)
  const { publicKey, secretKey } = keyPair()
  const other = keyPair()
  const data = Buffer.alloc(32, 2)
  const signature = Buffer.alloc(64)
  sodium.crypto_sign_detached(signature, data, secretKey)
  assert.equal(verify(crypto, data, signature, publicKey), true)
  const altered = Buffer.from(signature)
  altered[5] = (altered[5] as number) ^ 1
  assert.equal(verify(crypto, data, altered, publicKey), false)
  assert.equal(verify(crypto, Buffer.alloc(32, 3), signature, publicKey), false)
  assert.equal(verify(crypto, data, signature, other.publicKey), false)
  assert.equal(verify(crypto, data, Buffer.alloc(10), publicKey), false, 'a short signature is false, not a throw')
  assert.equal(verify(crypto, data, altered, publicKey), false, 'still false the second time')
  assert.equal(crypto.remembered, 1)
})

test('at most `capacity` verified signatures are remembered, least recently used dropped first', () => {
  const crypto = rememberingCrypto(3)
  const { publicKey, secretKey } = keyPair()
  const signed = [0, 1, 2, 3].map(i => {
    const data = Buffer.alloc(32, i)
    const signature = Buffer.alloc(64)
    sodium.crypto_sign_detached(signature, data, secretKey)
    return { data, signature }
  })
  for (const { data, signature } of signed) assert.equal(verify(crypto, data, signature, publicKey), true)
  assert.equal(crypto.remembered, 3)
  // Every one still verifies (the dropped one is checked again).
  for (const { data, signature } of signed) assert.equal(verify(crypto, data, signature, publicKey), true)
  assert.equal(crypto.remembered, 3)
})
