import test from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'child_process'
import crypto = require('crypto')
import fs = require('fs')
import path = require('path')
import ram = require('random-access-memory')
import z32 = require('z32')
import Corestore = require('../lib')
import { startLinkProxy } from '../bench/link'
import { command as seedCommand } from '../bin/commands/seed'
import { ProtocolStream } from '../lib/hypercore9'
import { StoreSwarm, startBootstrapNode } from '../lib/swarm'
import type { SwarmPeer } from '../lib/swarm'
import { listFiles, tmpdir } from './helpers/store'

const CLI = path.join(__dirname, '..', 'bin', 'corestore-ts.js')
const BLOCKS = 3000

interface Exit { code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string }

interface Running {
  /** Resolves with the first match of `pattern` in stdout, failing after `ms` or when the process exits first. */
  waitFor (pattern: RegExp, ms?: number): Promise<RegExpMatchArray>
  /** Resolves when the process exits, failing after `ms`. */
  exited (ms?: number): Promise<Exit>
  signal (name: NodeJS.Signals): void
  stdout (): string
}

/** Runs `corestore-ts <args>` in a child process (in `cwd`); `cleanup` kills it if it still runs. */
function cli (args: string[], cleanup: (fn: () => Promise<unknown>) => void, cwd?: string): Running {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd })
  let stdout = ''
  let stderr = ''
  const output = new EventTarget()
  child.stdout.setEncoding('utf-8').on('data', (chunk: string) => { stdout += chunk; output.dispatchEvent(new Event('data')) })
  child.stderr.setEncoding('utf-8').on('data', (chunk: string) => { stderr += chunk })
  const exit = new Promise<Exit>(resolve => child.once('close', (code, signal) => {
    output.dispatchEvent(new Event('data'))
    resolve({ code, signal, stdout, stderr })
  }))
  let ended = false
  exit.then(() => { ended = true }, () => {})
  cleanup(async () => {
    if (ended) return
    child.kill('SIGKILL')
    await exit
  })
  const describe = (): string => `corestore-ts ${args.join(' ')}\nstdout: ${stdout}\nstderr: ${stderr}`
  return {
    waitFor: (pattern, ms = 20000) => new Promise((resolve, reject) => {
      const check = (): void => {
        const match = pattern.exec(stdout)
        if (match !== null) return finish(null, match)
        if (ended) finish(new Error(`exited before printing ${String(pattern)}: ${describe()}`))
      }
      const timer = setTimeout(() => finish(new Error(`no ${String(pattern)} within ${ms} ms: ${describe()}`)), ms)
      const finish = (err: Error | null, match?: RegExpMatchArray): void => {
        clearTimeout(timer)
        output.removeEventListener('data', check)
        if (err !== null || match === undefined) reject(err)
        else resolve(match)
      }
      output.addEventListener('data', check)
      check()
    }),
    exited: (ms = 30000) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`still running after ${ms} ms: ${describe()}`)), ms)
      exit.then(result => {
        clearTimeout(timer)
        resolve(result)
      }, reject)
    }),
    signal: name => { child.kill(name) },
    stdout: () => stdout
  }
}

/** One after-hook that runs the cleanups in reverse order. */
function cleanups (t: { after: (fn: () => Promise<void>) => void }): (fn: () => Promise<unknown>) => void {
  const stack: Array<() => Promise<unknown>> = []
  t.after(async () => {
    for (const fn of stack.reverse()) await fn()
  })
  return fn => { stack.push(fn) }
}

interface SourceStore { key: Buffer, discoveryKey: Buffer, small: Buffer, blocks: Buffer[] }

