import test, { after } from 'node:test'
import type { TestContext } from 'node:test'
import assert from 'node:assert/strict'
import fs = require('fs')
import os = require('os')
import path = require('path')
import { createProject, explain, npm, packProject, PROJECT_ROOT, registryProblem, run } from './helpers/fresh-install'

/*
 * The shipped declarations as a TypeScript user meets them: `npm pack`, install the tarball and the
 * TypeScript of our devDependencies into an empty project, and compile programs there with `strict`
 * and `skipLibCheck: false`, for module node16, nodenext and bundler (`preserve`). A correct program
 * compiles with no error; each wrong line of WRONG_PROGRAM must fail with the error it names.
 */

const INSTALL_TIMEOUT = 400_000
const COMPILE_TIMEOUT = 180_000

const devDependencies = (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies
const TYPESCRIPT = (JSON.parse(fs.readFileSync(require.resolve('typescript/package.json'), 'utf8')) as { version: string }).version

/** A program that uses the API as the README shows it; it must compile with no error at all. */
const CORRECT_BODY = `
async function main (): Promise<void> {
  const store = new Corestore('./store', { cacheSize: 16, sparse: true, valueEncoding: 'utf-8' })
  store.ready(err => { if (err !== null) console.log(err.message) })
  await store.ready()

  const core = store.get({ name: 'main', valueEncoding: 'json', sparse: true, eagerUpdate: false })
  const byKey = store.get({ key: core.key ?? Buffer.alloc(32), sparse: true })
  store.get(Buffer.alloc(32))
  store.get('a'.repeat(64))
  store.get({ discoveryKey: Buffer.alloc(32), createIfMissing: false, writable: false })
  store.default()
  await core.ready()
  const key: Buffer | null = core.key
  const discoveryKey: Buffer | null = core.discoveryKey
  const size: number = core.length + core.byteLength + core.peers.length
  const writable: boolean = core.writable && core.readable
  core.on('append', () => console.log(core.length))
  core.once('ready', () => {})
  core.on('download', (index, data) => console.log(index + 1, data.byteLength))
  core.on('peer-add', peer => console.log(peer.remoteLength))
  core.on('error', err => console.log(err.message))

  const seq: number = await core.append({ hello: 'world' })
  core.append('x', (err, at) => { if (err === null && at !== undefined) console.log(at + 1) })
  const cancel: symbol = core.get(0, (err, data) => { if (err !== null) console.log(err.message); else console.log(data) })
  core.get(0, { wait: false, timeout: 100, valueEncoding: 'binary' }, (err, data) => console.log(err, data))
  const block: unknown = await core.get(0, { onwait: index => console.log(index) })
  const blocks: unknown[] = await core.getBatch(0, 1)
  await core.update({ ifAvailable: true, minLength: 1 })
  await core.update(1)
  const [index, offset] = await core.seek(3)
  const audit = await core.audit()
  const selection = core.download({ start: 0, end: 1, linear: true })
  core.undownload(selection)
  await core.download([0])
  const signature = await core.signature()
  const verified: boolean = await core.verify(signature.index, signature.signature)
  core.rootHashes(0, (err, roots) => { if (roots !== undefined) console.log(err, roots[0]?.hash) })
  core.createReadStream({ start: 0, live: true, snapshot: false }).on('data', (data: unknown) => console.log(data))
  console.log(seq, cancel, block, blocks, index + offset, audit.valid, verified, key, discoveryKey, size, writable, byKey.sparse)

  const a = store.replicate(true, { live: true })
  const b = store.replicate(false, { live: true, ack: true, download: false, timeout: false, encrypted: true })
  a.pipe(b).pipe(a)
  store.replicate({ initiator: true, live: true })
  a.on('error', err => console.log(err.message))

  const drive = store.namespace('drive')
  const session = store.session({ namespace: 'logs', detach: false })
  const listed: Map<string, Corestore.Core> = drive.list()
  store.on('feed', (feed, opts) => console.log(feed.length, opts))
  store.on('core-open', opened => console.log(opened.key))
  console.log(listed.size, store.isLoaded({ key: Buffer.alloc(32) }), store.isExternal({ name: 'main' }), session.name)
  const pair: Corestore.KeyPair = store.createKeyPair('main')
  console.log(pair.publicKey, store.primaryKey)

  const errors = Corestore.errors
  try {
    store.get({ key: 'not a key' })
  } catch (err) {
    if (err instanceof Corestore.CorestoreError && err.code === 'INVALID_KEY') console.log(err.message)
    const code: Corestore.ErrorCode = errors.INVALID_OPTIONS('x').code
    console.log(code)
  }
  for await (const dkey of Corestore.listStoredCores('./store', { namespace: 'drive' })) console.log(dkey)
  const described: Corestore.StoredCore = await Corestore.describeStoredCore('./store', Buffer.alloc(32), null)
  const inspection: Corestore.StoreInspection = await Corestore.inspectStoreFolder('./store')
  console.log(described.writable, inspection, Corestore.toZ32(Corestore.parseKey('a'.repeat(64))), Corestore.discoveryKey(Buffer.alloc(32)))

  // Values typed by valueEncoding: the get's own, else the store's; binary (the default) gives Buffers.
  const binary: Buffer = await store.get({ name: 'bytes', valueEncoding: 'binary' }).get(0)
  const text: string = await store.get({ name: 'text' }).get(0)
  await store.get({ name: 'text' }).append(['a', 'b'])
  const json: unknown = await core.get(0)
  const bytes: Buffer = await new Corestore('./other').get({ name: 'raw' }).get(0)
  const numbers = store.get({ name: 'numbers', valueEncoding: { encode: (n: number) => Buffer.from(String(n)), decode: (b: Buffer) => Number(b.toString()) } })
  await numbers.append(42)
  const answer: number = await numbers.get(0)
  const named: string = await store.namespace('ns').default().get(0)
  console.log(binary, text, json, bytes, answer, named)

  const options: Corestore.Options = { sparse: true }
  const getOptions: Corestore.GetOptions = { name: 'x', valueEncoding: { encode: (v: string) => Buffer.from(v), decode: (b: Buffer) => b.toString() } }
  console.log(options, store.get(getOptions).length)
  await store.close()
  store.close(err => console.log(err))
}

void main()
`

/** Lines that must not compile, each with the error code that must reject it. */
const WRONG_LINES: Array<[code: number, why: string, line: string]> = [
  [2769, 'a misspelt get option', "store.get({ nmae: 'x' })"],
  [2769, 'a misspelt hypercore option', "store.get({ name: 'x', sprase: true })"],
  [2561, 'a misspelt store option', "void new Corestore('./s', { cacheSzie: 3 })"],
  [2769, 'an unknown value encoding', "store.get({ name: 'x', valueEncoding: 'yaml' })"],
  [2345, 'replicate takes a boolean, options or a stream', "store.replicate('yes')"],
  [2322, 'live is a boolean', "store.replicate(true, { live: 'yes' })"],
  [2353, 'a misspelt replication option', 'store.replicate(true, { lvie: true })'],
  [18047, 'a callback error may be null', 'core.get(0, (err, data) => console.log(err.message, data))'],
  [2322, 'append reports a number', "core.append('x', (err, seq) => { const s: string | undefined = seq; console.log(err, s) })"],
  [2367, 'not an error code', "console.log((new Error() as Corestore.CorestoreError).code === 'NOT_A_CODE')"],
  [2345, 'append has no arguments', "core.on('append', (n: string) => console.log(n))"],
  [2345, 'hypercore@9 has no such event', "core.on('appended', () => {})"],
  [2769, 'a misspelt get() option of a core', 'void core.get(0, { wiat: false })'],
  [2551, 'a core has no such method', 'core.appendd(1)'],
  [2339, 'no such static', 'void Corestore.inspectFolder'],
  [2345, 'a namespace name is a string or bytes', 'store.namespace(42)'],
  [2345, 'a binary core gives Buffers, not strings', 'void core.get(0).then((text: string) => text)'],
  [2345, 'a utf-8 core takes strings', "void store.get({ name: 'u', valueEncoding: 'utf-8' }).append(42)"],
  [2345, 'a codec\'s core gives what the codec decodes', "void store.get({ name: 'c', valueEncoding: { encode: (n: number) => Buffer.from(String(n)), decode: (b: Buffer) => Number(b.toString()) } }).get(0).then((n: string) => n)"]
]

function wrongProgram (withDirectives: boolean): string {
  const lines = [
    "import Corestore = require('corestore-ts')",
    "const store = new Corestore('./store')",
    "const core = store.get({ name: 'x' })"
  ]
  for (const [, why, line] of WRONG_LINES) {
    lines.push(withDirectives ? `// @ts-expect-error ${why}` : `// ${why}`, line)
  }
  return lines.join('\n') + '\n'
}

const PROGRAMS: Record<string, string> = {
  // CommonJS: the class is the module itself, as corestore@5 was.
  'require.ts': "import Corestore = require('corestore-ts')\nimport swarm = require('corestore-ts/build/lib/swarm')\n" +
    'export const bootstrap: Promise<swarm.BootstrapNode> = swarm.startBootstrapNode()\n' + CORRECT_BODY,
  // A default import (esModuleInterop) from a CommonJS file.
  'interop.ts': "import Corestore from 'corestore-ts'\n" + CORRECT_BODY,
  // An ES module.
  'esm.mts': "import Corestore from 'corestore-ts'\n" + CORRECT_BODY,
  'wrong.ts': wrongProgram(true),
  // Plain \`tsc --strict main.ts\`: TypeScript's default options (target ES5), no tsconfig.
  'main.ts': "import Corestore = require('corestore-ts')\nconst store = new Corestore('./store', { valueEncoding: 'utf-8' })\n" +
    "store.get({ name: 'x' }).get(0).then(text => console.log(text.toUpperCase()), err => console.log(err))\n",
  'wrong-unchecked.ts': wrongProgram(false)
}

const MODULE_SETTINGS: Record<string, Record<string, string>> = {
  node16: { module: 'node16' },
  nodenext: { module: 'nodenext' },
  bundler: { module: 'preserve', moduleResolution: 'bundler' }
}

let workDir: string | null = null
after(async () => {
  if (workDir !== null) await fs.promises.rm(workDir, { recursive: true, force: true })
})

let prepared: Promise<string> | null = null

/** The consumer project: the packed tarball, typescript and @types/node installed into an empty folder. */
async function consumer (): Promise<string> {
  prepared ??= (async () => {
    workDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'corestore-ts-types-'))
    const { tarball } = await packProject(workDir)
    const dir = path.join(workDir, 'app')
    await createProject(dir)
    // Nothing runs here, so no install scripts (sodium-native, utp-native) need to run either.
    const specs = [tarball, `typescript@${TYPESCRIPT}`, `@types/node@${devDependencies['@types/node'] ?? '20'}`]
    const result = await npm(['install', '--ignore-scripts', ...specs], dir, INSTALL_TIMEOUT - 60_000)
    if (result.code !== 0) throw new Error(explain(`npm install ${specs.join(' ')}`, result))
    for (const [name, source] of Object.entries(PROGRAMS)) await fs.promises.writeFile(path.join(dir, name), source)
    return dir
  })()
  return prepared
}

