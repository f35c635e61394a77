import test from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'child_process'
import fs = require('fs')
import path = require('path')
import { Writable } from 'stream'
import { command as inspect } from '../bin/commands/inspect'
import { main } from '../bin/corestore-ts'
import type { CliIO } from '../bin/command'
import { formatBytes } from '../bin/size'
import { toZ32 } from '../lib/keys'
import { append, block, CORESTORE_5, CORESTORE_TS, connect, crypto as hypercoreCrypto, MASTER_KEY, ready, Resources, update } from './helpers/interop'
import type { Feed, Package, Store } from './helpers/interop'
import { snapshotFolder } from './helpers/store'

const BIN = path.join(__dirname, '..', 'bin', 'corestore-ts.js')

interface Result {
  code: number
  stdout: string
  stderr: string
}

function run (...args: string[]): Promise<Result> {
  return new Promise(resolve => {
    execFile(process.execPath, [BIN, ...args], (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1
      resolve({ code, stdout, stderr })
    })
  })
}

interface Expected {
  label: string
  discoveryKey: string
  publicKey: string
  writableBecause: 'name' | 'secret_key' | null
  name: string | null
  length: number
  byteLength: number
}

const byteLengthOf = (feed: Feed): number => (feed as Feed & { byteLength: number }).byteLength

function expect (label: string, feed: Feed, writableBecause: Expected['writableBecause'], name: string | null): Expected {
  return {
    label,
    discoveryKey: (feed.discoveryKey as Buffer).toString('hex'),
    publicKey: (feed.key as Buffer).toString('hex'),
    writableBecause,
    name,
    length: feed.length,
    byteLength: byteLengthOf(feed)
  }
}

/**
 * A folder written by `pkg`: derived cores at the root and in namespaces, a key-pair core, a core
 * known only by key, and a full and a sparse copy of two cores of another store of the same package.
 */
async function writeFolder (pkg: Package, res: Resources, opts: { masterKey?: Buffer } = {}): Promise<{ dir: string, cores: Expected[] }> {
  const dir = res.dir()
  const store = res.store(pkg.create(dir, opts))
  await store.ready()
  const cores: Expected[] = []
  const add = async (label: string, feed: Feed, because: Expected['writableBecause'], name: string | null, blocks: string[]): Promise<void> => {
    await ready(feed)
    await append(feed, ...blocks)
    cores.push(expect(label, feed, because, name))
  }
  await add('default', store.default(), 'name', 'default', ['hello', 'world', '!'])
  await add('a', store.namespace('a').default(), 'name', 'a', [])
  await add('a:b', store.namespace('a').namespace('b').default(), 'name', 'a:b', ['x'.repeat(1000)])
  await add('named-core', store.get({ name: 'named-core' }), 'name', 'named-core', Array.from({ length: 11 }, (_, i) => 'y'.repeat(i * 3 + 1)))
  await add('key pair', store.get({ keyPair: hypercoreCrypto.keyPair() }), 'secret_key', null, ['1', '22', '333', '4444', '55555'])
  await add('by key', store.get({ key: hypercoreCrypto.keyPair().publicKey }), null, null, [])
  if (pkg === CORESTORE_TS) {
    await add('named in a', store.namespace('a').get({ name: 'x' }), 'name', 'a\u0000x', ['in a'])
  }

  // Copies of another store's cores: all of one, block 3 of the other.
  const source = res.store(pkg.create(res.dir()))
  await source.ready()
  const full = source.get({ name: 'full' })
  const partial = source.get({ name: 'partial' })
  await ready(full)
  await ready(partial)
  await append(full, 'one', 'two', 'three')
  await append(partial, 'a', 'bb', 'ccc', 'dddd', 'eeeee')
  const fullCopy = store.get({ key: full.key as Buffer })
  const partialCopy = store.get({ key: partial.key as Buffer, sparse: true })
  await ready(fullCopy)
  await ready(partialCopy)
  const link = res.link(connect(source, store, { live: true }))
  await update(fullCopy, 3)
  for (let i = 0; i < 3; i++) await block(fullCopy, i)
  assert.equal(await block(partialCopy, 3), 'dddd')
  assert.equal(partialCopy.has(0), false, 'the sparse copy holds only block 3')
  await link.close()
  cores.push(expect('full copy', fullCopy, null, null))
  cores.push(expect('sparse copy', partialCopy, null, null))

  await res.close(store)
  await res.close(source)
  return { dir, cores }
}

