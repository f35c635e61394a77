// `corestore-ts seed <folder> [discoveryKey...]`: serves a store's cores to peers until interrupted.
import crypto = require('crypto')
import net = require('net')
import os = require('os')
import path = require('path')
import Corestore = require('../../lib')
import type { SwarmPeer } from '../../lib/swarm'
import { parseAddressOption, parseBootstrapOption } from '../address'
import type { Address, AddressOption } from '../address'
import { EXIT_OK, findStoredCore, folderExists, parseCommandArgs, parseKeyArgument, toHex, writeJSON } from '../command'
import type { CliIO, Command } from '../command'
import { LISTEN_FAILED, NO_CORES, USAGE } from '../errors'
import { failureSignal, joinSwarm } from '../network'
import type { Network, SwarmNetwork } from '../network'
import { sizeFormat } from '../size'
import type { SizeFormat } from '../size'

type StoredCore = Corestore.StoredCore

/** Where `--tcp <port>` listens: this machine only, unless the operator names an interface. */
const DEFAULT_TCP_HOST = '127.0.0.1'

/** `--tcp <port>`, `--tcp <host>:<port>` or `--tcp [<ipv6>]:<port>`; port 0 picks a free one. */
const LISTEN_OPTION: AddressOption = {
  flag: '--tcp',
  expected: '[host:]port, such as 4000 or 0.0.0.0:4000 (port 0: any free port)',
  defaultHost: DEFAULT_TCP_HOST,
  allowPortZero: true,
  bracketedIPv6: true
}

/** `--status <port>` or `--status <host>:<port>`: the status page, on this machine unless a host is named. */
const STATUS_OPTION: AddressOption = {
  flag: '--status',
  expected: '[host:]port, such as 4100 or 0.0.0.0:4100 (port 0: any free port)',
  defaultHost: DEFAULT_TCP_HOST,
  allowPortZero: true,
  bracketedIPv6: true
}

const usage = `Usage: corestore-ts seed <folder> [key...] [--json] [--bytes] [--tcp [<host>:]<port>] [--bootstrap <host:port>]... [--status [<host>:]<port>]

Serves the cores of a store folder until interrupted (Ctrl-C, SIGTERM), then closes cleanly.
Announces discovery keys on the Hyperswarm@2 DHT (and to the LAN by multicast DNS): those of the
cores given, each by its public key or its discovery key (64 hex or 52 z-base-32 characters; see
\`corestore-ts inspect <folder>\`), or those of every core the folder holds. A core opens only when
a peer asks for it, and a connected peer may ask for any core of the folder. Reads only: cores
open read-only, and no file is created, not even master_key. Prints each core it announces, by
its public key with the \`corestore-ts clone\` command that downloads it (into <folder>-copy; over
TCP on every interface, naming this machine by its first network address), then its discovery
key, which is what peers look it up by and not a key to clone; and each peer that connects or
leaves.

Options:
  --tcp [<host>:]<port>    serve on TCP instead of Hyperswarm; the host defaults to ${DEFAULT_TCP_HOST}
                           (this machine only): give 0.0.0.0:<port> (or [::]:<port>) to serve
                           other machines. Port 0 picks a free one. Peers connect with
                           \`corestore-ts clone <key> <folder> --tcp <host>:<port>\`
  --bootstrap <host:port>  a DHT bootstrap node (repeatable); default: Hyperswarm's public ones
  --status [<host>:]<port> serve the store's status page there (read-only: /, /stats.json,
                           /metrics; watch it with \`corestore-ts status <host>:<port>\`); the
                           host defaults to ${DEFAULT_TCP_HOST}, and any other host prints a warning
  --json                   print one JSON object per line for each event instead of text, in
                           this order: { event: "status", url } with --status;
                           { event: "listening", transport: "tcp", host, port, address } with
                           --tcp, or { event: "bootstrap", nodes } (the DHT nodes that
                           answered); { event: "serving" (--tcp) | "announced", discoveryKey,
                           publicKey, length, byteLength } per core; { event: "seeding", folder,
                           cores }; { event: "peer-connected" | "peer-left", peer, transport,
                           address } per peer (peer: its Noise key in hex, over --tcp its
                           address); { event: "stopping" } once signalled; { event: "stopped" }
  --bytes                  print sizes as exact byte counts (default: readable, such as 76.3 MiB)
  -h, --help               print this help

Exit codes: 0 once stopped by a signal, 1 when seeding fails (no such folder, no such core, an
unreachable bootstrap node, a port in use), 2 for a usage error.
`

