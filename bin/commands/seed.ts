// `corestore-ts seed <folder> [discoveryKey...]`: serves a store's cores to peers until interrupted.
import crypto = require('crypto')
import fs = require('fs')
import net = require('net')
import path = require('path')
import Corestore = require('../../lib')
import { StoreSwarm, parseBootstrapAddress } from '../../lib/swarm'
import type { SwarmPeer } from '../../lib/swarm'
import { EXIT_OK, parseCommandArgs, USAGE } from '../command'
import type { CliIO, Command } from '../command'

type StoredCore = Corestore.StoredCore

const usage = `Usage: corestore-ts seed <folder> [discoveryKey...] [--tcp <port>] [--bootstrap <host:port>]...

Serves the cores of a store folder until interrupted (Ctrl-C, SIGTERM), then closes cleanly.
Announces discovery keys on the Hyperswarm@2 DHT (and to the LAN by multicast DNS): the keys
given (64 hex or 52 z-base-32 characters each), or those of every core the folder holds. A core
opens only when a peer asks for it, and a connected peer may ask for any core of the folder. Reads
only: cores open read-only, and no file is created, not even master_key. Prints each core it
announces and each peer that connects or leaves.

Options:
  --tcp <port>             serve on this TCP port (every interface; 0: any free port) instead of
                           Hyperswarm; \`corestore-ts clone <key> <folder> --tcp host:port\` connects
  --bootstrap <host:port>  a DHT bootstrap node (repeatable); default: Hyperswarm's public ones
  -h, --help               print this help
`

export const command: Command = {
  name: 'seed',
  summary: 'serve the cores of a store folder over Hyperswarm@2 (or TCP) until interrupted',
  usage,
  async run (argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, {
      tcp: { type: 'string' },
      bootstrap: { type: 'string', multiple: true }
    })
    const [folder, ...givenKeys] = positionals
    if (folder === undefined) throw USAGE('seed needs the store folder')
    const tcpPort = values.tcp === undefined ? null : parsePort(values.tcp)
    const bootstrap = values.bootstrap?.map(parseBootstrapOption)
    if (tcpPort !== null && bootstrap !== undefined) throw USAGE('--bootstrap is for Hyperswarm; --tcp serves without it')
    const discoveryKeys = givenKeys.map(parseDiscoveryKey)

    const directory = path.resolve(folder)
    if (!(await isDirectory(directory))) throw Corestore.errors.STORE_FOLDER_NOT_FOUND(directory)
    const cores = await coresToSeed(directory, discoveryKeys)

    // Seeding never writes: cores open read-only, and a folder without a master_key keeps none.
    const masterKey = await Corestore.readStoredMasterKey(directory) ?? crypto.randomBytes(32)
    const store = new Corestore(directory, { writable: false, masterKey })
    const stop = stopSignal()
    let network: Network | null = null
    try {
      await store.ready()
      network = tcpPort === null
        ? await joinSwarm(store, cores, bootstrap, io)
        : await listenTcp(store, cores, tcpPort, io)
      io.stdout.write(`seeding ${cores.length} ${cores.length === 1 ? 'core' : 'cores'} from ${directory}; Ctrl-C to stop\n`)
      await Promise.race([stop.signalled, network.failed])
      io.stdout.write('stopping\n')
    } finally {
      stop.dispose()
      if (network !== null) await network.close()
      await store.close()
    }
    io.stdout.write('stopped\n')
    return EXIT_OK
  }
}

interface Network {
  /** Rejects when the network fails while seeding. */
  failed: Promise<never>
  close (): Promise<void>
}

async function joinSwarm (store: Corestore, cores: StoredCore[], bootstrap: string[] | undefined, io: CliIO): Promise<Network> {
  const swarm = new StoreSwarm(store, { bootstrap, announce: true, lookup: false })
  const failed = new Promise<never>((resolve, reject) => swarm.on('error', reject))
  failed.catch(() => {})
  try {
    const reached = await swarm.checkBootstrap()
    io.stdout.write(`DHT bootstrap node${reached.length === 1 ? '' : 's'} answered: ${reached.join(', ')}\n`)
    swarm.on('peer-add', peer => io.stdout.write(`peer connected: ${describePeer(peer)}\n`))
    swarm.on('peer-remove', peer => io.stdout.write(`peer left: ${describePeer(peer)}\n`))
    await Promise.all(cores.map(async core => {
      await swarm.join(core.discoveryKey)
      io.stdout.write(`announced ${describeCore(core)}\n`)
    }))
  } catch (err) {
    await swarm.close()
    throw err
  }
  return { failed, close: () => swarm.close() }
}

