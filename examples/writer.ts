// The writer of the Hypercore how-to "work with many Hypercores using Corestore": three named
// cores, the first of which records the keys of the other two, served over TCP or Hyperswarm@2.
//
//   node build/examples/writer.js <storage-folder> [--port N] [--message text]...
//   node build/examples/writer.js <storage-folder> --swarm [--bootstrap host:port]
//
// Every --message, then every line typed on stdin, is appended: short ones (under 5 characters)
// to other-core-1, longer ones to other-core-2.
import net = require('net')
import readline = require('readline')
import { once } from 'events'
import { parseArgs } from 'util'
import hyperswarm = require('hyperswarm')
import Corestore = require('../lib')

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: 'string', default: '0' },
    swarm: { type: 'boolean', default: false },
    bootstrap: { type: 'string', multiple: true },
    message: { type: 'string', multiple: true, default: [] }
  }
})

async function main (storage: string): Promise<void> {
  const store = new Corestore(storage)

  // A name is local to this store and maps to a key pair, so all three cores are writable.
  const mainCore = store.get({ name: 'main-core', valueEncoding: 'json' })
  const shortCore = store.get({ name: 'other-core-1', valueEncoding: 'json' })
  const longCore = store.get({ name: 'other-core-2', valueEncoding: 'json' })
  await Promise.all([mainCore.ready(), shortCore.ready(), longCore.ready()])
  console.log('main core key:', hex(mainCore))

  // The store replicates every core it has loaded, but never tells a peer their keys: record
  // the other keys in the main core's first block (once; a restarted writer has them already).
  if (mainCore.length === 0) {
    await mainCore.append({ otherKeys: [shortCore, longCore].map(hex) })
  }

  const stopNetwork = flags.swarm ? await joinSwarm(store, mainCore.discoveryKey as Buffer) : await listen(store, Number(flags.port))
  const stop = (): void => { shutdown().catch(err => { console.error(err); process.exit(1) }) }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)

  const append = async (message: string): Promise<void> => {
    const [core, name] = message.length < 5 ? [shortCore, 'other-core-1'] : [longCore, 'other-core-2']
    const index = await core.append(message)
    console.log(`appended block ${index} to ${name}: ${message}`)
  }

  for (const message of flags.message) await append(message)
  for await (const line of readline.createInterface({ input: process.stdin })) {
    if (line.length > 0) await append(line)
  }

  async function shutdown (): Promise<void> {
    await stopNetwork()
    await store.close()
    process.exit(0)
  }
}

/** Serves the store to every peer that connects to a TCP port on loopback. */
async function listen (store: Corestore, port: number): Promise<() => Promise<void>> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer(socket => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    // live: keep replicating what is appended after the first sync.
    store.replicate(socket, { initiator: false, live: true })
  })
  server.listen(port, '127.0.0.1')
  await once(server, 'listening')
  console.log(`listening on 127.0.0.1:${(server.address() as net.AddressInfo).port}`)
  return async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise(resolve => server.close(resolve))
  }
}

/** Announces the main core's discovery key: readers find this peer through the DHT. */
async function joinSwarm (store: Corestore, topic: Buffer): Promise<() => Promise<void>> {
  const swarm = hyperswarm({ bootstrap: flags.bootstrap })
  // Hyperswarm's connection info says which side dialled (info.client): that side initiates.
  swarm.on('connection', (socket, info) => store.replicate(socket, info))
  await new Promise<void>((resolve, reject) => swarm.join(topic, { announce: true, lookup: false }, err => err ? reject(err) : resolve()))
  console.log('announced on the swarm')
  return () => new Promise(resolve => swarm.destroy(() => resolve()))
}

function hex (core: Corestore.Core): string {
  return (core.key as Buffer).toString('hex')
}

const [storage] = positionals
if (storage === undefined) {
  console.error('usage: writer <storage-folder> [--port N | --swarm [--bootstrap host:port]] [--message text]...')
  process.exit(2)
}
main(storage).catch(err => {
  console.error(err)
  process.exit(1)
})
