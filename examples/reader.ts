// The reader of the Hypercore how-to "work with many Hypercores using Corestore": given the main
// core's key, it finds the other cores' keys in the main core's first block and prints every
// message appended to them, live, over TCP or Hyperswarm@2.
//
//   node build/examples/reader.js <storage-folder> <main-core-key> --port N [--host H] [--count N]
//   node build/examples/reader.js <storage-folder> <main-core-key> --swarm [--bootstrap host:port] [--count N]
//
// With --count N it exits once N messages have arrived.
import net = require('net')
import { once } from 'events'
import { parseArgs } from 'util'
import hyperswarm = require('hyperswarm')
import Corestore = require('../lib')

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string' },
    swarm: { type: 'boolean', default: false },
    bootstrap: { type: 'string', multiple: true },
    count: { type: 'string' }
  }
})

async function main (storage: string, key: string): Promise<void> {
  const store = new Corestore(storage)

  // The key may be hex (as the writer prints it) or z-base-32.
  const mainCore = store.get({ key, valueEncoding: 'json' })
  await mainCore.ready()

  const stopNetwork = flags.swarm ? joinSwarm(store, mainCore.discoveryKey as Buffer) : connect(store, flags.host, Number(flags.port))

  // Hypercore 9's update() waits for more blocks than we have: the first block, on a first run.
  if (mainCore.length === 0) await mainCore.update()
  const { otherKeys } = await mainCore.get(0) as { otherKeys: string[] }
  console.log('other core keys:', otherKeys.join(' '))

  const expected = flags.count === undefined ? Infinity : Number(flags.count)
  let received = 0
  let allReceived = (): void => {}
  const counted = new Promise<void>(resolve => { allReceived = resolve })

  // Opening a core adds it to the replication stream: the store has no other way to know of it.
  const following = Promise.all(otherKeys.map(async key => {
    const core = store.get({ key, valueEncoding: 'json' })
    await core.ready()
    for (let index = 0; received < expected; index++) {
      while (index >= core.length) await once(core, 'append')
      const message = await core.get(index)
      if (received >= expected) return
      console.log(`core ${key} block ${index}: ${String(message)}`)
      if (++received === expected) allReceived()
    }
  }))

  await Promise.race([following, counted])
  console.log(`received ${received} messages`)
  await stopNetwork()
  await store.close()
}

/** Dials the writer over TCP: the side that dials initiates the replication handshake. */
function connect (store: Corestore, host: string, port: number): () => Promise<void> {
  let closing = false
  const socket = net.connect(port, host)
  store.replicate(socket, { initiator: true, live: true })
  socket.on('error', err => console.error('connection error:', err.message))
  socket.on('close', () => {
    if (closing) return
    console.error('the writer went away')
    process.exit(1)
  })
  return async () => {
    closing = true
    socket.destroy()
  }
}

/** Looks up the main core's discovery key on the DHT and replicates with every peer found there. */
function joinSwarm (store: Corestore, topic: Buffer): () => Promise<void> {
  const swarm = hyperswarm({ bootstrap: flags.bootstrap })
  swarm.on('connection', (socket, info) => store.replicate(socket, info))
  swarm.join(topic, { announce: false, lookup: true })
  return () => new Promise(resolve => swarm.destroy(() => resolve()))
}

const [storage, key] = positionals
if (storage === undefined || key === undefined || (!flags.swarm && flags.port === undefined)) {
  console.error('usage: reader <storage-folder> <main-core-key> (--port N [--host H] | --swarm [--bootstrap host:port]) [--count N]')
  process.exit(2)
}
main(storage, key).catch(err => {
  console.error(err)
  process.exit(1)
})
