import fs = require('fs')
import os = require('os')
import path = require('path')
import childProcess = require('child_process')

/** The repository root, seen from build/test/helpers/. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..', '..')

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const NPM_FLAGS = ['--no-audit', '--no-fund', '--loglevel=error']

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Runs a command to its end and never rejects: the caller asserts on the exit code. */
export function run (cmd: string, args: string[], opts: { cwd: string, timeout: number }): Promise<RunResult> {
  return new Promise(resolve => {
    childProcess.execFile(cmd, args, {
      cwd: opts.cwd,
      timeout: opts.timeout,
      killSignal: 'SIGKILL',
      maxBuffer: 64 * 1024 * 1024,
      env: childEnv()
    }, (err, stdout, stderr) => {
      const failure = err as (childProcess.ExecFileException & { code?: number | string }) | null
      const code = failure === null ? 0 : typeof failure.code === 'number' ? failure.code : null
      const signal = failure === null ? null : (failure.signal ?? null)
      resolve({ code, signal, stdout: String(stdout), stderr: String(stderr) })
    })
  })
}

/**
 * Under `npm test` the environment describes *this* package (npm_package_*, npm_config_local_prefix,
 * INIT_CWD); an npm started from it would take that for its own project. Keep the user's real config.
 */
function childEnv (): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_package_|npm_lifecycle_|npm_command$|npm_config_local_prefix$|npm_config_call$|init_cwd$)/i.test(key)) continue
    env[key] = value
  }
  env['npm_config_update_notifier'] = 'false'
  return env
}

export async function npm (args: string[], cwd: string, timeout = 240_000): Promise<RunResult> {
  return run(NPM, [...args, ...NPM_FLAGS], { cwd, timeout })
}

/** Describes a finished command for an assertion message. */
export function explain (what: string, result: RunResult): string {
  const end = result.signal !== null ? `was killed by ${result.signal} (timeout?)` : `exited with ${String(result.code)}`
  return `${what} ${end}\n--- stdout ---\n${tail(result.stdout)}\n--- stderr ---\n${tail(result.stderr)}`
}

function tail (text: string, max = 4000): string {
  return text.length > max ? '…' + text.slice(-max) : text
}

/** Whether the npm registry answers, asked once before anything is installed. */
export async function registryProblem (): Promise<string | null> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'corestore-ts-registry-'))
  try {
    const result = await npm(['view', 'noise-protocol@3.0.2', 'version', '--fetch-retries=1', '--fetch-timeout=15000'], dir, 60_000)
    if (result.code === 0 && result.stdout.trim() === '3.0.2') return null
    return explain('`npm view noise-protocol@3.0.2 version`', result)
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true })
  }
}

/** `npm pack` of the current build (no lifecycle scripts: the caller's build is what gets tested). */
export async function packProject (dest: string): Promise<{ tarball: string, files: string[] }> {
  const result = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dest], PROJECT_ROOT, 120_000)
  if (result.code !== 0) throw new Error(explain('npm pack', result))
  const report = JSON.parse(result.stdout) as Array<{ filename: string }>
  const first = report[0]
  if (first === undefined) throw new Error('npm pack reported no tarball:\n' + result.stdout)
  const tarball = path.join(dest, first.filename)
  const listing = await run('tar', ['tzf', tarball], { cwd: dest, timeout: 30_000 })
  if (listing.code !== 0) throw new Error(explain('tar tzf', listing))
  return { tarball, files: listing.stdout.split('\n').filter(line => line !== '').sort() }
}

/** An empty npm project (a package.json and nothing else) in `dir`. */
export async function createProject (dir: string, extra: Record<string, unknown> = {}): Promise<void> {
  await fs.promises.mkdir(dir, { recursive: true })
  const pkg = { name: path.basename(dir), version: '1.0.0', private: true, ...extra }
  await fs.promises.writeFile(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n')
}

export async function install (dir: string, specs: string[]): Promise<void> {
  const result = await npm(['install', ...specs], dir)
  if (result.code !== 0) throw new Error(explain(`npm install ${specs.join(' ')} in ${dir}`, result))
}

export async function editPackageJson (dir: string, edit: (pkg: Record<string, unknown>) => void): Promise<void> {
  const file = path.join(dir, 'package.json')
  const pkg = JSON.parse(await fs.promises.readFile(file, 'utf8')) as Record<string, unknown>
  edit(pkg)
  await fs.promises.writeFile(file, JSON.stringify(pkg, null, 2) + '\n')
}

export interface ResolvedPackage {
  name: string
  version: string
  dir: string
}

/**
 * The package that `require(name)` finds from `fromDir`, by Node's node_modules walk. Not
 * require.resolve: it caches answers for the life of this process, and these trees change under it.
 */
export function resolvePackage (name: string, fromDir: string): ResolvedPackage {
  for (let dir = path.resolve(fromDir); ; dir = path.dirname(dir)) {
    if (path.basename(dir) !== 'node_modules') {
      const manifest = path.join(dir, 'node_modules', name, 'package.json')
      if (fs.existsSync(manifest)) {
        const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name: string, version: string }
        return { name: pkg.name, version: pkg.version, dir: fs.realpathSync(path.dirname(manifest)) }
      }
    }
    if (path.dirname(dir) === dir) throw new Error(`${name} cannot be found from ${fromDir}`)
  }
}

