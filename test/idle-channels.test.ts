import test from 'node:test'
import assert from 'node:assert/strict'
import ram = require('random-access-memory')
import Corestore = require('../lib')
import { MASTER_KEY, replicateStores, tmpdir } from './helpers/store'

/*
 * A reader that keeps hundreds of cores open over one stream, idle, leaves about cacheSize of them
 * loaded on the serving store: under cache pressure the server closes the least recently active idle
 * channels, and the reader (this package) reopens a channel when it next needs data from that core.
 */

const CORES = 150
const CACHE_SIZE = 20

test(`a reader holding ${CORES} idle channels leaves about cacheSize (${CACHE_SIZE}) cores loaded on the server, and still reads every core later`, { timeout: 300_000 }, async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const writer = new Corestore(dir, { masterKey: MASTER_KEY })
  const keys: Buffer[] = []
  for (let i = 0; i < CORES; i++) {
    const core = writer.get({ name: `core-${i}` })
    await core.append([`${i}-0`, `${i}-1`])
    keys.push(core.key as Buffer)
  }
  await writer.close()

  const server = new Corestore(dir, { masterKey: MASTER_KEY, cacheSize: CACHE_SIZE })
  const reader = new Corestore(ram, { sparse: true })
  t.after(() => Promise.all([server.close(), reader.close()]))
  await server.ready()
  const { a: served } = replicateStores(server, reader)

  const copies = keys.map(key => reader.get(key))
  const first = await Promise.all(copies.map(core => core.get(0)))
  assert.deepEqual(first.map(String), keys.map((_, i) => `${i}-0`))

  // The reader keeps every core open and asks for nothing: the server lets idle channels go.
  await new Promise<void>(resolve => {
    const check = (): void => {
      if (server.inner.cache.size > CACHE_SIZE) return
      server.removeListener('core-close', check)
      resolve()
    }
    server.on('core-close', check)
    check()
  })
  assert.ok(server.inner.cache.size <= CACHE_SIZE, `${server.inner.cache.size} cores loaded on the server`)
  const withoutPeers = copies.filter(core => core.peers.length === 0).length
  assert.ok(withoutPeers >= CORES - CACHE_SIZE, `${withoutPeers} of the reader's cores had their channel closed`)
  assert.equal(served.destroyed, false, 'the stream stays up')

  // Every core still reads: the reader reopens the channel, the server loads the core again.
  const second = await Promise.all(copies.map(core => core.get(1)))
  assert.deepEqual(second.map(String), keys.map((_, i) => `${i}-1`))
})
