import test from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'child_process'
import fs = require('fs')
import path = require('path')
import Corestore = require('../lib')
import { asSentence } from '../bin/command'
import { tmpdir } from './helpers/store'

const CLI = path.join(__dirname, '..', 'bin', 'corestore-ts.js')
const DEMO = path.join(__dirname, '..', 'examples', 'demo.js')
const BLOCKS = 200

interface Exit { code: number | null, stdout: string, stderr: string }

/** A child process whose stdout can be waited on line by line; killed at the end of the test. */
function spawnNode (script: string, args: string[], t: { after: (fn: () => Promise<void>) => void }): {
  line (pattern: RegExp): Promise<string>
  exited: Promise<Exit>
  signal (name: NodeJS.Signals): void
} {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  const waiters = new Set<() => void>()
  const wake = (): void => { for (const waiter of waiters) waiter() }
  child.stdout.setEncoding('utf-8').on('data', (chunk: string) => { stdout += chunk; wake() })
  child.stderr.setEncoding('utf-8').on('data', (chunk: string) => { stderr += chunk })
  let ended = false
  const exited = new Promise<Exit>(resolve => child.once('close', code => { ended = true; wake(); resolve({ code, stdout, stderr }) }))
  t.after(async () => {
    if (!ended) child.kill('SIGKILL')
    await exited
  })
  return {
    // No timer of its own: the test's timeout is the hang guard, and a loaded machine may be slow.
    line: pattern => new Promise((resolve, reject) => {
      const check = (): void => {
        const found = stdout.split('\n').slice(0, -1).find(line => pattern.test(line))
        if (found !== undefined || ended) waiters.delete(check)
        if (found !== undefined) resolve(found)
        else if (ended) reject(new Error(`exited without a line matching ${String(pattern)}\nstdout: ${stdout}\nstderr: ${stderr}`))
      }
      waiters.add(check)
      check()
    }),
    exited,
    signal: name => { child.kill(name) }
  }
}

/** A store folder with a core of BLOCKS blocks; its keys. */
async function sourceStore (dir: string): Promise<{ key: Buffer, discoveryKey: Buffer }> {
  const store = new Corestore(dir)
  const core = store.get({ name: 'big' })
  await core.append(Array.from({ length: BLOCKS }, (_, i) => Buffer.alloc(100 + i, i % 251)))
  const keys = { key: core.key as Buffer, discoveryKey: core.discoveryKey as Buffer }
  await store.close()
  return keys
}

/** The tool's one style: a message opens with a capital, or with a literal (a flag, a path, a key). */
const SENTENCE_CASE = /^corestore-ts: [^a-z]/

function assertOneLine (result: Exit, label: string): string {
  const lines = result.stderr.split('\n')
  assert.equal(lines.length, 2, `${label}: one line on stderr, got ${JSON.stringify(result.stderr)}`)
  assert.equal(lines[1], '', label)
  assert.doesNotMatch(result.stderr, /^\s*at /m, `${label}: no stack trace`)
  assert.doesNotMatch(result.stderr, /To specify a positional argument/, `${label}: not parseArgs' own words`)
  return lines[0] ?? ''
}