/** The packages a chain of requires reaches, each resolved from the folder of the one before. */
export function resolveChain (fromDir: string, names: string[]): ResolvedPackage[] {
  const out: ResolvedPackage[] = []
  let dir = fromDir
  for (const name of names) {
    const found = resolvePackage(name, dir)
    out.push(found)
    dir = found.dir
  }
  return out
}

export interface NoiseTree {
  /** The noise-protocol that corestore-ts itself depends on. */
  own: ResolvedPackage
  /** The one simple-hypercore-protocol loads (`noise-protocol/dh`) for corestore-ts's hypercore. */
  protocol: ResolvedPackage
  /** The one simple-handshake loads (`noise-protocol`, `/hash`, `/symmetric-state`). */
  handshake: ResolvedPackage
}

/** Which noise-protocol copies the hypercore-protocol@8 under an installed corestore-ts really uses. */
export function noiseTree (corestoreDir: string): NoiseTree {
  const chain = resolveChain(corestoreDir, ['hypercore', 'hypercore-protocol', 'simple-hypercore-protocol', 'simple-handshake'])
  const shp = chain[2]
  const sh = chain[3]
  if (shp === undefined || sh === undefined) throw new Error('incomplete require chain from ' + corestoreDir)
  return {
    own: resolvePackage('noise-protocol', corestoreDir),
    protocol: resolvePackage('noise-protocol', shp.dir),
    handshake: resolvePackage('noise-protocol', sh.dir)
  }
}

export function formatTree (root: string, tree: NoiseTree): string {
  const show = (p: ResolvedPackage): string => `${p.version} at ${path.relative(root, p.dir)}`
  return `corestore-ts's own: ${show(tree.own)}; simple-hypercore-protocol's: ${show(tree.protocol)}; simple-handshake's: ${show(tree.handshake)}`
}

/** The last line a script printed, parsed as JSON. */
export function lastJsonLine (stdout: string): unknown {
  const lines = stdout.trim().split('\n')
  const last = lines[lines.length - 1]
  if (last === undefined || last === '') throw new Error('the script printed nothing')
  return JSON.parse(last)
}

/*
 * The scripts below run inside the fresh project as a user's own CommonJS code would: they can only
 * reach what npm installed there. Each prints one JSON line on success and exits non-zero on failure.
 */

/**
 * Two directory-backed stores; one appends, the other replicates over `a.replicate(true)` piped to
 * `b.replicate(false)` and reads every block. `argv[2]`: the storage folder; `argv[3] === 'protocol-first'`
 * requires hypercore-protocol before corestore-ts.
 */
export const REPLICATE_SCRIPT = `'use strict'
const path = require('path')
if (process.argv[3] === 'protocol-first') require('hypercore-protocol')
const Corestore = require('corestore-ts')

const dir = process.argv[2]
const blocks = ['hello', 'from', 'a fresh install']
const call = (fn) => new Promise((resolve, reject) => fn((err, value) => err ? reject(err) : resolve(value)))

async function main () {
  const a = new Corestore(path.join(dir, 'a'))
  const b = new Corestore(path.join(dir, 'b'))
  await a.ready()
  await b.ready()
  const core = a.default()
  await call(cb => core.ready(cb))
  await call(cb => core.append(blocks, cb))
  const clone = b.get({ key: core.key })
  await call(cb => clone.ready(cb))

  const sa = a.replicate(true)
  const sb = b.replicate(false)
  const failures = []
  sa.on('error', err => failures.push('initiator: ' + err.message))
  sb.on('error', err => failures.push('responder: ' + err.message))
  sa.pipe(sb).pipe(sa)

  const got = []
  for (let i = 0; i < blocks.length; i++) got.push((await call(cb => clone.get(i, cb))).toString())

  const closed = (s) => new Promise(resolve => s.destroyed ? resolve() : s.once('close', resolve))
  sa.destroy()
  await Promise.all([closed(sa), closed(sb)])
  await a.close()
  await b.close()
  console.log(JSON.stringify({ blocks: got, corestore: require.resolve('corestore-ts'), failures }))
}

main().catch(err => {
  console.error(err)
  process.exit(1)
})
`

