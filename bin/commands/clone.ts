// `corestore-ts clone <key> <folder>`: downloads a whole core into a store folder and verifies it.
import fs = require('fs')
import net = require('net')
import path = require('path')
import Corestore = require('../../lib')
import { parseAddressOption, parseBootstrapOption } from '../address'
import type { Address, AddressOption } from '../address'
import { EXIT_OK, findStoredCore, folderExists, parseCommandArgs, parseDurationOption, parseKeyArgument, toHex, writeJSON } from '../command'
import type { CliIO, Command } from '../command'
import { formatDuration } from '../duration'
import { AUDIT_FAILED, CONNECT_FAILED, CORE_NOT_SERVED, TIMEOUT, USAGE } from '../errors'
import { failureSignal, joinSwarm } from '../network'
import type { Network } from '../network'
import { Progress } from '../progress'
import { sizeFormat } from '../size'
import type { SizeFormat } from '../size'

const DEFAULT_TIMEOUT = 30000

/** `--tcp <host>:<port>`; an IPv6 address in brackets, as `seed --tcp [::1]:4000` prints it. */
const CONNECT_OPTION: AddressOption = { flag: '--tcp', expected: 'host:port, such as 127.0.0.1:49737', bracketedIPv6: true }

const usage = `Usage: corestore-ts clone <key> <folder> [--json] [--bytes] [--tcp <host:port>] [--bootstrap <host:port>]... [--timeout <duration>]

Downloads every block of a core (its public key: 64 hex or 52 z-base-32 characters) into a store
folder (created when missing), from peers found on the Hyperswarm@2 DHT under its discovery key,
or from a \`corestore-ts seed --tcp\` peer. Exits once the core is complete (the length the peer
has, every block downloaded) and its copy verified against its Merkle tree. Run it again to
resume or to catch up with a core that grew. It fails at once when every peer it reached closes
the core's channel unopened, which is how a peer says it does not serve the core. A discovery
key does not clone (peers look a core up by the discovery key of the key given): clone cannot
tell one from a public key, unless <folder> already holds the core it names.

Options:
  --tcp <host:port>        download from this TCP peer instead of Hyperswarm
  --bootstrap <host:port>  a DHT bootstrap node (repeatable); default: Hyperswarm's public ones
  --timeout <duration>     give up when no peer is found, or no block arrives, for this long:
                           90s, 500ms, 2m, 1h, 1m30s; a bare number is milliseconds
                           (default ${formatDuration(DEFAULT_TIMEOUT)})
  --json                   print the result as one JSON line on stdout: { key, discoveryKey,
                           folder, length, byteLength, downloadedBlocks, downloadedBytes, ms,
                           valid, invalid }; the other messages go to stderr
  --bytes                  print sizes and rates as exact byte counts (default: readable,
                           such as 76.3 MiB)
  -h, --help               print this help

Progress goes to stderr: on a terminal one line redrawn in place, as wide as the terminal at
most (percentage, blocks, size, the rate over the last seconds, time left); otherwise a plain
line at every tenth of the core (at most one a second). The result goes to stdout. When it
fails, a folder it created is removed again.

Exit codes: 0 once the copy is complete and verified, 1 when the clone fails (no peer within
--timeout, no peer that serves the core, a stalled download, a copy that fails verification),
2 for a usage error (a discovery key of a core <folder> holds among them).
`

