// `corestore-ts clone <key> <folder>`: downloads a whole core into a store folder and verifies it.
import fs = require('fs')
import net = require('net')
import path = require('path')
import Corestore = require('../../lib')
import { StoreSwarm, parseBootstrapAddress } from '../../lib/swarm'
import { EXIT_OK, parseCommandArgs, USAGE } from '../command'
import type { CliIO, Command } from '../command'

const { AUDIT_FAILED, CONNECT_FAILED, INVALID_KEY, NOT_A_FOLDER, TIMEOUT } = Corestore.errors

const DEFAULT_TIMEOUT = 30000

const usage = `Usage: corestore-ts clone <key> <folder> [--tcp <host:port>] [--bootstrap <host:port>]... [--timeout <ms>]

Downloads every block of a core (its public key: 64 hex or 52 z-base-32 characters) into a store
folder (created when missing), from peers found on the Hyperswarm@2 DHT under its discovery key,
or from a \`corestore-ts seed --tcp\` peer. Exits once the core is complete (the length the peer
has, every block downloaded) and its copy verified against its Merkle tree. Run it again to
resume or to catch up with a core that grew.

Options:
  --tcp <host:port>        download from this TCP peer instead of Hyperswarm
  --bootstrap <host:port>  a DHT bootstrap node (repeatable); default: Hyperswarm's public ones
  --timeout <ms>           give up when no peer is found, or no block arrives, for this long
                           (default ${DEFAULT_TIMEOUT})
  -h, --help               print this help

A progress bar on a terminal; otherwise a progress line at every tenth of the core (at most one a
second). When it fails, a folder it created is removed again.
`

export const command: Command = {
  name: 'clone',
  summary: 'download a core by key into a store folder over Hyperswarm@2 (or TCP) and verify it',
  usage,
  async run (argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, {
      tcp: { type: 'string' },
      bootstrap: { type: 'string', multiple: true },
      timeout: { type: 'string' }
    })
    const [key, folder, ...extra] = positionals
    if (key === undefined || folder === undefined) throw USAGE('clone needs the key of a core and a folder')
    if (extra.length > 0) throw USAGE(`clone takes one key and one folder, got also ${extra.map(arg => JSON.stringify(arg)).join(' ')}`)
    const publicKey = parseCoreKey(key)
    const tcp = values.tcp === undefined ? null : parseAddress(values.tcp, '--tcp')
    const bootstrap = values.bootstrap?.map(value => { parseAddress(value, '--bootstrap'); return value })
    if (tcp !== null && bootstrap !== undefined) throw USAGE('--bootstrap is for Hyperswarm; --tcp connects without it')
    const timeout = values.timeout === undefined ? DEFAULT_TIMEOUT : parseTimeout(values.timeout)

    const directory = path.resolve(folder)
    const existed = await folderExists(directory)
    const store = new Corestore(directory)
    let network: Network | null = null
    let downloaded = 0
    let failed = true
    try {
      const core = store.get({ key: publicKey })
      await core.ready()
      core.on('download', () => { downloaded++ })
      io.stdout.write(`cloning ${toHex(publicKey)} (discovery key ${toHex(core.discoveryKey as Buffer)}) into ${directory}\n`)
      if (core.writable) {
        io.stdout.write('this store holds the writable core itself: nothing to download\n')
      } else {
        const watchdog = new Watchdog(timeout)
        try {
          network = tcp === null ? joinSwarm(store, core, bootstrap, io, watchdog) : connectTcp(store, tcp, io, watchdog)
          await download(core, io, watchdog, tcp === null ? 'on the DHT' : `at ${tcp.host}:${tcp.port}`, timeout)
        } finally {
          watchdog.stop()
        }
      }
      await verify(core, io)
      io.stdout.write(`cloned ${toHex(publicKey)} into ${directory}\n`)
      failed = false
    } finally {
      if (network !== null) await network.close()
      await store.close()
      // Like `git clone`: a failed clone leaves no folder behind that it created and filled with nothing.
      if (failed && !existed && downloaded === 0) await fs.promises.rm(directory, { recursive: true, force: true })
    }
    return EXIT_OK
  }
}

type Core = Corestore.Core

