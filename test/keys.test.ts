import test from 'node:test'
import assert from 'node:assert/strict'
import z32 = require('z32')
import { deriveKeyPair, discoveryKey, parseKey, parseKeyPair, parseMasterKey } from '../lib/keys'
import { decodeName, encodeName } from '../lib/storage/name-codec'
import { MASTER_KEY, thrown } from './helpers/store'

// DESIGN.md: master key = 32 bytes of 0x07.
const VECTORS = [
  ['default', 'a0ceace51ea4c4e5c347f57f39f068c02be2fbb43832a98f22a2b9fbace15e9b', '7e0360c21d822b848c7a981b0a0c5441045960c44cf0dd33bea11a7c33a945ff'],
  ['a', 'd3b0534e8b97e25fe6175c87efb4ec489bf2199f785955defd47e4e6350fcb78', 'a7e346f47126f1d97a4572ade94bda42ee54e2dbbe0943edc951c15779cfa3f4'],
  ['a:b', '3fbad90c11a29a2f1986a214d0fdb1183f0026bd5b062bceae4958471a3e47e8', '19af1b5a4b716a6327d44ee9b920359a3f5cf5e097d242f3e8fc293a784983c4'],
  ['named-core', 'b0d5ce5ccc2babfa6fcefadfbc5f954ca910c7bed91227e5ab53bfae997bcf4e', 'b84b54e4333de1ff9f6dfc87db62a2c35c49e70d970795ee7d296cc8516d98fe']
] as const

test('names derive the key pairs and discovery keys of the DESIGN.md vectors', () => {
  for (const [name, publicKey, dkey] of VECTORS) {
    const pair = deriveKeyPair(MASTER_KEY, Buffer.from(name))
    assert.equal(pair.publicKey.toString('hex'), publicKey, name)
    assert.equal(discoveryKey(pair.publicKey).toString('hex'), dkey, name)
    assert.equal(pair.secretKey.length, 64)
    assert.ok(pair.secretKey.subarray(32).equals(pair.publicKey), 'an ed25519 secret key ends with its public key')
  }
})

test('a key is accepted as a Buffer, a Uint8Array, hex or z-base-32, and each gives the same bytes', () => {
  const key = Buffer.from(VECTORS[0][1], 'hex')
  assert.ok(parseKey(key).equals(key))
  assert.ok(parseKey(new Uint8Array(key)).equals(key))
  assert.ok(parseKey(key.toString('hex')).equals(key))
  assert.ok(parseKey(key.toString('hex').toUpperCase()).equals(key))
  assert.ok(parseKey(z32.encode(key)).equals(key))
})

test('keys of the wrong length or encoding are rejected with INVALID_KEY naming the value', () => {
  for (const bad of [Buffer.alloc(31), Buffer.alloc(33), 'abcd', 'zz'.repeat(32), 'not a key', 42, null, undefined, {}]) {
    const err = thrown(() => parseKey(bad, 'discoveryKey'))
    assert.equal(err.code, 'INVALID_KEY', String(bad))
    assert.match(err.message, /Invalid discoveryKey/)
    assert.match(err.message, /expected 32 bytes/)
  }
  assert.match(thrown(() => parseKey(Buffer.alloc(31))).message, /a Buffer of 31 bytes/)
})

test('a key pair whose secret key does not belong to its public key is rejected', () => {
  const a = deriveKeyPair(MASTER_KEY, Buffer.from('a'))
  const b = deriveKeyPair(MASTER_KEY, Buffer.from('b'))
  assert.ok(parseKeyPair(a).publicKey.equals(a.publicKey))
  assert.equal(thrown(() => parseKeyPair({ publicKey: a.publicKey, secretKey: b.secretKey })).code, 'INVALID_KEY')
  assert.equal(thrown(() => parseKeyPair({ publicKey: a.publicKey, secretKey: Buffer.alloc(63) })).code, 'INVALID_KEY')
  assert.equal(thrown(() => parseKeyPair('nope')).code, 'INVALID_KEY')
})

test('a master key option must be 32 bytes', () => {
  assert.ok(parseMasterKey(MASTER_KEY).equals(MASTER_KEY))
  for (const bad of [Buffer.alloc(31), 'x'.repeat(32), null]) {
    assert.equal(thrown(() => parseMasterKey(bad)).code, 'INVALID_MASTER_KEY')
  }
})

test('a name file is a varint length and the name, as corestore@5 writes it', () => {
  assert.equal(encodeName(Buffer.from('a:b')).toString('hex'), '03613a62')
  const long = Buffer.alloc(300, 0x61)
  const encoded = encodeName(long)
  assert.equal(encoded.subarray(0, 2).toString('hex'), 'ac02')
  assert.ok(decodeName(encoded)?.equals(long))
  assert.equal(decodeName(Buffer.from('05613a62', 'hex')), null, 'a length that does not match is no name')
  assert.equal(decodeName(Buffer.alloc(0)), null)
})