export const command: Command = {
  name: 'clone',
  summary: 'download a core by key into a store folder over Hyperswarm@2 (or TCP) and verify it',
  usage,
  async run (argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, {
      tcp: { type: 'string' },
      bootstrap: { type: 'string', multiple: true },
      timeout: { type: 'string' },
      json: { type: 'boolean' },
      bytes: { type: 'boolean' }
    })
    const [key, folder, ...extra] = positionals
    if (key === undefined || folder === undefined) throw USAGE('Clone needs the key of a core and a folder')
    if (extra.length > 0) throw USAGE(`Clone takes one key and one folder, got also ${extra.map(arg => JSON.stringify(arg)).join(' ')}`)
    const publicKey = parseKeyArgument(key, 'key')
    const tcp = values.tcp === undefined ? null : parseAddressOption(values.tcp, CONNECT_OPTION)
    const bootstrap = values.bootstrap?.map(parseBootstrapOption)
    if (tcp !== null && bootstrap !== undefined) throw USAGE('--bootstrap is for Hyperswarm; --tcp connects without it')
    const timeout = values.timeout === undefined ? DEFAULT_TIMEOUT : parseDurationOption(values.timeout, '--timeout')
    const json = values.json === true
    const size = sizeFormat(values.bytes === true)
    // With --json stdout carries the result only; what happens on the way is told on stderr.
    const say = (text: string): void => { (json ? io.stderr : io.stdout).write(text + '\n') }

    const directory = path.resolve(folder)
    const existed = await folderExists(directory)
    // The one place a discovery key shows for what it is: the folder already holds the core it names.
    const named = existed ? await findStoredCore(directory, publicKey) : null
    if (named !== null) {
      throw USAGE(`${toHex(publicKey)} is the discovery key of core ${toHex(named.publicKey)} in ${directory}; clone takes the public key: corestore-ts clone ${toHex(named.publicKey)} ${folder}`)
    }
    const store = new Corestore(directory)
    let network: Network | null = null
    // Every block this run fetched, from the moment the core opened: a non-sparse core starts
    // downloading as soon as a peer connects, before the progress display begins.
    const downloaded = { blocks: 0, bytes: 0 }
    let failed = true
    let downloadMs = 0
    try {
      const core = store.get({ key: publicKey })
      await core.ready()
      core.on('download', (_index: number, data: Buffer) => {
        downloaded.blocks++
        downloaded.bytes += data.length
      })
      say(`Cloning ${toHex(publicKey)} (discovery key ${toHex(core.discoveryKey as Buffer)}) into ${directory}`)
      if (core.writable) {
        say('This store holds the writable core itself: nothing to download')
      } else {
        const watchdog = new Watchdog(timeout)
        const where = tcp === null ? 'on the DHT' : `at ${tcp.host}:${tcp.port}`
        const stopWatching = watchRefusals(core, () => watchdog.fail(CORE_NOT_SERVED(tcp === null
          ? `The peers found on the DHT do not serve core ${toHex(publicKey)}: each closed its channel`
          : `The peer ${where} does not serve core ${toHex(publicKey)}; ${mightBeDiscoveryKey(publicKey)}`)))
        try {
          network = tcp === null ? lookUp(store, core, bootstrap, say) : connectTcp(store, tcp, say)
          network.failed.catch(err => watchdog.fail(err))
          downloadMs = await download(core, { io, say, size, watchdog, where, timeout, fetched: () => downloaded.blocks })
        } finally {
          stopWatching()
          watchdog.stop()
        }
      }
      const { valid, invalid } = await verify(core, say)
      if (json) {
        writeJSON(io.stdout, {
          key: toHex(publicKey),
          discoveryKey: toHex(core.discoveryKey as Buffer),
          folder: directory,
          length: core.length,
          byteLength: core.byteLength,
          downloadedBlocks: downloaded.blocks,
          downloadedBytes: downloaded.bytes,
          ms: downloadMs,
          valid,
          invalid
        })
      } else {
        say(`Cloned ${toHex(publicKey)} into ${directory}`)
      }
      failed = false
    } finally {
      if (network !== null) await network.close()
      await store.close()
      // Like `git clone`: a failed clone leaves no folder behind that it created and filled with nothing.
      if (failed && !existed && downloaded.blocks === 0) await fs.promises.rm(directory, { recursive: true, force: true })
    }
    return EXIT_OK
  }
}