/** A store folder with a core of BLOCKS blocks of varied sizes and a one-block core. */
async function sourceStore (dir: string): Promise<SourceStore> {
  const store = new Corestore(dir)
  const big = store.get({ name: 'big' })
  const blocks = Array.from({ length: BLOCKS }, (_, i) => Buffer.alloc(50 + (i * 37) % 500, i % 251))
  for (let i = 0; i < BLOCKS; i += 500) await big.append(blocks.slice(i, i + 500))
  const small = store.get({ name: 'small' })
  await small.append('one block')
  const result = { key: big.key as Buffer, discoveryKey: big.discoveryKey as Buffer, small: small.discoveryKey as Buffer, blocks }
  await store.close()
  return result
}

/** Opens the cloned folder and checks every block against the source, and the Merkle tree. */
async function assertCopy (dir: string, key: Buffer, blocks: Buffer[]): Promise<void> {
  const store = new Corestore(dir)
  try {
    const copy = store.get({ key, createIfMissing: false })
    await copy.ready()
    assert.equal(copy.length, BLOCKS)
    assert.equal(copy.downloaded(), BLOCKS)
    assert.equal(copy.writable, false)
    assert.deepEqual(await copy.audit(), { valid: BLOCKS, invalid: 0 })
    const got = await copy.getBatch(0, BLOCKS) as Buffer[]
    assert.ok(got.every((block, i) => block.equals(blocks[i] as Buffer)), 'every block equals the original')
  } finally {
    await store.close()
  }
}

type Cleanup = (fn: () => Promise<unknown>) => void

/** A test's temporary folder, removed after it, with the source store in `<dir>/source`. */
async function withSource (t: { after: (fn: () => Promise<void>) => void }): Promise<SourceStore & { cleanup: Cleanup, dir: string, source: string }> {
  const cleanup = cleanups(t)
  const { dir, cleanup: removeDir } = await tmpdir()
  cleanup(removeDir)
  const source = path.join(dir, 'source')
  return { cleanup, dir, source, ...await sourceStore(source) }
}

/** A DHT of one node on this machine, closed after the test: its bootstrap address. */
async function localDht (cleanup: Cleanup): Promise<string> {
  const dht = await startBootstrapNode()
  cleanup(() => dht.close())
  return dht.bootstrap[0] as string
}

/** Every file below `dir` with a hash of its bytes. */
async function snapshot (dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const file of await listFiles(dir)) {
    out.set(file, crypto.createHash('sha256').update(await fs.promises.readFile(path.join(dir, file))).digest('hex'))
  }
  return out
}

/** stderr of a clone that went well: progress lines (stderr is a pipe here) and nothing else. */
function assertOnlyProgress (stderr: string): void {
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(stderr, /\r|\x1b/, 'no terminal control characters in a pipe')
  for (const line of stderr.split('\n').filter(line => line.length > 0)) assert.match(line, /^Progress \d+%: /)
}

/** Every line of the text output opens with a capital, or with a literal (indented lines: a command, a label). */
function assertSentences (stdout: string): void {
  for (const line of stdout.split('\n').filter(line => line.length > 0 && !line.startsWith('  '))) assert.match(line, /^[^a-z]/, line)
}

function oneLine (stderr: string): string {
  const lines = stderr.split('\n').filter(line => line.length > 0)
  assert.equal(lines.length, 1, `one line on stderr, got: ${stderr}`)
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace')
  return lines[0] as string
}