interface JsonCore {
  discoveryKey: string
  publicKey: string
  writable: boolean
  writableBecause: string | null
  name: string | null
  nameHex: string | null
  length: number
  byteLength: number | null
  warnings: string[]
}

function checkJson (output: string, cores: Expected[], label: string): void {
  const listed = JSON.parse(output) as JsonCore[]
  const want = cores.map(core => ({
    discoveryKey: core.discoveryKey,
    publicKey: core.publicKey,
    writable: core.writableBecause !== null,
    writableBecause: core.writableBecause,
    name: core.name,
    nameHex: core.name === null ? null : Buffer.from(core.name).toString('hex'),
    length: core.length,
    byteLength: core.byteLength,
    warnings: []
  })).sort((a, b) => a.discoveryKey < b.discoveryKey ? -1 : 1)
  assert.deepEqual(listed, want, label)
}

for (const pkg of [CORESTORE_5, CORESTORE_TS]) {
  test(`inspect --json lists every core of a folder written by ${pkg.name}, with its keys, writability, name and lengths`, async t => {
    const res = new Resources(t)
    const { dir, cores } = await writeFolder(pkg, res)
    const result = await run('inspect', dir, '--json')
    assert.equal(result.stderr, '')
    assert.equal(result.code, 0)
    checkJson(result.stdout, cores, pkg.name)
    const sparse = cores.find(core => core.label === 'sparse copy') as Expected
    assert.equal(sparse.length, 5)
    assert.equal(sparse.byteLength, 15)
  })

  test(`inspect prints one tab-separated line per core of a folder written by ${pkg.name}, sizes readable or, with --bytes, exact`, async t => {
    const res = new Resources(t)
    const { dir, cores } = await writeFolder(pkg, res)
    for (const [args, size] of [[[], formatBytes], [['--bytes'], String]] as const) {
      const result = await run('inspect', dir, ...args)
      assert.equal(result.stderr, '')
      assert.equal(result.code, 0)
      const lines = result.stdout.split('\n')
      assert.equal(lines.pop(), '')
      const want = cores.map(core => [
        core.discoveryKey,
        core.publicKey,
        core.writableBecause === null ? 'read-only' : 'writable',
        core.writableBecause ?? '-',
        String(core.length),
        size(core.byteLength),
        core.name === null ? '-' : core.name.replace('\u0000', '\\0')
      ].join('\t')).sort()
      assert.deepEqual(lines, want, args.join(' '))
    }
  })

  test(`inspect leaves a folder written by ${pkg.name} unchanged, byte for byte, mtimes and atimes included`, async t => {
    const res = new Resources(t)
    for (const opts of [{}, { masterKey: MASTER_KEY }]) {
      const { dir } = await writeFolder(pkg, res, opts)
      const before = await snapshotFolder(dir)
      for (const args of [[], ['--json'], ['--namespace', 'a'], ['--master-key', MASTER_KEY.toString('hex')]]) {
        const result = await run('inspect', dir, ...args)
        assert.equal(result.code, 0, result.stderr)
      }
      assert.deepEqual([...(await snapshotFolder(dir)).entries()], [...before.entries()])
      assert.equal(before.has('master_key'), opts.masterKey === undefined, 'no master key is created')
    }
  })
}