let registry: Promise<string | null> | null = null

async function ready (t: TestContext): Promise<string | null> {
  registry ??= registryProblem()
  const problem = await registry
  if (problem !== null) {
    t.skip('the npm registry is unreachable, so nothing can be installed')
    return null
  }
  return consumer()
}

interface Diagnostic { file: string, line: number, code: number, text: string }

/** Compiles `files` in the consumer project under `compilerOptions`; the diagnostics tsc printed. */
async function compile (dir: string, name: string, files: string[], compilerOptions: Record<string, unknown>): Promise<{ diagnostics: Diagnostic[], output: string, code: number | null }> {
  const config = {
    compilerOptions: { strict: true, skipLibCheck: false, esModuleInterop: true, target: 'es2022', types: ['node'], noEmit: true, pretty: false, ...compilerOptions },
    files
  }
  const configFile = path.join(dir, `tsconfig.${name}.json`)
  await fs.promises.writeFile(configFile, JSON.stringify(config, null, 2))
  const tsc = path.join(dir, 'node_modules', 'typescript', 'bin', 'tsc')
  const result = await run(process.execPath, [tsc, '-p', configFile], { cwd: dir, timeout: COMPILE_TIMEOUT })
  const output = result.stdout + result.stderr
  const diagnostics: Diagnostic[] = []
  for (const match of output.matchAll(/^(.+?)\((\d+),\d+\): error TS(\d+): (.*)$/gm)) {
    diagnostics.push({ file: match[1] as string, line: Number(match[2]), code: Number(match[3]), text: match[4] as string })
  }
  return { diagnostics, output, code: result.code }
}