test('seed and clone copy a core of thousands of blocks over a local DHT, and the copy verifies', { timeout: 90000 }, async t => {
  const cleanup = cleanups(t)
  const { dir, cleanup: removeDir } = await tmpdir()
  cleanup(removeDir)
  const source = path.join(dir, 'source')
  const target = path.join(dir, 'target')
  const { key, discoveryKey, small, blocks } = await sourceStore(source)
  const files = await snapshot(source)
  const dht = await startBootstrapNode()
  cleanup(() => dht.close())

  const seed = cli(['seed', source, '--bootstrap', dht.bootstrap[0] as string], cleanup)
  await seed.waitFor(/^Seeding 2 cores from /m)
  // Every core of the folder: its key first, with the command that clones it; its discovery key after.
  assert.match(seed.stdout(), new RegExp([
    `^Announced core ${key.toString('hex')} \\(${BLOCKS} blocks, 877\\.4 KiB\\); clone it with:`,
    `  corestore-ts clone ${key.toString('hex')} source-copy --bootstrap ${dht.bootstrap[0] ?? ''}`,
    `  Discovery key: ${discoveryKey.toString('hex')} \\(what peers look the core up by; clone needs the key above\\)$`
  ].join('\n'), 'm'))
  assert.match(seed.stdout(), new RegExp(`^  Discovery key: ${small.toString('hex')} `, 'm'))
  assertSentences(seed.stdout())

  const clone = cli(['clone', z32.encode(key), target, '--bootstrap', dht.bootstrap[0] as string, '--timeout', '20s'], cleanup)
  const result = await clone.exited(60000)
  assertOnlyProgress(result.stderr)
  assert.equal(result.code, 0, result.stdout)
  assertSentences(result.stdout)
  assert.match(result.stdout, new RegExp(`^Core length: ${BLOCKS} blocks, 877\\.4 KiB$`, 'm'))
  assert.match(result.stdout, new RegExp(`^Downloaded ${BLOCKS}/${BLOCKS} blocks`, 'm'))
  assert.match(result.stdout, new RegExp(`^Verified ${BLOCKS} blocks: 0 invalid$`, 'm'))
  await assertCopy(target, key, blocks)

  await seed.waitFor(/^Peer left: /m)
  seed.signal('SIGINT')
  const stopped = await seed.exited()
  assert.equal(stopped.code, 0, stopped.stderr)
  assert.match(stopped.stdout, /^Stopping\nStopped\n$/m)
  assert.equal(stopped.stderr, '')
  assertSentences(stopped.stdout)

  assert.deepEqual(await snapshot(source), files, 'seeding wrote nothing: the same files, the same bytes')
})

test('seed --tcp serves the discovery keys given on 127.0.0.1; the clone line it prints downloads from it, and again into the complete copy downloads nothing', { timeout: 90000 }, async t => {
  const cleanup = cleanups(t)
  const { dir, cleanup: removeDir } = await tmpdir()
  cleanup(removeDir)
  const source = path.join(dir, 'source')
  const target = path.join(dir, 'source-copy')
  const { key, discoveryKey, blocks } = await sourceStore(source)

  const seed = cli(['seed', source, discoveryKey.toString('hex'), '--tcp', '0'], cleanup)
  const [, port] = await seed.waitFor(/^Listening on TCP 127\.0\.0\.1:(\d+)$/m)
  await seed.waitFor(/^Seeding 1 core from /m)
  assert.equal(seed.stdout().match(/^Serving /gm)?.length, 1, 'only the core asked for')
  const lines = seed.stdout().split('\n')
  const serving = lines.findIndex(line => line.startsWith('Serving core '))
  assert.equal(lines[serving], `Serving core ${key.toString('hex')} (${BLOCKS} blocks, 877.4 KiB); clone it with:`)
  assert.equal(lines[serving + 2], `  Discovery key: ${discoveryKey.toString('hex')} (what peers look the core up by; clone needs the key above)`)

  // The clone line as printed, run where the seed's folder is: a copy beside it.
  const cloneLine = lines[serving + 1] ?? ''
  assert.equal(cloneLine, `  corestore-ts clone ${key.toString('hex')} source-copy --tcp 127.0.0.1:${port ?? ''}`)
  const clone = cli([...cloneLine.trim().split(' ').slice(1), '--timeout', '20000'], cleanup, dir)
  const result = await clone.exited(60000)
  assert.equal(result.code, 0, result.stderr)
  assertOnlyProgress(result.stderr)
  assert.match(result.stdout, new RegExp(`^Verified ${BLOCKS} blocks: 0 invalid$`, 'm'))
  await assertCopy(target, key, blocks)

  // Sizes read as people read them; --bytes gives every byte.
  const inspected = await cli(['inspect', target], cleanup).exited()
  assert.match(inspected.stdout, new RegExp(`^${discoveryKey.toString('hex')}\t${key.toString('hex')}\tread-only\t-\t${BLOCKS}\t877\\.4 KiB\t-$`, 'm'))
  const exact = await cli(['inspect', target, '--bytes'], cleanup).exited()
  assert.match(exact.stdout, new RegExp(`^${discoveryKey.toString('hex')}\t${key.toString('hex')}\tread-only\t-\t${BLOCKS}\t898500\t-$`, 'm'))

  // Again into the complete copy: nothing left to download, still verified.
  const again = await cli(['clone', key.toString('hex'), target, '--tcp', `127.0.0.1:${port ?? ''}`, '--timeout', '20000', '--bytes'], cleanup).exited(60000)
  assert.equal(again.code, 0, again.stderr)
  assert.match(again.stdout, new RegExp(`^Core length: ${BLOCKS} blocks, 898500 B$`, 'm'))
  assert.match(again.stdout, /^Already complete, 0 new blocks$/m)
  assert.doesNotMatch(again.stdout, /^Downloaded /m)
  assert.match(again.stdout, new RegExp(`^Verified ${BLOCKS} blocks: 0 invalid$`, 'm'))

  seed.signal('SIGTERM')
  const stopped = await seed.exited()
  assert.equal(stopped.code, 0, stopped.stderr)
  assert.match(stopped.stdout, /Stopped\n$/)
})