async function listenTcp (store: Corestore, cores: StoredCore[], port: number, io: CliIO): Promise<Network> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer(socket => {
    const address = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`
    sockets.add(socket)
    io.stdout.write(`peer connected: ${address} (tcp)\n`)
    socket.once('close', () => {
      sockets.delete(socket)
      io.stdout.write(`peer left: ${address} (tcp)\n`)
    })
    store.replicate(socket, { initiator: false, live: true })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(Corestore.errors.LISTEN_FAILED(`Cannot listen on TCP port ${port}: ${err.code ?? err.message}`)))
    server.listen(port, () => resolve())
  })
  const failed = new Promise<never>((resolve, reject) => server.on('error', reject))
  failed.catch(() => {})
  for (const core of cores) io.stdout.write(`serving ${describeCore(core)}\n`)
  const address = server.address() as net.AddressInfo
  io.stdout.write(`listening on tcp port ${address.port}\n`)
  return {
    failed,
    close: () => new Promise<void>(resolve => {
      for (const socket of sockets) socket.destroy()
      server.close(() => resolve())
    })
  }
}

/** The cores named by discovery key, or every core the folder holds; each must be stored there. */
async function coresToSeed (directory: string, discoveryKeys: Buffer[]): Promise<StoredCore[]> {
  const keys: Buffer[] = discoveryKeys.length > 0 ? discoveryKeys : []
  if (discoveryKeys.length === 0) {
    for await (const dkey of Corestore.listStoredCores(directory)) keys.push(dkey)
  }
  if (keys.length === 0) throw Corestore.errors.NO_CORES(directory)
  const cores: StoredCore[] = []
  for (const dkey of keys) {
    try {
      cores.push(await Corestore.describeStoredCore(directory, dkey, null))
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'CORE_NOT_FOUND') throw err
      throw new Corestore.CorestoreError('CORE_NOT_FOUND', `${directory} holds no core with discovery key ${toHex(dkey)}`)
    }
  }
  return cores
}

function describeCore (core: StoredCore): string {
  const bytes = core.byteLength === null ? '' : `, ${core.byteLength} bytes`
  return `${toHex(core.discoveryKey)} (key ${toHex(core.publicKey)}, ${core.length} ${core.length === 1 ? 'block' : 'blocks'}${bytes})`
}

/** The peer by its key (its address may change when a second connection replaces the first). */
function describePeer (peer: SwarmPeer): string {
  return `${toHex(peer.remotePublicKey).slice(0, 16)} (${peer.type}${peer.address === null ? '' : ` from ${peer.address}`})`
}

/** Resolves on the first SIGINT or SIGTERM; until disposed, those signals no longer end the process. */
function stopSignal (): { signalled: Promise<void>, dispose: () => void } {
  let onsignal = (): void => {}
  const signalled = new Promise<void>(resolve => { onsignal = () => resolve() })
  process.on('SIGINT', onsignal)
  process.on('SIGTERM', onsignal)
  return {
    signalled,
    dispose: () => {
      process.removeListener('SIGINT', onsignal)
      process.removeListener('SIGTERM', onsignal)
    }
  }
}

function parsePort (value: string): number {
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN
  if (!(port >= 0 && port <= 65535)) throw USAGE(`--tcp expects a port number (0 for any free port), got ${JSON.stringify(value)}`)
  return port
}

function parseBootstrapOption (value: string): string {
  try {
    parseBootstrapAddress(value)
    return value
  } catch {
    throw USAGE(`--bootstrap expects host:port, such as 127.0.0.1:49737, got ${JSON.stringify(value)}`)
  }
}

function parseDiscoveryKey (value: string): Buffer {
  try {
    return Corestore.parseKey(value, 'discovery key')
  } catch {
    throw Corestore.errors.INVALID_KEY('discovery key', value, '64 hex characters or 52 z-base-32 characters')
  }
}

async function isDirectory (directory: string): Promise<boolean> {
  try {
    return (await fs.promises.stat(directory)).isDirectory()
  } catch {
    return false
  }
}

/** A key as the hex this tool prints. */
function toHex (key: Buffer): string {
  return key.toString('hex')
}