test('the packed package ships the declarations its .d.ts files need', { timeout: INSTALL_TIMEOUT }, async t => {
  const dir = await ready(t)
  if (dir === null) return
  const root = path.join(dir, 'node_modules', 'corestore-ts')
  for (const file of ['types/hypercore/index.d.ts', 'types/hypercore-protocol/index.d.ts', 'types/random-access-storage/index.d.ts', 'types/hyperswarm/index.d.ts']) {
    assert.ok(fs.existsSync(path.join(root, file)), `the package lacks ${file}`)
  }
  const entry = await fs.promises.readFile(path.join(root, 'build', 'lib', 'index.d.ts'), 'utf8')
  assert.match(entry, /<reference path="\.\.\/\.\.\/types\/hypercore\/index\.d\.ts"/)
})

test('plain `tsc --strict main.ts` with TypeScript\'s default options shows no error inside the package', { timeout: INSTALL_TIMEOUT }, async t => {
  const dir = await ready(t)
  if (dir === null) return
  const tsc = path.join(dir, 'node_modules', 'typescript', 'bin', 'tsc')
  const result = await run(process.execPath, [tsc, '--strict', '--noEmit', 'main.ts'], { cwd: dir, timeout: COMPILE_TIMEOUT })
  const output = result.stdout + result.stderr
  assert.doesNotMatch(output, /node_modules\/corestore-ts/, 'an error inside the package')
  assert.equal(result.code, 0, output)
})