/** The --json part of `seed --help`. */
const SEED_JSON_HELP = seedCommand.usage.slice(seedCommand.usage.indexOf('  --json'), seedCommand.usage.indexOf('  --bytes'))

function jsonLines (stdout: string): Array<Record<string, unknown>> {
  return stdout.split('\n').filter(line => line.length > 0).map(line => JSON.parse(line) as Record<string, unknown>)
}

test('seed --help lists every event --json prints, with every field', { timeout: 90000 }, async t => {
  const { cleanup, dir, source, key } = await withSource(t)
  const bootstrap = await localDht(cleanup)

  // Over the DHT, with a status page, and a peer that comes and goes.
  const swarmed = cli(['seed', source, '--bootstrap', bootstrap, '--status', '0', '--json'], cleanup)
  await swarmed.waitFor(/"event":"seeding"/)
  const clone = await cli(['clone', key.toString('hex'), path.join(dir, 'copy'), '--bootstrap', bootstrap, '--json'], cleanup).exited(60000)
  assert.equal(clone.code, 0, clone.stderr)
  await swarmed.waitFor(/"event":"peer-left"/)
  swarmed.signal('SIGINT')
  const overDht = await swarmed.exited()
  assert.equal(overDht.code, 0, overDht.stderr)

  const tcp = cli(['seed', source, '--tcp', '0', '--json'], cleanup)
  await tcp.waitFor(/"event":"seeding"/)
  tcp.signal('SIGTERM')
  const overTcp = await tcp.exited()
  assert.equal(overTcp.code, 0, overTcp.stderr)

  const events = [...jsonLines(overDht.stdout), ...jsonLines(overTcp.stdout)]
  assert.deepEqual([...new Set(events.map(event => String(event.event)))].sort(),
    ['announced', 'bootstrap', 'listening', 'peer-connected', 'peer-left', 'seeding', 'serving', 'status', 'stopped', 'stopping'])
  for (const event of events) {
    const name = String(event.event)
    assert.ok(SEED_JSON_HELP.includes(`"${name}"`), `seed --help lists the event ${name}`)
    for (const field of Object.keys(event)) assert.match(SEED_JSON_HELP, new RegExp(`\\b${field}\\b`), `seed --help lists the field ${field} of ${name}`)
  }
})