test('usage errors exit 2 and failures while running exit 1, each with one line on stderr', { timeout: 120000 }, async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const source = path.join(dir, 'source')
  await sourceStore(source)
  const file = path.join(dir, 'a-file')
  await fs.promises.writeFile(file, 'not a folder')
  const key = Buffer.alloc(32, 0xcd).toString('hex')
  const missing = path.join(dir, 'missing')

  const cases: Array<[string[], RegExp, number]> = [
    [['--bogus'], /^corestore-ts: Unknown option --bogus before the command \(see corestore-ts --help\)$/, 2],
    [['seed', source, '--bogus'], /^corestore-ts: Unknown option --bogus \(see corestore-ts seed --help\)$/, 2],
    [['clone', key, missing, '--bogus'], /^corestore-ts: Unknown option --bogus \(see corestore-ts clone --help\)$/, 2],
    [['inspect', source, '-x'], /^corestore-ts: Unknown option -x \(see corestore-ts inspect --help\)$/, 2],
    [['seed', source, '--json=yes'], /^corestore-ts: --json takes no value /, 2],
    [['clone', key, missing, '--timeout'], /^corestore-ts: --timeout needs a value /, 2],
    [['seed'], /^corestore-ts: Seed needs the store folder /, 2],
    [['clone', key, missing, 'extra'], /^corestore-ts: Clone takes one key and one folder, got also "extra" /, 2],
    [['inspect', source, 'extra'], /^corestore-ts: Inspect takes one folder, got also "extra" /, 2],
    [['clone', 'abc', missing], /^corestore-ts: Invalid key: got the string "abc" .*, expected 64 hex characters or 52 z-base-32 characters /, 2],
    [['seed', source, 'abc'], /^corestore-ts: Invalid key: got the string "abc"/, 2],
    [['inspect', source, '--master-key', 'abc'], /^corestore-ts: Invalid --master-key: /, 2],
    [['clone', key, missing, '--timeout', '0'], /^corestore-ts: --timeout expects a duration /, 2],
    [['clone', key, missing, '--timeout', '5x'], /^corestore-ts: --timeout expects a duration /, 2],
    [['clone', key, missing, '--timeout', '30d'], /^corestore-ts: --timeout expects a duration /, 2],
    [['clone', key, missing, '--tcp', '127.0.0.1:99999'], /^corestore-ts: --tcp expects host:port/, 2],
    [['seed', source, '--tcp', '127.0.0.1:99999'], /^corestore-ts: --tcp expects \[host:\]port/, 2],
    [['seed', source, '--tcp', 'localhost:'], /^corestore-ts: --tcp expects \[host:\]port/, 2],
    [['seed', source, '--bootstrap', 'nowhere'], /^corestore-ts: --bootstrap expects host:port/, 2],
    [['seed', file], /a-file is a file, not a folder \(see corestore-ts seed --help\)$/, 2],
    [['inspect', file], /a-file is a file, not a folder \(see corestore-ts inspect --help\)$/, 2],
    [['clone', key, file], /a-file is a file, not a folder \(see corestore-ts clone --help\)$/, 2],
    [['seed', missing], /^corestore-ts: No such folder: /, 1],
    [['inspect', missing], /^corestore-ts: No such folder: /, 1],
    [['seed', source, key, '--tcp', '0'], /holds no core with (cd){32} as its discovery key or its public key \(seed takes either; `corestore-ts inspect .*` lists both\)$/, 1],
    [['clone', key, missing, '--tcp', '127.0.0.1:1', '--timeout', '1m'], /^corestore-ts: Cannot connect to 127\.0\.0\.1:1: ECONNREFUSED$/, 1]
  ]
  for (const [args, message, code] of cases) {
    const label = `corestore-ts ${args.join(' ')}`
    const result = await spawnNode(CLI, args, t).exited
    const line = assertOneLine(result, label)
    assert.match(line, message, label)
    assert.match(line, SENTENCE_CASE, `${label}: sentence case`)
    assert.equal(result.code, code, label)
    if (code === 2) assert.equal(result.stdout, '', `${label}: a usage error stops before anything runs`)
  }
  assert.equal(fs.existsSync(missing), false, 'no clone left a folder behind')
})

test('a flag value that starts with a dash gets the flag\'s own message, written as --flag value or --flag=value', { timeout: 120000 }, async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const source = path.join(dir, 'source')
  await sourceStore(source)
  const key = Buffer.alloc(32, 0xcd).toString('hex')
  const missing = path.join(dir, 'missing')

  const cases: Array<[string[], string, string, RegExp]> = [
    [['clone', key, missing], '--timeout', '-5s', /^corestore-ts: --timeout expects a duration such as 90s, .*, got "-5s" \(see corestore-ts clone --help\)$/],
    [['clone', key, missing], '--tcp', '-1', /^corestore-ts: --tcp expects host:port, .*, got "-1" /],
    [['clone', key, missing], '--bootstrap', '-x', /^corestore-ts: --bootstrap expects host:port, .*, got "-x" /],
    [['seed', source], '--tcp', '-1', /^corestore-ts: --tcp expects \[host:\]port, .*, got "-1" /],
    [['seed', source], '--status', '-4100', /^corestore-ts: --status expects \[host:\]port, .*, got "-4100" /],
    [['seed', source], '--bootstrap', '-x', /^corestore-ts: --bootstrap expects host:port, .*, got "-x" /],
    [['inspect', source], '--master-key', '-abc', /^corestore-ts: Invalid --master-key: got the string "-abc" /]
  ]
  for (const [args, flag, value, message] of cases) {
    const [apart, joined] = await Promise.all([
      spawnNode(CLI, [...args, flag, value], t).exited,
      spawnNode(CLI, [...args, `${flag}=${value}`], t).exited
    ])
    const label = `corestore-ts ${args[0] ?? ''} ${flag} ${value}`
    assert.match(assertOneLine(apart, label), message, label)
    assert.equal(apart.stderr, joined.stderr, `${label}: the same message as ${flag}=${value}`)
    assert.equal(apart.code, 2, label)
    assert.equal(joined.code, 2, label)
  }

  // An option the command knows is no value: the flag before it lacks one.
  const lacking = await spawnNode(CLI, ['clone', key, missing, '--timeout', '--json'], t).exited
  assert.equal(assertOneLine(lacking, '--timeout --json'), 'corestore-ts: --timeout needs a value (see corestore-ts clone --help)')
  assert.equal(lacking.code, 2)
  assert.equal(fs.existsSync(missing), false)
})