/** A bare hypercore-protocol@8 handshake, without corestore-ts loaded: the control experiment. */
export const HANDSHAKE_SCRIPT = `'use strict'
const Protocol = require('hypercore-protocol')
const a = new Protocol(true)
const b = new Protocol(false)
const timer = setTimeout(() => fail(new Error('no handshake within 20 s')), 20000)
function fail (err) {
  console.error(err)
  process.exit(1)
}
a.on('error', fail)
b.on('error', fail)
a.on('handshake', () => {
  clearTimeout(timer)
  console.log(JSON.stringify({ handshake: true }))
  a.destroy()
  b.destroy()
})
a.pipe(b).pipe(a)
`

/**
 * hyperdrive@10 with its default corestore (whatever \`require('corestore')\` finds from hyperdrive):
 * write a file, replicate to a second drive by key, read it there. \`argv[2]\`: the storage folder.
 */
export const DRIVE_SCRIPT = `'use strict'
const path = require('path')
const Hyperdrive = require('hyperdrive')

const dir = process.argv[2]
const call = (fn) => new Promise((resolve, reject) => fn((err, value) => err ? reject(err) : resolve(value)))

async function main () {
  const corestore = require.resolve('corestore', { paths: [path.dirname(require.resolve('hyperdrive'))] })
  const a = new Hyperdrive(path.join(dir, 'a'))
  await call(cb => a.ready(cb))
  await call(cb => a.writeFile('/hello.txt', 'written before replication', cb))
  const b = new Hyperdrive(path.join(dir, 'b'), a.key)
  await call(cb => b.ready(cb))

  const sa = a.replicate(true)
  const sb = b.replicate(false)
  sa.on('error', () => {})
  sb.on('error', () => {})
  sa.pipe(sb).pipe(sa)
  const text = await call(cb => b.readFile('/hello.txt', 'utf8', cb))

  const closed = (s) => new Promise(resolve => s.destroyed ? resolve() : s.once('close', resolve))
  sa.destroy()
  await Promise.all([closed(sa), closed(sb)])
  await call(cb => a.close(cb))
  await call(cb => b.close(cb))
  console.log(JSON.stringify({ text, corestore }))
}

main().catch(err => {
  console.error(err)
  process.exit(1)
})
`

export async function writeScript (dir: string, name: string, source: string): Promise<string> {
  const file = path.join(dir, name)
  await fs.promises.writeFile(file, source)
  return file
}

/**
 * The how-to's writer, as a user of the packed library writes it: three named json cores, the other
 * two cores' keys in the first block of the first, messages appended live once a reader connects.
 * `argv[2]`: storage folder. Prints `{ port, key }` and serves until killed.
 */
export const HOWTO_WRITER_SCRIPT = `'use strict'
const net = require('net')
const Corestore = require('corestore-ts')

async function main () {
  const store = new Corestore(process.argv[2])
  const core1 = store.get({ name: 'core-1', valueEncoding: 'json' })
  const core2 = store.get({ name: 'core-2', valueEncoding: 'json' })
  const core3 = store.get({ name: 'core-3', valueEncoding: 'json' })
  await Promise.all([core1.ready(), core2.ready(), core3.ready()])
  await core1.append({ otherKeys: [core2, core3].map(c => c.key.toString('hex')) })

  const server = net.createServer(async socket => {
    store.replicate(socket, { initiator: false })
    for (const i of [1, 2]) {
      await core2.append({ message: 'core-2 says ' + i })
      await core3.append({ message: 'core-3 says ' + i })
    }
  })
  server.listen(0, '127.0.0.1', () => {
    console.log(JSON.stringify({ port: server.address().port, key: core1.key.toString('hex') }))
  })
}

main().catch(err => { console.error(err); process.exit(1) })
`

/** The how-to's reader: `argv[2]` storage, `argv[3]` port, `argv[4]` the first core's key. */
export const HOWTO_READER_SCRIPT = `'use strict'
const net = require('net')
const Corestore = require('corestore-ts')

async function main () {
  const store = new Corestore(process.argv[2])
  const socket = net.connect(Number(process.argv[3]), '127.0.0.1')
  store.replicate(socket, { initiator: true })

  const core = store.get({ key: process.argv[4], valueEncoding: 'json' })
  await core.ready()
  await core.update()
  const { otherKeys } = await core.get(0)
  const messages = []
  for (const key of otherKeys) {
    const other = store.get({ key, valueEncoding: 'json' })
    await other.ready()
    await other.update({ minLength: 2 })
    for (let i = 0; i < 2; i++) messages.push((await other.get(i)).message)
  }
  socket.destroy()
  await store.close()
  console.log(JSON.stringify({ otherKeys, messages, corestore: require.resolve('corestore-ts') }))
}

main().catch(err => { console.error(err); process.exit(1) })
`