test('seed tells of a peer whose second connection replaces its first as one peer, with one address', { timeout: 90000 }, async t => {
  const { cleanup, source, discoveryKey } = await withSource(t)
  const bootstrap = await localDht(cleanup)
  const seed = cli(['seed', source, '--bootstrap', bootstrap, '--json'], cleanup)
  await seed.waitFor(/"event":"seeding"/)

  /** A peer of its own (a store in memory on a swarm) that dials the seed, showing `keyPair`. */
  const dial = async (keyPair?: ProtocolStream.KeyPair): Promise<{ swarm: StoreSwarm, peer: SwarmPeer }> => {
    const store = new Corestore(ram)
    const swarm = new StoreSwarm(store, { bootstrap: [bootstrap], announce: false, lookup: true, lan: false, keyPair })
    cleanup(async () => {
      await swarm.close()
      await store.close()
    })
    const connected = new Promise<SwarmPeer>(resolve => swarm.once('peer-add', resolve))
    await swarm.join(discoveryKey)
    return { swarm, peer: await connected }
  }
  // Of two connections between the same two peers, Hyperswarm keeps the later on the side whose
  // key is the greater: learn the seed's key, and dial twice with a smaller one.
  const probe = await dial()
  const seedKey = probe.peer.remotePublicKey
  await probe.swarm.close()
  let keyPair = ProtocolStream.keyPair()
  while (Buffer.compare(keyPair.publicKey, seedKey) >= 0) keyPair = ProtocolStream.keyPair()
  const id = keyPair.publicKey.toString('hex')

  const first = await dial(keyPair)
  const replaced = new Promise(resolve => first.swarm.once('peer-remove', resolve))
  const second = await dial(keyPair)
  await replaced
  assert.notEqual(second.peer.stream, first.peer.stream)
  await first.swarm.close()
  await second.swarm.close()
  await seed.waitFor(new RegExp(`"event":"peer-left","peer":"${id}"`))
  seed.signal('SIGTERM')
  const told = jsonLines((await seed.exited()).stdout).filter(event => event.peer === id)
  assert.deepEqual(told.map(event => event.event), ['peer-connected', 'peer-left'])
  assert.equal(told[1]?.address, told[0]?.address, 'it leaves from the address it connected from')
  assert.equal(told[1]?.transport, told[0]?.transport)
})

test('clone --tcp through a link with 50 ms of latency each way (a delaying proxy) completes and verifies', { timeout: 120000 }, async t => {
  const { cleanup, dir, source, key, discoveryKey, blocks } = await withSource(t)
  const target = path.join(dir, 'target')
  const seed = cli(['seed', source, discoveryKey.toString('hex'), '--tcp', '0'], cleanup)
  const [, port] = await seed.waitFor(/^Listening on TCP 127\.0\.0\.1:(\d+)$/m)
  const proxy = await startLinkProxy({ host: '127.0.0.1', port: Number(port) }, { delayMs: 50 })
  cleanup(() => proxy.close())
  const clone = cli(['clone', key.toString('hex'), target, '--tcp', `127.0.0.1:${proxy.port}`, '--timeout', '60s'], cleanup)
  const result = await clone.exited(110000)
  assert.equal(result.code, 0, result.stderr)
  assert.match(result.stdout, new RegExp(`^Verified ${BLOCKS} blocks: 0 invalid$`, 'm'))
  await assertCopy(target, key, blocks)
  seed.signal('SIGTERM')
  await seed.exited()
})

test('clone without a peer gives up after --timeout with one line, and leaves no folder behind', { timeout: 60000 }, async t => {
  const cleanup = cleanups(t)
  const { dir, cleanup: removeDir } = await tmpdir()
  cleanup(removeDir)
  const dht = await startBootstrapNode()
  cleanup(() => dht.close())
  const target = path.join(dir, 'target')
  const key = Buffer.alloc(32, 0xab).toString('hex')

  const result = await cli(['clone', key, target, '--bootstrap', dht.bootstrap[0] as string, '--timeout', '1s'], cleanup).exited()
  assert.equal(result.code, 1)
  assert.equal(oneLine(result.stderr), `corestore-ts: No peer on the DHT had core ${key} within 1 s; ${DISCOVERY_KEY_ADVICE('abababab')}`)
  assert.equal(fs.existsSync(target), false)
})

