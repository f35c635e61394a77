import test from 'node:test'
import assert from 'node:assert/strict'
import crypto = require('crypto')
import ProtocolStream = require('hypercore-protocol')
import Corestore = require('../lib')
import { connect, MASTER_KEY, openFds, tmpdir } from './helpers/store'

/*
 * A peer that knows only discovery keys cannot prove it knows the cores' keys: hypercore closes each
 * channel it opens with a forged capability. Whatever it names, the store keeps nothing loaded for it.
 */

const CORES = 200
const CACHE_SIZE = 20

/** The internals of hypercore-protocol@8 a forging peer uses to open a channel without the key. */
interface Forger {
  channelizer: { createChannel (dkey: Buffer): { localId: number }, attachLocal (ch: unknown): void }
  state: { open (localId: number, message: { discoveryKey: Buffer, capability: Buffer }): void }
}

test(`a peer with forged capabilities for ${CORES} stored cores leaves none loaded (cacheSize ${CACHE_SIZE}), during and after its visit`, { timeout: 300_000 }, async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const writer = new Corestore(dir, { masterKey: MASTER_KEY })
  const dkeys: Buffer[] = []
  for (let i = 0; i < CORES; i++) {
    const core = writer.get({ name: `core-${i}` })
    await core.append(`block ${i}`)
    dkeys.push(core.discoveryKey as Buffer)
  }
  await writer.close()

  const fdsBefore = openFds()
  const store = new Corestore(dir, { masterKey: MASTER_KEY, cacheSize: CACHE_SIZE })
  t.after(() => store.close())
  await store.ready()
  let opened = 0
  let closed = 0
  let peak = 0
  const allClosed = new Promise<void>(resolve => {
    store.on('core-open', () => {
      opened++
      peak = Math.max(peak, opened - closed)
    })
    store.on('core-close', () => {
      if (++closed === CORES) resolve()
    })
  })

  const attacker = new ProtocolStream(true, { live: true })
  const served = store.replicate(false, { live: true })
  const { ended } = connect(attacker, served)
  const forger = attacker as unknown as Forger
  for (const dkey of dkeys) {
    const channel = forger.channelizer.createChannel(dkey)
    forger.channelizer.attachLocal(channel)
    forger.state.open(channel.localId, { discoveryKey: dkey, capability: crypto.randomBytes(32) })
  }

  await allClosed
  assert.equal(opened, CORES, 'every core it named was looked at')
  assert.equal(store.inner.cache.size, 0, 'nothing stays loaded while the peer is still connected')
  t.diagnostic(`at most ${peak} of ${CORES} cores were loaded at once`)
  assert.equal(served.destroyed, false, 'the honest side of the stream stays up')

  attacker.destroy()
  await ended
  assert.equal(store.inner.cache.size, 0)
  await store.close()
  assert.ok(openFds() <= fdsBefore + 2, `file descriptors: ${fdsBefore} before, ${openFds()} after`)
})