type Core = Corestore.Core

/** What a download needs of the clone that runs it. */
interface DownloadRun {
  io: CliIO
  say: (text: string) => void
  size: SizeFormat
  watchdog: Watchdog
  /** Where peers are looked for, as the messages say it: `on the DHT`, `at 127.0.0.1:4000`. */
  where: string
  timeout: number
  /** The blocks this run fetched so far, since the core opened. */
  fetched: () => number
}

/** Waits for a peer, learns the length it has, downloads every block up to it; resolves to the ms the download took. */
async function download (core: Core, { io, say, size, watchdog, where, timeout, fetched }: DownloadRun): Promise<number> {
  const key = toHex(core.key as Buffer)
  watchdog.expect(`No peer ${where} had core ${key} within ${formatDuration(timeout)}; ${mightBeDiscoveryKey(core.key as Buffer)}`)
  await watchdog.race(remotePeer(core))

  // Without `ifAvailable` update() would wait for more blocks than we have, forever on a complete copy.
  await watchdog.race(core.update({ ifAvailable: true }).catch(err => {
    if (!/No update available/.test((err as Error).message)) throw err
  }))
  // On a busy machine update() can settle before the peer's first `have` arrived: an empty answer
  // gets a grace period for it (a core that really is empty then clones as empty).
  if (core.length === 0 && core.remoteLength === 0) await remoteUpdate(core, EMPTY_GRACE_MS)
  const total = Math.max(core.length, core.remoteLength)
  const have = core.downloaded(0, total)
  // The bytes already here are known exactly only for none or all blocks; in between, estimated.
  const haveBytes = total === 0 ? 0 : Math.round(core.byteLength * have / total)
  say(`Core length: ${total} ${total === 1 ? 'block' : 'blocks'}, ${size(core.byteLength)}`)
  const progress = new Progress({ stream: io.stderr, total, totalBytes: core.byteLength, have, haveBytes, formatSize: size })
  const onblock = (index: number, data: Buffer): void => {
    watchdog.kick()
    if (index < total) progress.block(data.length)
  }
  core.on('download', onblock)
  let done: ReturnType<Progress['finish']>
  try {
    watchdog.expect(() => `Download stalled: no block arrived for ${formatDuration(timeout)} (${progress.have} of ${total} blocks)`)
    if (core.downloaded(0, total) < total) await watchdog.race(core.download({ start: 0, end: total }))
  } finally {
    core.removeListener('download', onblock)
    done = progress.finish()
  }
  // A copy complete before this run: nothing came, and a rate of 0 B in 0.0 s says nothing.
  if (fetched() === 0) {
    say('Already complete, 0 new blocks')
    return done.ms
  }
  const seconds = done.ms / 1000
  say(`Downloaded ${progress.have}/${total} blocks, ${size(done.bytes)} in ${seconds.toFixed(1)} s (${size(seconds > 0 ? done.bytes / seconds : 0)}/s)`)
  return done.ms
}

async function verify (core: Core, say: (text: string) => void): Promise<{ valid: number, invalid: number }> {
  const { valid, invalid } = await core.audit()
  if (invalid > 0) throw AUDIT_FAILED(toHex(core.key as Buffer), valid, invalid)
  say(`Verified ${valid} ${valid === 1 ? 'block' : 'blocks'}: 0 invalid`)
  return { valid, invalid }
}

/** How long clone waits for a peer's length when its first answer says the core is empty. */
const EMPTY_GRACE_MS = 3000