/** What clone says of a key no peer serves, which it cannot tell from a discovery key. */
const DISCOVERY_KEY_ADVICE = (start: string): string =>
  `if ${start}… is a discovery key, give clone the core's public key instead: seed prints it first, and corestore-ts inspect <folder> lists it`

test('clone given a discovery key: the TCP peer\'s refusal ends it at once, with advice; a folder holding the core names its public key', { timeout: 60000 }, async t => {
  const { cleanup, dir, source, key, discoveryKey } = await withSource(t)
  const target = path.join(dir, 'target')
  const seed = cli(['seed', source, '--tcp', '0'], cleanup)
  const [, port] = await seed.waitFor(/^Listening on TCP 127\.0\.0\.1:(\d+)$/m)
  await seed.waitFor(/^Seeding 2 cores /m)
  const dkey = discoveryKey.toString('hex')

  // The seed closes the channel it does not serve: the clone ends then, not after its --timeout.
  const refused = await cli(['clone', dkey, target, '--tcp', `127.0.0.1:${port ?? ''}`, '--timeout', '10m'], cleanup).exited()
  assert.equal(refused.code, 1)
  assert.equal(oneLine(refused.stderr), `corestore-ts: The peer at 127.0.0.1:${port ?? ''} does not serve core ${dkey}; ${DISCOVERY_KEY_ADVICE(dkey.slice(0, 8))}`)
  assert.equal(fs.existsSync(target), false, 'no folder left behind')

  // Into a folder that holds the core, the discovery key is known for what it is.
  const cloned = await cli(['clone', key.toString('hex'), target, '--tcp', `127.0.0.1:${port ?? ''}`], cleanup).exited(60000)
  assert.equal(cloned.code, 0, cloned.stderr)
  const files = await snapshot(target)
  const named = await cli(['clone', dkey, target, '--tcp', `127.0.0.1:${port ?? ''}`], cleanup).exited()
  assert.equal(named.code, 2)
  assert.equal(oneLine(named.stderr), `corestore-ts: ${dkey} is the discovery key of core ${key.toString('hex')} in ${target}; clone takes the public key: corestore-ts clone ${key.toString('hex')} ${target} (see corestore-ts clone --help)`)
  assert.equal(named.stdout, '')
  assert.deepEqual(await snapshot(target), files, 'nothing written')
  seed.signal('SIGTERM')
  await seed.exited()
})

test('clone over the DHT fails at once when every peer found closes the core\'s channel', { timeout: 60000 }, async t => {
  const { cleanup, dir } = await withSource(t)
  const bootstrap = await localDht(cleanup)
  // A peer that announces a discovery key without holding its core (an empty store): it closes the channel.
  const key = crypto.randomBytes(32)
  const store = new Corestore(ram)
  const swarm = new StoreSwarm(store, { bootstrap: [bootstrap], announce: true, lookup: false })
  cleanup(async () => {
    await swarm.close()
    await store.close()
  })
  await swarm.join(Corestore.discoveryKey(key))

  const target = path.join(dir, 'target')
  const result = await cli(['clone', key.toString('hex'), target, '--bootstrap', bootstrap, '--timeout', '10m'], cleanup).exited()
  assert.equal(result.code, 1)
  // Found under the core's discovery key, the peer was asked by the right key: no advice about discovery keys.
  assert.equal(oneLine(result.stderr), `corestore-ts: The peers found on the DHT do not serve core ${key.toString('hex')}: each closed its channel`)
  assert.equal(fs.existsSync(target), false)
})