export const command: Command = {
  name: 'seed',
  summary: 'serve the cores of a store folder over Hyperswarm@2 (or TCP) until interrupted',
  usage,
  async run (argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, {
      tcp: { type: 'string' },
      bootstrap: { type: 'string', multiple: true },
      status: { type: 'string' },
      json: { type: 'boolean' },
      bytes: { type: 'boolean' }
    })
    const [folder, ...givenKeys] = positionals
    if (folder === undefined) throw USAGE('Seed needs the store folder')
    const tcp = values.tcp === undefined ? null : parseAddressOption(values.tcp, LISTEN_OPTION)
    const bootstrap = values.bootstrap?.map(parseBootstrapOption)
    const statusAddress = values.status === undefined ? null : parseAddressOption(values.status, STATUS_OPTION)
    if (tcp !== null && bootstrap !== undefined) throw USAGE('--bootstrap is for Hyperswarm; --tcp serves without it')
    const keys = givenKeys.map(key => parseKeyArgument(key, 'key'))
    const report = reporter(io, values.json === true)

    const directory = path.resolve(folder)
    const describe = coreDescription(sizeFormat(values.bytes === true), cloneFolder(directory))
    if (!(await folderExists(directory))) throw Corestore.errors.STORE_FOLDER_NOT_FOUND(directory)
    const cores = await coresToSeed(directory, keys)

    // Seeding never writes: cores open read-only, and a folder without a master_key keeps none.
    const masterKey = await Corestore.readStoredMasterKey(directory) ?? crypto.randomBytes(32)
    const store = new Corestore(directory, { writable: false, masterKey })
    const stop = stopSignal()
    let network: Network | null = null
    let status: Corestore.StatusServer | null = null
    try {
      await store.ready()
      if (statusAddress !== null) {
        status = await store.serveStatus({ host: statusAddress.host, port: statusAddress.port })
        report({ event: 'status', url: status.url }, `Status page at ${status.url} (corestore-ts status ${status.url})`)
      }
      if (tcp === null) {
        const swarm = announceCores(store, cores, bootstrap, report, describe)
        network = swarm
        await swarm.joined
      } else {
        network = await listenTcp(store, cores, tcp, report, describe)
      }
      report({ event: 'seeding', folder: directory, cores: cores.length },
        `Seeding ${cores.length} ${cores.length === 1 ? 'core' : 'cores'} from ${directory}; Ctrl-C to stop`)
      await Promise.race([stop.signalled, network.failed])
      report({ event: 'stopping' }, 'Stopping')
    } finally {
      stop.dispose()
      if (status !== null) await status.close()
      if (network !== null) await network.close()
      await store.close()
    }
    report({ event: 'stopped' }, 'Stopped')
    return EXIT_OK
  }
}

/** Reports an event on stdout: as a JSON line with --json, as the text otherwise. */
type Report = (event: Record<string, unknown>, text: string) => void

function reporter (io: CliIO, json: boolean): Report {
  return json ? event => writeJSON(io.stdout, event) : (event, text) => io.stdout.write(text + '\n')
}

/** Announces every core on the DHT, telling what happens; `joined` rejects when a bootstrap node is out of reach. */
function announceCores (store: Corestore, cores: StoredCore[], bootstrap: string[] | undefined, report: Report, describe: CoreDescription): SwarmNetwork {
  const via = bootstrap?.map(node => ` --bootstrap ${node}`).join('') ?? ''
  // A peer is told as it connected: when a second connection of the same peer (dialled by the
  // DHT and the LAN both) replaces the first, the peer has not moved, and its leaving names the
  // address its arrival did.
  const arrived = new Map<string, SwarmPeer>()
  return joinSwarm(store, {
    bootstrap,
    mode: 'announce',
    topics: cores,
    onBootstrap: reached => report({ event: 'bootstrap', nodes: reached }, `DHT bootstrap node${reached.length === 1 ? '' : 's'} answered: ${reached.join(', ')}`),
    onJoined: core => report({ event: 'announced', ...coreJSON(core) }, describe('Announced', core, via)),
    onPeerAdd: peer => {
      arrived.set(toHex(peer.remotePublicKey), peer)
      report({ event: 'peer-connected', ...peerJSON(peer) }, `Peer connected: ${describePeer(peer)}`)
    },
    onPeerRemove: last => {
      const peer = arrived.get(toHex(last.remotePublicKey)) ?? last
      arrived.delete(toHex(last.remotePublicKey))
      report({ event: 'peer-left', ...peerJSON(peer) }, `Peer left: ${describePeer(peer)}`)
    }
  })
}