for (const [setting, moduleOptions] of Object.entries(MODULE_SETTINGS)) {
  test(`a correct program compiles with no error under module ${setting} (import = require, default import, .mts)`, { timeout: INSTALL_TIMEOUT }, async t => {
    const dir = await ready(t)
    if (dir === null) return
    const { diagnostics, output, code } = await compile(dir, `correct-${setting}`, ['require.ts', 'interop.ts', 'esm.mts'], moduleOptions)
    t.diagnostic(`tsc: ${diagnostics.length} errors`)
    assert.equal(diagnostics.length, 0, output)
    assert.equal(code, 0, output)
  })

  test(`wrong programs fail with the expected error, line by line, under module ${setting}`, { timeout: INSTALL_TIMEOUT }, async t => {
    const dir = await ready(t)
    if (dir === null) return
    // With the directives, every expected error is there (an unused @ts-expect-error is itself an error).
    const checked = await compile(dir, `wrong-${setting}`, ['wrong.ts'], moduleOptions)
    assert.equal(checked.diagnostics.length, 0, checked.output)
    assert.equal(checked.code, 0, checked.output)

    // Without them, each wrong line fails for its own reason and nothing else fails.
    const unchecked = await compile(dir, `wrong-unchecked-${setting}`, ['wrong-unchecked.ts'], moduleOptions)
    const found = unchecked.diagnostics.map(d => `${d.file}:${d.line} TS${d.code}`).sort()
    const expected = WRONG_LINES.map(([code], i) => `wrong-unchecked.ts:${5 + 2 * i} TS${code}`).sort()
    assert.deepEqual(found, expected, unchecked.output)
    t.diagnostic(`tsc: ${unchecked.diagnostics.length} errors, as expected`)
  })
}