test('bad input gives one line on stderr and a non-zero exit: key, folder, bootstrap, peer address', { timeout: 60000 }, async t => {
  const cleanup = cleanups(t)
  const { dir, cleanup: removeDir } = await tmpdir()
  cleanup(removeDir)
  const source = path.join(dir, 'source')
  await sourceStore(source)
  const files = await snapshot(source)
  // Each clone its own target folder: they run at the same time.
  let targets = 0
  const target = (): string => path.join(dir, `target-${++targets}`)
  const key = Buffer.alloc(32, 0xcd).toString('hex')

  const cases: Array<[string[], RegExp, number]> = [
    [['clone', 'not-a-key', target()], /^corestore-ts: Invalid key: got the string "not-a-key"/, 2],
    [['clone', key.slice(1), target()], /^corestore-ts: Invalid key: /, 2],
    [['clone', key], /^corestore-ts: Clone needs the key of a core and a folder \(see corestore-ts clone --help\)$/, 2],
    [['clone', key, target(), '--timeout', 'soon'], /^corestore-ts: --timeout expects a duration such as 90s, 500ms, 2m or 1h \(a bare number is milliseconds\), got "soon"/, 2],
    [['clone', key, target(), '--tcp', 'localhost'], /^corestore-ts: --tcp expects host:port/, 2],
    [['clone', key, target(), '--tcp', '127.0.0.1:1'], /^corestore-ts: Cannot connect to 127\.0\.0\.1:1: ECONNREFUSED$/, 1],
    [['clone', key, target(), '--bootstrap', 'no-such-host.invalid:49737'], /^corestore-ts: Cannot resolve the DHT bootstrap host no-such-host\.invalid/, 1],
    // Nothing answers on UDP port 1: after the DHT's own timeouts (about 7.5 s), not --timeout.
    [['clone', key, target(), '--bootstrap', '127.0.0.1:1', '--timeout', '60000'], /^corestore-ts: No DHT bootstrap node answered \(127\.0\.0\.1:1\)$/, 1],
    [['seed', path.join(dir, 'missing')], /^corestore-ts: No such folder: /, 1],
    [['seed', source, 'xyz'], /^corestore-ts: Invalid key: got the string "xyz"/, 2],
    [['seed', source, Buffer.alloc(32).toString('hex'), '--tcp', '0'], /^corestore-ts: .* holds no core with 0{64} as its discovery key or its public key \(seed takes either; /, 1],
    [['seed', source, '--bootstrap', 'no-such-host.invalid:49737'], /^corestore-ts: Cannot resolve the DHT bootstrap host/, 1],
    [['seed', source, '--bootstrap', '127.0.0.1:1'], /^corestore-ts: No DHT bootstrap node answered \(127\.0\.0\.1:1\)$/, 1],
    [['seed', source, '--tcp', 'http'], /^corestore-ts: --tcp expects \[host:\]port/, 2],
    [['seed', source, '--frobnicate'], /^corestore-ts: Unknown option --frobnicate \(see corestore-ts seed --help\)$/, 2]
  ]
  const check = async ([args, expected, code]: [string[], RegExp, number]): Promise<void> => {
    const result = await cli(args, cleanup).exited()
    const line = oneLine(result.stderr)
    assert.match(line, expected, args.join(' '))
    assert.match(line, /^corestore-ts: [^a-z]/, `${args.join(' ')}: sentence case`)
    assert.equal(result.code, code, args.join(' '))
  }
  // The clones run at the same time; the seeds one after another, as a store holds its folder's lock.
  await Promise.all(cases.filter(([args]) => args[0] === 'clone').map(check))
  for (const seed of cases.filter(([args]) => args[0] === 'seed')) await check(seed)
  assert.deepEqual(fs.readdirSync(dir), ['source'], 'no clone left a folder behind')
  assert.deepEqual(await snapshot(source), files, 'no seed wrote to its folder')
})