async function listenTcp (store: Corestore, cores: StoredCore[], { host, port }: Address, report: Report, describe: CoreDescription): Promise<Network> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer(socket => {
    const address = formatAddress(socket.remoteAddress ?? '?', socket.remotePort ?? 0)
    sockets.add(socket)
    report({ event: 'peer-connected', peer: address, transport: 'tcp', address }, `Peer connected: ${address} (tcp)`)
    socket.once('close', () => {
      sockets.delete(socket)
      report({ event: 'peer-left', peer: address, transport: 'tcp', address }, `Peer left: ${address} (tcp)`)
    })
    store.replicate(socket, { initiator: false, live: true })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(LISTEN_FAILED(formatAddress(host, port), err.code ?? err.message)))
    server.listen(port, host, () => resolve())
  })
  const { failed, fail } = failureSignal()
  server.on('error', fail)
  const bound = server.address() as net.AddressInfo
  const address = formatAddress(bound.address, bound.port)
  report({ event: 'listening', transport: 'tcp', host: bound.address, port: bound.port, address }, `Listening on TCP ${address}`)
  const via = ` --tcp ${reachableAddress(bound)}`
  for (const core of cores) report({ event: 'serving', ...coreJSON(core) }, describe('Serving', core, via))
  return {
    failed,
    close: () => new Promise<void>(resolve => {
      for (const socket of sockets) socket.destroy()
      server.close(() => resolve())
    })
  }
}

/**
 * The cores given, each by its discovery key or its public key, or every core the folder holds;
 * each must be stored there. A core given twice is served once.
 */
async function coresToSeed (directory: string, givenKeys: Buffer[]): Promise<StoredCore[]> {
  if (givenKeys.length === 0) {
    const cores: StoredCore[] = []
    for await (const dkey of Corestore.listStoredCores(directory)) cores.push(await Corestore.describeStoredCore(directory, dkey, null))
    if (cores.length === 0) throw NO_CORES(directory)
    return cores
  }
  const cores = new Map<string, StoredCore>()
  for (const key of givenKeys) {
    const core = await findStoredCore(directory, key) ?? await findStoredCore(directory, Corestore.discoveryKey(key))
    if (core === null) {
      throw new Corestore.CorestoreError('CORE_NOT_FOUND', `${directory} holds no core with ${toHex(key)} as its discovery key or its public key (seed takes either; \`corestore-ts inspect ${directory}\` lists both)`)
    }
    cores.set(toHex(core.discoveryKey), core)
  }
  return [...cores.values()]
}

function coreJSON (core: StoredCore): Record<string, unknown> {
  return { discoveryKey: toHex(core.discoveryKey), publicKey: toHex(core.publicKey), length: core.length, byteLength: core.byteLength }
}

function peerJSON (peer: SwarmPeer): Record<string, unknown> {
  return { peer: toHex(peer.remotePublicKey), transport: peer.type, address: peer.address }
}

/** A core as the text tells it, announced or served; `via`: the options that reach this seed. */
type CoreDescription = (verb: 'Announced' | 'Serving', core: StoredCore, via: string) => string

/**
 * The public key first, with a command line that clones the core, ready to copy; the discovery key
 * after it, named: people copied the first key they saw, and clone takes the public key.
 */
function coreDescription (size: SizeFormat, folder: string): CoreDescription {
  return (verb, core, via) => {
    const key = toHex(core.publicKey)
    const bytes = core.byteLength === null ? '' : `, ${size(core.byteLength)}`
    return [
      `${verb} core ${key} (${core.length} ${core.length === 1 ? 'block' : 'blocks'}${bytes}); clone it with:`,
      `  corestore-ts clone ${key} ${folder}${via}`,
      `  Discovery key: ${toHex(core.discoveryKey)} (what peers look the core up by; clone needs the key above)`
    ].join('\n')
  }
}

/** The folder the clone line suggests, `<seeded folder>-copy`, as a POSIX shell reads it. */
function cloneFolder (directory: string): string {
  const name = `${path.basename(directory)}-copy`
  // A leading dash would read as an option.
  const safe = name.startsWith('-') ? `./${name}` : name
  return /^[\w.,+@%=:/-]+$/.test(safe) ? safe : `'${safe.replace(/'/g, "'\\''")}'`
}

/**
 * Where a peer reaches the listener, for the clone line: the address it is bound to or, bound to
 * every interface, this machine's first network address (which other machines may reach).
 */
function reachableAddress (bound: net.AddressInfo): string {
  if (bound.address !== '0.0.0.0' && bound.address !== '::') return formatAddress(bound.address, bound.port)
  const external = Object.values(os.networkInterfaces()).flat().find(nic => nic !== undefined && !nic.internal && nic.family === 'IPv4')
  return formatAddress(external?.address ?? DEFAULT_TCP_HOST, bound.port)
}

/** The peer by its key, and the address it connected from. */
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

function formatAddress (host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}