test('inspect --namespace keeps the cores of a namespace and the namespaces below it', async t => {
  const res = new Resources(t)
  const { dir, cores } = await writeFolder(CORESTORE_TS, res)
  const inA = cores.filter(core => core.name !== null && ['a', 'a:b', 'a\u0000x'].includes(core.name))
  assert.equal(inA.length, 3)
  const json = async (...args: string[]): Promise<string> => {
    const result = await run('inspect', dir, '--json', ...args)
    assert.equal(result.code, 0, result.stderr)
    return result.stdout
  }
  checkJson(await json('--namespace', 'a'), inA, 'namespace a')
  checkJson(await json('--namespace=a:b'), cores.filter(core => core.name === 'a:b'), 'namespace a:b')
  checkJson(await json('--namespace', 'nothing'), [], 'no such namespace')
})

test('an empty listing says so: a namespace without cores, in text; JSON prints []', async t => {
  const res = new Resources(t)
  const { dir } = await writeFolder(CORESTORE_TS, res)
  // A namespace path may start with a dash: --namespace -a takes it as the value.
  for (const args of [['--namespace', 'nosuch'], ['--namespace=nosuch'], ['--namespace', '-a']]) {
    const namespace = (args[1] ?? args[0] ?? '').replace('--namespace=', '')
    const text = await run('inspect', dir, ...args)
    assert.equal(text.code, 0, text.stderr)
    assert.equal(text.stdout, '', 'piped, stdout holds one line per core: none')
    assert.equal(text.stderr, `corestore-ts: note: No cores in ${dir}, namespace ${JSON.stringify(namespace)}\n`)
    const json = await run('inspect', dir, ...args, '--json')
    assert.equal(json.code, 0, json.stderr)
    assert.equal(json.stdout, '[]\n')
    assert.equal(json.stderr, '')
  }
})

test('inspect --master-key checks named cores of a store opened with the masterKey option', async t => {
  const res = new Resources(t)
  const { dir, cores } = await writeFolder(CORESTORE_5, res, { masterKey: MASTER_KEY })
  const defaultCore = cores.find(core => core.label === 'default') as Expected
  assert.equal(defaultCore.publicKey, 'a0ceace51ea4c4e5c347f57f39f068c02be2fbb43832a98f22a2b9fbace15e9b')

  // Without it, named cores cannot be told writable: read-only, with a warning on stderr.
  const without = await run('inspect', dir, '--json')
  assert.equal(without.code, 0)
  const listed = JSON.parse(without.stdout) as JsonCore[]
  assert.deepEqual(listed.filter(core => core.writable).map(core => core.writableBecause), ['secret_key'])
  assert.match(listed.find(core => core.discoveryKey === defaultCore.discoveryKey)?.warnings.join() ?? '', /no master key/)

  const plain = await run('inspect', dir)
  assert.equal(plain.code, 0)
  assert.match(plain.stderr, new RegExp(`^corestore-ts: warning: Core ${defaultCore.discoveryKey}: named core, but no master key`, 'm'))

  for (const key of [MASTER_KEY.toString('hex'), MASTER_KEY.toString('hex').toUpperCase(), toZ32(MASTER_KEY)]) {
    const result = await run('inspect', dir, '--json', '--master-key', key)
    assert.equal(result.code, 0, result.stderr)
    checkJson(result.stdout, cores, `--master-key ${key}`)
  }
})

