import test from 'node:test'
import assert from 'node:assert/strict'
import { PassThrough } from 'stream'
import { ProtocolStream } from '../../lib/hypercore9'
import { resolveReplicationArgs } from '../../lib/replication'
import { thrown } from '../helpers/store'

test('a boolean first argument is the initiator, and the options are copied', () => {
  const opts = { live: true }
  const args = resolveReplicationArgs(true, opts)
  assert.deepEqual(args, { initiator: true, opts: { live: true }, stream: null, raw: null })
  assert.notEqual(args.opts, opts, 'a copy, not the caller\'s object')
  assert.equal(resolveReplicationArgs(false, undefined).initiator, false)
  assert.deepEqual(resolveReplicationArgs(false, undefined).opts, {})
})

test('an options object carries the initiator, which does not stay in the options', () => {
  const given = { initiator: false, live: true, encrypted: false }
  const args = resolveReplicationArgs(given, undefined)
  assert.deepEqual(args, { initiator: false, opts: { live: true, encrypted: false }, stream: null, raw: null })
  assert.deepEqual(given, { initiator: false, live: true, encrypted: false }, 'the caller\'s options are left as they were')
  assert.equal(resolveReplicationArgs(undefined, { initiator: true }).initiator, true)
  assert.deepEqual(resolveReplicationArgs(undefined, { initiator: true }).opts, {})
})

test('a hypercore-protocol stream is replicated over as it is, with its own initiator', () => {
  const initiating = new ProtocolStream(true)
  const answering = new ProtocolStream(false)
  const a = resolveReplicationArgs(initiating, { live: true })
  assert.equal(a.stream, initiating)
  assert.equal(a.raw, null)
  assert.equal(a.initiator, true)
  assert.deepEqual(a.opts, { live: true })
  const b = resolveReplicationArgs(answering, undefined)
  assert.equal(b.stream, answering)
  assert.equal(b.initiator, false)
  initiating.destroy()
  answering.destroy()
})

test('{ stream } names the protocol stream to use, and stream never stays in the options', () => {
  const stream = new ProtocolStream(false)
  const given = { stream, live: true }
  const args = resolveReplicationArgs(given, undefined)
  assert.equal(args.stream, stream)
  assert.equal(args.initiator, false)
  assert.deepEqual(args.opts, { live: true })
  assert.equal(given.stream, stream, 'the caller\'s options keep their stream')
  const second = resolveReplicationArgs(true, { stream })
  assert.equal(second.stream, stream)
  assert.equal(second.initiator, true, 'an explicit initiator wins')
  assert.deepEqual(second.opts, {})
  stream.destroy()
})

test('{ stream } that is not a protocol stream fails with NO_INITIATOR', () => {
  const raw = new PassThrough()
  assert.equal(thrown(() => resolveReplicationArgs({ stream: raw }, undefined)).code, 'NO_INITIATOR')
  assert.equal(thrown(() => resolveReplicationArgs(true, { stream: {} })).code, 'NO_INITIATOR')
  raw.destroy()
})

test('a raw duplex with { initiator } is piped through a new stream, live by default', () => {
  const raw = new PassThrough()
  const args = resolveReplicationArgs(raw, { initiator: true })
  assert.deepEqual(args, { initiator: true, opts: { live: true }, stream: null, raw })
  assert.equal(resolveReplicationArgs(raw, { initiator: false, live: false }).opts.live, false, 'an explicit live: false is kept')
  raw.destroy()
})

test('a raw duplex with Hyperswarm@2 connection info initiates when it dialled, and no info field becomes an option', () => {
  const raw = new PassThrough()
  const client = resolveReplicationArgs(raw, { client: true, type: 'tcp', peer: { host: '127.0.0.1' }, priority: 1 })
  assert.equal(client.initiator, true)
  assert.deepEqual(client.opts, { live: true })
  assert.equal(resolveReplicationArgs(raw, { client: false }).initiator, false)
  raw.destroy()
})

test('a raw duplex carrying isInitiator says itself who initiates', () => {
  const yes = Object.assign(new PassThrough(), { isInitiator: true })
  const no = Object.assign(new PassThrough(), { isInitiator: false })
  assert.equal(resolveReplicationArgs(yes, undefined).initiator, true)
  assert.equal(resolveReplicationArgs(no, undefined).initiator, false)
  assert.equal(resolveReplicationArgs(no, { initiator: true }).initiator, true, 'explicit options win')
  yes.destroy()
  no.destroy()
})

test('a raw duplex with nothing to tell the initiator fails with NO_INITIATOR', () => {
  const raw = new PassThrough()
  assert.equal(thrown(() => resolveReplicationArgs(raw, undefined)).code, 'NO_INITIATOR')
  assert.equal(thrown(() => resolveReplicationArgs(raw, { live: true })).code, 'NO_INITIATOR')
  raw.destroy()
})

test('a number, a string or nothing at all fails with NO_INITIATOR', () => {
  assert.equal(thrown(() => resolveReplicationArgs(1, undefined)).code, 'NO_INITIATOR')
  assert.equal(thrown(() => resolveReplicationArgs('true', undefined)).code, 'NO_INITIATOR')
  assert.equal(thrown(() => resolveReplicationArgs(undefined, undefined)).code, 'NO_INITIATOR')
  assert.equal(thrown(() => resolveReplicationArgs({ live: true }, undefined)).code, 'NO_INITIATOR')
})