test('messages from the library and from dependencies print in sentence case, without a final period', () => {
  assert.equal(asSentence('named core, but no master key to derive its key pair from'), 'Named core, but no master key to derive its key pair from')
  assert.equal(asSentence('listen EADDRINUSE: address already in use.'), 'Listen EADDRINUSE: address already in use')
  assert.equal(asSentence('No such folder: /tmp/x'), 'No such folder: /tmp/x')
  // A literal keeps its case: a flag, a path, a URL, a key, a file name.
  for (const literal of ['--tcp expects host:port', '/tmp/a is a file, not a folder', 'http://127.0.0.1:4100/ is not a status page', 'abcdef0123 is not served', 'a-file is a file, not a folder', 'Wait...']) {
    assert.equal(asSentence(literal), literal)
  }
})

test('the demo given an argument it does not take prints one line and exits 2', { timeout: 60000 }, async t => {
  for (const args of [['--bogus'], ['extra'], ['--dir']]) {
    const result = await spawnNode(DEMO, args, t).exited
    const line = assertOneLine(result, args.join(' '))
    assert.match(line, /^demo: (unknown option --bogus|unexpected argument "extra"|--dir needs a value) \(see npm start -- --help\)$/)
    assert.equal(result.code, 2)
    assert.equal(result.stdout, '')
  }
})

test('--json: inspect prints its report, seed a JSON line per event, clone its result; seed takes a public key', { timeout: 120000 }, async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const source = path.join(dir, 'source')
  const target = path.join(dir, 'target')
  const { key, discoveryKey } = await sourceStore(source)

  const inspected = await spawnNode(CLI, ['inspect', source, '--json'], t).exited
  assert.equal(inspected.code, 0, inspected.stderr)
  const report = JSON.parse(inspected.stdout) as Array<{ discoveryKey: string, publicKey: string, length: number }>
  assert.deepEqual(report.map(core => [core.discoveryKey, core.publicKey, core.length]), [[discoveryKey.toString('hex'), key.toString('hex'), BLOCKS]])

  // By its public key, which seed turns into the discovery key it stores the core under.
  const seed = spawnNode(CLI, ['seed', source, key.toString('hex'), '--tcp', '0', '--json'], t)
  const listening = JSON.parse(await seed.line(/"event":"listening"/)) as { transport: string, host: string, port: number, address: string }
  assert.equal(listening.transport, 'tcp')
  assert.equal(listening.host, '127.0.0.1', 'a bare port listens on this machine only')
  assert.equal(listening.address, `127.0.0.1:${listening.port}`)
  const serving = JSON.parse(await seed.line(/"event":"serving"/)) as Record<string, unknown>
  assert.deepEqual(serving, { event: 'serving', discoveryKey: discoveryKey.toString('hex'), publicKey: key.toString('hex'), length: BLOCKS, byteLength: serving.byteLength })
  await seed.line(/"event":"seeding"/)

  const clone = await spawnNode(CLI, ['clone', key.toString('hex'), target, '--tcp', listening.address, '--timeout', '1m', '--json'], t).exited
  assert.equal(clone.code, 0, clone.stderr)
  const lines = clone.stdout.split('\n')
  assert.equal(lines.length, 2, `one JSON line on stdout: ${clone.stdout}`)
  const result = JSON.parse(lines[0] ?? '') as Record<string, unknown>
  assert.equal(result.key, key.toString('hex'))
  assert.equal(result.discoveryKey, discoveryKey.toString('hex'))
  assert.equal(result.folder, target)
  assert.equal(result.length, BLOCKS)
  assert.equal(result.downloadedBlocks, BLOCKS)
  assert.equal(result.valid, BLOCKS)
  assert.equal(result.invalid, 0)
  assert.match(clone.stderr, /^Cloning /m, 'the messages on the way go to stderr')

  await seed.line(/"event":"peer-left"/)
  seed.signal('SIGTERM')
  const stopped = await seed.exited
  assert.equal(stopped.code, 0, stopped.stderr)
  const events = stopped.stdout.split('\n').filter(line => line.length > 0).map(line => JSON.parse(line) as { event: string })
  assert.deepEqual(events.map(event => event.event), ['listening', 'serving', 'seeding', 'peer-connected', 'peer-left', 'stopping', 'stopped'])
})