test('bad input gives one line on stderr, no stack trace and a non-zero exit', async t => {
  const res = new Resources(t)
  const { dir } = await writeFolder(CORESTORE_TS, res)
  const empty = res.dir()
  const file = path.join(empty, 'a-file')
  await fs.promises.writeFile(file, 'not a store')

  const cases: Array<{ args: string[], message: RegExp, code: number }> = [
    { args: [], message: /No command given/, code: 2 },
    { args: ['frobnicate'], message: /Unknown command "frobnicate"/, code: 2 },
    { args: ['--frobnicate'], message: /^corestore-ts: Unknown option --frobnicate before the command \(see corestore-ts --help\)$/, code: 2 },
    { args: ['inspect'], message: /Inspect needs the store folder/, code: 2 },
    { args: ['inspect', dir, 'extra'], message: /Inspect takes one folder/, code: 2 },
    { args: ['inspect', dir, '--frobnicate'], message: /^corestore-ts: Unknown option --frobnicate \(see corestore-ts inspect --help\)$/, code: 2 },
    { args: ['inspect', dir, '--json=yes'], message: /^corestore-ts: --json takes no value \(see corestore-ts inspect --help\)$/, code: 2 },
    { args: ['inspect', dir, '--namespace'], message: /^corestore-ts: --namespace needs a value \(see corestore-ts inspect --help\)$/, code: 2 },
    { args: ['inspect', path.join(empty, 'missing')], message: /No such folder/, code: 1 },
    { args: ['inspect', empty], message: /is not a corestore folder: it holds neither a master_key file nor any core folder/, code: 1 },
    { args: ['inspect', file], message: /a-file is a file, not a folder \(see corestore-ts inspect --help\)$/, code: 2 },
    { args: ['inspect', dir, '--master-key', 'abc'], message: /Invalid --master-key: got the string "abc"/, code: 2 },
    { args: ['inspect', dir, '--master-key', 'ab'.repeat(31)], message: /Invalid --master-key/, code: 2 },
    { args: ['inspect', dir, '--namespace='], message: /--namespace needs a namespace path/, code: 2 }
  ]
  for (const { args, message, code } of cases) {
    const result = await run(...args)
    const label = `corestore-ts ${args.join(' ')}`
    assert.equal(result.code, code, label)
    assert.equal(result.stdout, '', label)
    const lines = result.stderr.split('\n')
    assert.equal(lines.length, 2, `${label}: one line on stderr, got ${JSON.stringify(result.stderr)}`)
    assert.equal(lines[1], '', label)
    assert.match(lines[0] ?? '', /^corestore-ts: [^a-z]/, `${label}: sentence case`)
    assert.match(lines[0] ?? '', message, label)
    assert.doesNotMatch(result.stderr, /\bat .*:\d+:\d+|Error:/, label)
  }
  assert.deepEqual(await fs.promises.readdir(empty), ['a-file'], 'nothing was created in a folder that is not a store')
})

test('--help explains the tool and each command', async () => {
  const tool = await run('--help')
  assert.equal(tool.code, 0)
  assert.equal(tool.stderr, '')
  assert.match(tool.stdout, /^Usage: corestore-ts <command>/)
  assert.match(tool.stdout, /^ {2}inspect +list every core/m)

  for (const args of [['inspect', '--help'], ['inspect', '-h'], ['help', 'inspect'], ['inspect', '/does/not/matter', '--help']]) {
    const result = await run(...args)
    assert.equal(result.code, 0, args.join(' '))
    assert.equal(result.stderr, '')
    assert.equal(result.stdout, inspect.usage)
  }
  assert.match(inspect.usage, /^Usage: corestore-ts inspect <folder> \[--json\] \[--wide\] \[--bytes\] \[--namespace <ns>\] \[--master-key <key>\]/)
  assert.match(inspect.usage, /never writes, creates or locks a file/)

  const version = await run('--version')
  assert.equal(version.code, 0)
  assert.match(version.stdout, /^\d+\.\d+\.\d+/)
})

/** An in-process CliIO; `tty` makes stdout look like a terminal `columns` wide. */
function capture (tty: boolean, columns?: number): { io: CliIO, stdout: () => string, stderr: () => string } {
  const sink = (): { stream: Writable, text: () => string } => {
    const chunks: Buffer[] = []
    const stream = new Writable({
      write (chunk: Buffer, _encoding, cb) {
        chunks.push(Buffer.from(chunk))
        cb()
      }
    })
    return { stream, text: () => Buffer.concat(chunks).toString() }
  }
  const out = sink()
  const err = sink()
  const stdout = Object.assign(out.stream, { isTTY: tty, columns })
  return { io: { stdout, stderr: err.stream }, stdout: out.text, stderr: err.text }
}