interface Network {
  close (): Promise<void>
}

/** Waits for a peer, learns the length it has, downloads every block up to it. */
async function download (core: Core, io: CliIO, watchdog: Watchdog, where: string, timeout: number): Promise<void> {
  const key = toHex(core.key as Buffer)
  watchdog.expect(`No peer ${where} had core ${key} within ${timeout} ms`)
  await watchdog.race(remotePeer(core))

  // Without `ifAvailable` update() would wait for more blocks than we have, forever on a complete copy.
  await watchdog.race(core.update({ ifAvailable: true }).catch(err => {
    if (!/No update available/.test((err as Error).message)) throw err
  }))
  const total = core.length
  const progress = new Progress(io, total, core.byteLength, core.downloaded(0, total))
  io.stdout.write(`core length: ${total} ${total === 1 ? 'block' : 'blocks'}, ${formatBytes(core.byteLength)}\n`)
  const onblock = (index: number, data: Buffer): void => {
    watchdog.kick()
    if (index < total) progress.block(data.length)
  }
  core.on('download', onblock)
  try {
    watchdog.expect(() => `Download stalled: no block arrived for ${timeout} ms (${progress.have} of ${total} blocks)`)
    if (core.downloaded(0, total) < total) await watchdog.race(core.download({ start: 0, end: total }))
  } finally {
    core.removeListener('download', onblock)
  }
  progress.finish()
}

async function verify (core: Core, io: CliIO): Promise<void> {
  const { valid, invalid } = await core.audit()
  if (invalid > 0) throw AUDIT_FAILED(`The copy of ${toHex(core.key as Buffer)} failed verification: ${invalid} of ${valid + invalid} blocks do not match its Merkle tree`)
  io.stdout.write(`verified ${valid} ${valid === 1 ? 'block' : 'blocks'}: 0 invalid\n`)
}

/** Resolves once a peer has opened the core on its side (it has it, and will say how long it is). */
function remotePeer (core: Core): Promise<void> {
  if (core.peers.some(peer => (peer as { remoteOpened?: boolean }).remoteOpened === true)) return Promise.resolve()
  return new Promise(resolve => core.once('peer-open', () => resolve()))
}

function joinSwarm (store: Corestore, core: Core, bootstrap: string[] | undefined, io: CliIO, watchdog: Watchdog): Network {
  const swarm = new StoreSwarm(store, { bootstrap, announce: false, lookup: true })
  let found = false
  swarm.on('peer-add', peer => {
    found = true
    io.stdout.write(`connected to ${peer.address ?? 'a peer'} (${peer.type})\n`)
  })
  swarm.on('error', err => watchdog.fail(err))
  io.stdout.write(`looking up peers on the DHT${bootstrap === undefined ? '' : ` (bootstrap ${bootstrap.join(', ')})`}\n`)
  // Multicast DNS may still find a peer on the LAN, so an unreachable DHT is fatal only while none is found.
  swarm.checkBootstrap().catch((err: Error) => { if (!found) watchdog.fail(err) })
  swarm.join(core.discoveryKey as Buffer).catch((err: Error) => watchdog.fail(err))
  return swarm
}

function connectTcp (store: Corestore, address: { host: string, port: number }, io: CliIO, watchdog: Watchdog): Network {
  const where = `${address.host}:${address.port}`
  const socket = net.connect(address.port, address.host)
  const onerror = (err: NodeJS.ErrnoException): void => {
    watchdog.fail(CONNECT_FAILED(`Cannot connect to ${where}: ${err.code ?? err.message}`))
  }
  socket.once('error', onerror)
  socket.once('connect', () => {
    socket.removeListener('error', onerror)
    io.stdout.write(`connected to ${where} (tcp)\n`)
    store.replicate(socket, { initiator: true, live: true })
  })
  return {
    close: () => new Promise<void>(resolve => {
      if (socket.destroyed) return resolve()
      socket.once('close', () => resolve())
      socket.destroy()
    })
  }
}

/** Fails a clone that makes no progress for `ms`, with the message of what it was waiting for. */
class Watchdog {
  readonly #ms: number
  readonly #failed: Promise<never>
  #reject: (err: Error) => void = () => {}
  #timer: NodeJS.Timeout | null = null
  #message: () => string = () => 'Timed out'