/** Resolves on the next length a peer reports, or after `ms`. */
function remoteUpdate (core: Core, ms: number): Promise<void> {
  return new Promise(resolve => {
    const done = (): void => {
      clearTimeout(timer)
      core.removeListener('remote-update', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    core.on('remote-update', done)
  })
}

/** Resolves once a peer has opened the core on its side (it has it, and will say how long it is). */
function remotePeer (core: Core): Promise<void> {
  if (core.peers.some(remoteOpened)) return Promise.resolve()
  return new Promise(resolve => core.once('peer-open', () => resolve()))
}

type Peer = Core['peers'][number]

/** Whether the peer opened the core's channel on its side: hypercore@9 sets it, its declaration lacks it. */
function remoteOpened (peer: Peer): boolean {
  return (peer as { remoteOpened?: boolean }).remoteOpened === true
}

/**
 * Calls `onrefused` once every peer the core replicates with has refused it. hypercore-protocol@8
 * closes the channel of a core the remote does not serve without opening it (a corestore-ts seed
 * at once); a channel that closes because its connection ends is no answer, and the stream is
 * then being destroyed (streamx's `destroying`, which the stream's declaration lacks). Hyperswarm
 * may connect to one peer twice and drop one connection: a connection that ends to a peer that
 * refused on another one counts as that peer's refusal, whichever of the two goes first.
 */
function watchRefusals (core: Core, onrefused: () => void): () => void {
  const refused = new Set<string>()
  /** Peers whose connection ended before they answered (null: a peer with no key to tell it by). */
  const unanswered = new Set<string | null>()
  const onremove = (peer: Peer): void => {
    if (remoteOpened(peer)) return
    const id = peer.remotePublicKey?.toString('hex') ?? null
    const ending = (peer.stream.stream as { destroying?: boolean }).destroying === true
    if (ending) {
      if (id === null || !refused.has(id)) unanswered.add(id)
    } else {
      // A peer with no key (no handshake) refused too: it is told apart by nothing else.
      refused.add(id ?? '')
      if (id !== null) unanswered.delete(id)
    }
    if (core.peers.length === 0 && refused.size > 0 && unanswered.size === 0) onrefused()
  }
  core.on('peer-remove', onremove)
  return () => { core.removeListener('peer-remove', onremove) }
}

/**
 * The advice for a key no peer serves. A discovery key and a public key are both 32 bytes that look
 * random: the clone cannot tell which it was given. Given a discovery key, it asks for the core
 * whose discovery key is that key's, which nobody has.
 */
function mightBeDiscoveryKey (key: Buffer): string {
  return `if ${toHex(key).slice(0, 8)}… is a discovery key, give clone the core's public key instead: seed prints it first, and corestore-ts inspect <folder> lists it`
}

function lookUp (store: Corestore, core: Core, bootstrap: string[] | undefined, say: (text: string) => void): Network {
  say(`Looking up peers on the DHT${bootstrap === undefined ? '' : ` (bootstrap ${bootstrap.join(', ')})`}`)
  return joinSwarm(store, {
    bootstrap,
    mode: 'lookup',
    topics: [{ discoveryKey: core.discoveryKey as Buffer }],
    onPeerAdd: peer => say(`Connected to ${peer.address ?? 'a peer'} (${peer.type})`)
  })
}

function connectTcp (store: Corestore, address: Address, say: (text: string) => void): Network {
  const where = `${address.host}:${address.port}`
  const socket = net.connect(address.port, address.host)
  const { failed, fail } = failureSignal()
  const onerror = (err: NodeJS.ErrnoException): void => {
    fail(CONNECT_FAILED(where, err.code ?? err.message))
  }
  socket.once('error', onerror)
  socket.once('connect', () => {
    socket.removeListener('error', onerror)
    say(`Connected to ${where} (tcp)`)
    store.replicate(socket, { initiator: true, live: true })
  })
  return {
    failed,
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
  readonly #failure = failureSignal()
  #timer: NodeJS.Timeout | null = null
  #message: () => string = () => 'Timed out'

  constructor (ms: number) {
    this.#ms = ms
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
    this.#failure.fail(err)
  }

  stop (): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
  }

  race<T> (promise: PromiseLike<T>): Promise<T> {
    return Promise.race([promise, this.#failure.failed])
  }
}