test('on a wide terminal inspect prints a table with a heading and whole keys', async t => {
  const res = new Resources(t)
  const { dir, cores } = await writeFolder(CORESTORE_TS, res)
  const { io, stdout, stderr } = capture(true, 250)
  assert.equal(await main(['inspect', dir], io), 0)
  assert.equal(stderr(), '')
  const lines = stdout().split('\n')
  assert.equal(lines[0], `${cores.length} cores in ${dir}; master key from its master_key file`)
  assert.equal(lines[1], '')
  assert.match(lines[2] ?? '', /^DISCOVERY KEY +PUBLIC KEY +WRITABLE +LENGTH +SIZE +NAME$/)
  const rows = lines.slice(3, -1)
  assert.equal(rows.length, cores.length)
  for (const core of cores) {
    const row = rows.find(line => line.startsWith(core.discoveryKey)) ?? ''
    const writable = core.writableBecause === 'name' ? 'yes \\(name\\)' : core.writableBecause === 'secret_key' ? 'yes \\(secret key\\)' : 'no'
    const name = core.name === null ? '-' : core.name.replace('\u0000', '\\\\0')
    assert.match(row, new RegExp(`^${core.discoveryKey} +${core.publicKey} +${writable} +${core.length} +${formatBytes(core.byteLength)} +${name}$`), core.label)
  }

  const exact = capture(true, 250)
  assert.equal(await main(['inspect', dir, '--bytes'], exact.io), 0)
  assert.match(exact.stdout(), /^DISCOVERY KEY +PUBLIC KEY +WRITABLE +LENGTH +BYTES +NAME$/m)
  for (const core of cores) assert.match(exact.stdout(), new RegExp(`^${core.discoveryKey} .* ${core.length} +${core.byteLength} +\\S+$`, 'm'), core.label)

  const inB = capture(true, 250)
  assert.equal(await inspect.run([dir, '--namespace', 'nothing'], inB.io), 0)
  assert.equal(inB.stdout(), `No cores in ${dir}, namespace "nothing"\n`)
})

test('on a 64-column terminal the table shortens keys to fit; --wide prints them whole', async t => {
  const res = new Resources(t)
  const { dir, cores } = await writeFolder(CORESTORE_TS, res)
  const narrow = capture(true, 64)
  assert.equal(await main(['inspect', dir], narrow.io), 0)
  const lines = narrow.stdout().split('\n')
  assert.match(lines[2] ?? '', /^DISCOVERY +KEY +WRITABLE +LENGTH +SIZE +NAME$/)
  const table = lines.slice(2, 3 + cores.length)
  for (const line of table) assert.ok(line.length < 64, `${line.length} characters: ${line}`)
  for (const core of cores) {
    const row = table.find(line => line.startsWith(core.discoveryKey.slice(0, 8) + '…')) ?? ''
    assert.match(row, new RegExp(`^${core.discoveryKey.slice(0, 8)}… +${core.publicKey.slice(0, 8)}… `), core.label)
  }
  assert.equal(lines[3 + cores.length], '(Keys shortened to fit; --wide shows them whole)')

  const wide = capture(true, 64)
  assert.equal(await main(['inspect', dir, '--wide'], wide.io), 0)
  for (const core of cores) assert.match(wide.stdout(), new RegExp(`^${core.discoveryKey} +${core.publicKey} `, 'm'), core.label)

  // A pipe has no width: whole keys, tab-separated, whatever the terminal.
  const piped = capture(false, 64)
  assert.equal(await main(['inspect', dir], piped.io), 0)
  for (const core of cores) assert.match(piped.stdout(), new RegExp(`^${core.discoveryKey}\t${core.publicKey}\t`, 'm'), core.label)
})

test('a store with nothing but its master key is inspected as empty', async t => {
  const res = new Resources(t)
  const dir = res.dir()
  const store: Store = res.store(CORESTORE_5.create(dir))
  await store.ready()
  await res.close(store)
  const result = await run('inspect', dir, '--json')
  assert.equal(result.code, 0, result.stderr)
  assert.deepEqual(JSON.parse(result.stdout), [])
  const text = await run('inspect', dir)
  assert.equal(text.code, 0, text.stderr)
  assert.equal(text.stdout, '')
  assert.equal(text.stderr, `corestore-ts: note: No cores in ${dir}\n`)
})