  constructor (ms: number) {
    this.#ms = ms
    this.#failed = new Promise<never>((resolve, reject) => { this.#reject = reject })
    this.#failed.catch(() => {})
    this.kick()
  }

  /** What the error says if the time runs out from now on. */
  expect (message: string | (() => string)): void {
    this.#message = typeof message === 'string' ? () => message : message
    this.kick()
  }

  kick (): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = setTimeout(() => this.fail(TIMEOUT(this.#message())), this.#ms)
  }

  fail (err: Error): void {
    this.stop()
    this.#reject(err)
  }

  stop (): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
  }

  race<T> (promise: PromiseLike<T>): Promise<T> {
    return Promise.race([promise, this.#failed])
  }
}

/** A bar redrawn in place on a terminal; elsewhere a line at every tenth of the core, at most one a second. */
class Progress {
  have: number
  readonly #io: CliIO
  readonly #total: number
  readonly #totalBytes: number
  readonly #tty: boolean
  readonly #started = Date.now()
  #bytes = 0
  #lastDraw = 0
  #lastTenth: number

  constructor (io: CliIO, total: number, totalBytes: number, have: number) {
    this.#io = io
    this.#total = total
    this.#totalBytes = totalBytes
    this.#tty = io.stdout.isTTY === true
    this.have = have
    this.#lastTenth = this.#tenth()
  }

  block (bytes: number): void {
    this.have++
    this.#bytes += bytes
    const now = Date.now()
    if (this.#tty) {
      if (now - this.#lastDraw >= 100) this.#draw(now)
    } else if (this.#tenth() > this.#lastTenth && now - this.#lastDraw >= 1000) {
      this.#draw(now)
    }
  }

  finish (): void {
    const seconds = (Date.now() - this.#started) / 1000
    if (this.#tty) this.#io.stdout.write('\r\x1b[K')
    this.#io.stdout.write(`downloaded ${this.have}/${this.#total} blocks, ${formatBytes(this.#bytes)} in ${seconds.toFixed(1)} s (${this.#rate()})\n`)
  }

  #draw (now: number): void {
    this.#lastDraw = now
    this.#lastTenth = this.#tenth()
    const fraction = this.#total === 0 ? 1 : this.have / this.#total
    const figures = `${this.have}/${this.#total} blocks  ${formatBytes(this.#bytes)}/${formatBytes(this.#totalBytes)}  ${this.#rate()}`
    if (this.#tty) {
      const width = 24
      const filled = Math.round(fraction * width)
      this.#io.stdout.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${figures}\x1b[K`)
    } else {
      this.#io.stdout.write(`progress ${(fraction * 100).toFixed(0)}%: ${figures}\n`)
    }
  }

  #tenth (): number {
    return this.#total === 0 ? 10 : Math.floor(this.have * 10 / this.#total)
  }

  #rate (): string {
    const seconds = (Date.now() - this.#started) / 1000
    return `${formatBytes(seconds > 0 ? this.#bytes / seconds : 0)}/s`
  }
}

function formatBytes (bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit] ?? ''}`
}

function parseCoreKey (value: string): Buffer {
  try {
    return Corestore.parseKey(value, 'key')
  } catch {
    throw INVALID_KEY('key', value, '64 hex characters or 52 z-base-32 characters')
  }
}

function parseAddress (value: string, flag: string): { host: string, port: number } {
  try {
    return parseBootstrapAddress(value)
  } catch {
    throw USAGE(`${flag} expects host:port, such as 127.0.0.1:49737, got ${JSON.stringify(value)}`)
  }
}

function parseTimeout (value: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) : NaN
  if (!(ms > 0 && ms <= 2 ** 31 - 1)) throw USAGE(`--timeout expects milliseconds (a whole number above 0), got ${JSON.stringify(value)}`)
  return ms
}

async function folderExists (directory: string): Promise<boolean> {
  try {
    const stat = await fs.promises.stat(directory)
    if (!stat.isDirectory()) throw NOT_A_FOLDER(directory)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw err
  }
}

/** A key as the hex this tool prints. */
function toHex (key: Buffer): string {
  return key.toString('hex')
}
