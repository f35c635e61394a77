import test, { after } from 'node:test'
import type { TestContext } from 'node:test'
import assert from 'node:assert/strict'
import childProcess = require('child_process')
import fs = require('fs')
import os = require('os')
import path = require('path')
import {
  DRIVE_SCRIPT, HANDSHAKE_SCRIPT, HOWTO_READER_SCRIPT, HOWTO_WRITER_SCRIPT, REPLICATE_SCRIPT, createProject, editPackageJson, explain, formatTree,
  install, lastJsonLine, noiseTree, packProject, PROJECT_ROOT, registryProblem, resolvePackage, run, writeScript
} from './helpers/fresh-install'

/*
 * corestore-ts as its users get it: `npm pack`, then `npm install <tarball>` into an empty project, with
 * no overrides of noise-protocol. noise-protocol@3.0.2 breaks every hypercore-protocol@8 handshake, and
 * a package cannot override its users' tree: these tests build the trees where 3.0.2 is what
 * hypercore-protocol resolves and check that corestore-ts still replicates there.
 */

const INSTALL_TIMEOUT = 300_000
const SCRIPT_TIMEOUT = 90_000

function once<T> (fn: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | null = null
  return () => {
    result ??= fn()
    return result
  }
}

const registry = once(registryProblem)

let workDir: string | null = null
after(async () => {
  if (workDir !== null) await fs.promises.rm(workDir, { recursive: true, force: true })
})

const workspace = once(async () => {
  workDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'corestore-ts-fresh-'))
  const packDir = path.join(workDir, 'pack')
  await fs.promises.mkdir(packDir)
  const packed = await packProject(packDir)
  return { root: workDir, ...packed }
})

type Workspace = Awaited<ReturnType<typeof workspace>>

/** The shared workspace, or null after skipping `t` when the registry cannot be reached. */
async function prepare (t: TestContext): Promise<Workspace | null> {
  const problem = await registry()
  if (problem !== null) {
    t.skip('the npm registry is unreachable, so nothing can be installed: ' + (problem.split('\n').find(l => l.includes('npm error')) ?? problem.split('\n')[0] ?? ''))
    return null
  }
  return workspace()
}

/** Only corestore-ts, installed into an empty project. */
const plainProject = once(async () => {
  const { root, tarball } = await workspace()
  const dir = path.join(root, 'plain-app')
  await createProject(dir)
  await install(dir, [tarball])
  return dir
})

/** A project that already had hypercore-protocol@8 (so noise-protocol@3.0.2 at its top) adds corestore-ts. */
const protocolFirstProject = once(async () => {
  const { root, tarball } = await workspace()
  const dir = path.join(root, 'protocol-first-app')
  await createProject(dir)
  await install(dir, ['hypercore-protocol@8'])
  await install(dir, [tarball])
  return dir
})

async function runScript (t: TestContext, dir: string, name: string, source: string, args: string[] = []): Promise<{ ok: boolean, output: unknown, message: string }> {
  const script = await writeScript(dir, name, source)
  const storage = await fs.promises.mkdtemp(path.join(dir, 'storage-'))
  const started = Date.now()
  const result = await run(process.execPath, [script, storage, ...args], { cwd: dir, timeout: SCRIPT_TIMEOUT })
  t.diagnostic(`${[name, ...args].join(' ')} took ${Date.now() - started} ms`)
  const message = explain(`node ${[name, ...args].join(' ')}`, result)
  return { ok: result.code === 0, output: result.code === 0 ? lastJsonLine(result.stdout) : null, message }
}

async function assertReplicates (t: TestContext, dir: string, args: string[] = []): Promise<void> {
  const { ok, output, message } = await runScript(t, dir, 'replicate.js', REPLICATE_SCRIPT, args)
  assert.ok(ok, message)
  const report = output as { blocks: string[], corestore: string, failures: string[] }
  assert.deepEqual(report.blocks, ['hello', 'from', 'a fresh install'])
  assert.deepEqual(report.failures, [], 'the streams errored before they were closed')
  assert.equal(report.corestore, path.join(dir, 'node_modules', 'corestore-ts', 'build', 'lib', 'index.js'), 'corestore-ts came from the fresh install')
}

test('npm pack ships the compiled library that package.json main and types point at', async t => {
  const ws = await prepare(t)
  if (ws === null) return
  const pkg = JSON.parse(await fs.promises.readFile(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { main: string, types: string }
  t.diagnostic(`${path.basename(ws.tarball)}: ${ws.files.length} files`)
  for (const file of ['package.json', path.normalize(pkg.main), path.normalize(pkg.types), 'build/lib/hypercore9/noise-compat.js']) {
    assert.ok(ws.files.includes('package/' + file), `the tarball lacks ${file}`)
  }
  assert.ok(!ws.files.some(f => f.startsWith('package/build/test/')), 'the tarball ships the tests')
  assert.ok(!ws.files.some(f => f.startsWith('package/node_modules/')), 'the tarball ships node_modules')
})

test('the packed package is clean: no install-time script, source maps that resolve, declarations only for what it loads', async t => {
  const ws = await prepare(t)
  if (ws === null) return
  const packed = new Set(ws.files.map(f => f.slice('package/'.length)))
  const pkg = JSON.parse(await fs.promises.readFile(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) assert.equal(pkg.scripts[hook], undefined, `a ${hook} script runs when someone installs the package`)
  // Every shipped map names its sources, and every source is shipped beside it.
  const maps = [...packed].filter(f => f.endsWith('.map'))
  assert.ok(maps.length > 0)
  for (const map of maps) {
    const { sources } = JSON.parse(await fs.promises.readFile(path.join(PROJECT_ROOT, map), 'utf8')) as { sources: string[] }
    for (const source of sources) {
      const shipped = path.posix.normalize(path.posix.join(path.posix.dirname(map), source))
      assert.ok(packed.has(shipped), `${map} points at ${shipped}, which the package does not ship`)
    }
  }
  // Declarations of untyped packages: only those the shipped code loads.
  const declared = new Set([...packed].filter(f => f.startsWith('types/')).map(f => f.split('/')[1]))
  for (const name of declared) {
    if (name === undefined || name.endsWith('.d.ts')) continue
    const module = name.replace('__', '/').replace(/^hyperswarm\/dht$/, '@hyperswarm/dht')
    const used = [...packed].some(f => f.startsWith('build/') && f.endsWith('.js') && fs.readFileSync(path.join(PROJECT_ROOT, f), 'utf8').includes(`require("${module}`))
    assert.ok(used, `types/${name} ships, but nothing shipped loads ${module}`)
  }
  // And the declarations need no ES2015 target (tsc's default is lower).
  for (const file of [...packed].filter(f => f.endsWith('.d.ts') && f.startsWith('build/'))) {
    assert.doesNotMatch(await fs.promises.readFile(path.join(PROJECT_ROOT, file), 'utf8'), /#private/, file)
  }
})

test('a project that installs only corestore-ts replicates between two of its stores', { timeout: INSTALL_TIMEOUT }, async t => {
  if (await prepare(t) === null) return
  const dir = await plainProject()
  const corestoreDir = resolvePackage('corestore-ts', dir).dir
  // npm hoists corestore-ts's exact 3.0.1 and lets hypercore-protocol's ^3.0.1 share it: not the broken case.
  t.diagnostic('noise-protocol tree: ' + formatTree(dir, noiseTree(corestoreDir)))
  await assertReplicates(t, dir)
})

test('a project that installs only corestore-ts gets no RocksDB and no Corestore 7; its export names the package to install', { timeout: INSTALL_TIMEOUT }, async t => {
  if (await prepare(t) === null) return
  const dir = await plainProject()
  for (const name of ['rocksdb-native', 'corestore-ts-export', 'hyperbee']) {
    assert.equal(fs.existsSync(path.join(dir, 'node_modules', name)), false, `${name} is not installed`)
  }
  const script = await writeScript(dir, 'export.js', `'use strict'
const Corestore = require('corestore-ts')
const fs = require('fs')
fs.mkdirSync('src', { recursive: true })
const store = new Corestore('src')
store.ready().then(() => store.close()).then(() => Corestore.exportStore('src', 'out')).then(
  () => console.log(JSON.stringify({ ok: true })),
  err => console.log(JSON.stringify({ code: err.code, message: err.message, out: fs.existsSync('out') })))
`)
  const result = await run(process.execPath, [script], { cwd: dir, timeout: 60_000 })
  const outcome = lastJsonLine(result.stdout) as { code?: string, message?: string, out?: boolean }
  assert.equal(outcome.code, 'DEPENDENCY_MISSING', explain('the export without its package', result))
  assert.match(outcome.message ?? '', /npm install corestore-ts-export/)
  assert.equal(outcome.out, false, 'nothing written')
})

test('a project that had hypercore-protocol@8 before corestore-ts resolves noise-protocol@3.0.2, whose handshake fails', { timeout: INSTALL_TIMEOUT }, async t => {
  if (await prepare(t) === null) return
  const dir = await protocolFirstProject()
  const tree = noiseTree(resolvePackage('corestore-ts', dir).dir)
  t.diagnostic('noise-protocol tree: ' + formatTree(dir, tree))
  assert.equal(tree.own.version, '3.0.1', 'corestore-ts has its own noise-protocol@3.0.1')
  assert.equal(tree.protocol.version, '3.0.2', 'simple-hypercore-protocol resolves noise-protocol@3.0.2')
  assert.equal(tree.handshake.version, '3.0.2', 'simple-handshake resolves noise-protocol@3.0.2')
  assert.notEqual(tree.protocol.dir, tree.own.dir)

  // The control: without corestore-ts, this tree cannot complete a hypercore-protocol@8 handshake.
  const control = await runScript(t, dir, 'handshake.js', HANDSHAKE_SCRIPT)
  assert.ok(!control.ok, 'a bare hypercore-protocol@8 handshake succeeded on noise-protocol@3.0.2')
  t.diagnostic('without corestore-ts: ' + (control.message.split('\n').find(l => /Error/.test(l)) ?? control.message))
})

test('corestore-ts replicates in a project whose hypercore-protocol resolves noise-protocol@3.0.2', { timeout: INSTALL_TIMEOUT }, async t => {
  if (await prepare(t) === null) return
  const dir = await protocolFirstProject()
  await assertReplicates(t, dir)
})

test('corestore-ts replicates there even when hypercore-protocol was required before it', { timeout: INSTALL_TIMEOUT }, async t => {
  if (await prepare(t) === null) return
  const dir = await protocolFirstProject()
  await assertReplicates(t, dir, ['protocol-first'])
})

async function assertDriveRuns (t: TestContext, dir: string, storeDir: string): Promise<void> {
  const { ok, output, message } = await runScript(t, dir, 'drive.js', DRIVE_SCRIPT)
  assert.ok(ok, message)
  const report = output as { text: string, corestore: string }
  assert.equal(report.text, 'written before replication')
  assert.equal(report.corestore, path.join(storeDir, 'build', 'lib', 'index.js'), 'hyperdrive loaded corestore-ts')
}

test('a new hyperdrive@10 app installed with a corestore override runs on corestore-ts', { timeout: INSTALL_TIMEOUT }, async t => {
  const ws = await prepare(t)
  if (ws === null) return
  const dir = path.join(ws.root, 'new-drive-app')
  // An absolute path: npm resolves a relative file: override against the dependent's folder on reinstall.
  await createProject(dir, { overrides: { corestore: 'file:' + ws.tarball } })
  await install(dir, ['hyperdrive@10'])
  const store = resolvePackage('corestore', resolvePackage('hyperdrive', dir).dir)
  assert.equal(store.name, 'corestore-ts', 'hyperdrive resolves corestore to corestore-ts')
  t.diagnostic('noise-protocol tree: ' + formatTree(dir, noiseTree(store.dir)))
  await assertDriveRuns(t, dir, store.dir)
})

test('an existing hyperdrive@10 app that adds the corestore override runs on corestore-ts', { timeout: INSTALL_TIMEOUT }, async t => {
  const ws = await prepare(t)
  if (ws === null) return
  const dir = path.join(ws.root, 'existing-drive-app')
  await createProject(dir)
  await install(dir, ['hyperdrive@10'])
  assert.equal(resolvePackage('corestore', resolvePackage('hyperdrive', dir).dir).version, '5.8.2')
  await editPackageJson(dir, pkg => { pkg['overrides'] = { corestore: 'file:' + ws.tarball } })
  await install(dir, [])
  const store = resolvePackage('corestore', resolvePackage('hyperdrive', dir).dir)
  assert.equal(store.name, 'corestore-ts', 'hyperdrive resolves corestore to corestore-ts')
  const tree = noiseTree(store.dir)
  t.diagnostic('noise-protocol tree: ' + formatTree(dir, tree))
  assert.equal(tree.protocol.version, '3.0.2', 'the existing tree keeps noise-protocol@3.0.2 for hypercore-protocol')
  await assertDriveRuns(t, dir, store.dir)
})

test('a fresh project runs the how-to\'s writer and reader on the packed library, with await everywhere', { timeout: INSTALL_TIMEOUT }, async t => {
  if (await prepare(t) === null) return
  const dir = await plainProject()
  const writerScript = await writeScript(dir, 'writer.js', HOWTO_WRITER_SCRIPT)
  const writerStorage = await fs.promises.mkdtemp(path.join(dir, 'writer-'))
  const writer = childProcess.spawn(process.execPath, [writerScript, writerStorage], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  t.after(() => { writer.kill('SIGKILL') })
  let stderr = ''
  writer.stderr.on('data', chunk => { stderr += String(chunk) })
  const started = await new Promise<{ port: number, key: string }>((resolve, reject) => {
    let stdout = ''
    const timer = setTimeout(() => reject(new Error('the writer printed nothing: ' + stderr)), SCRIPT_TIMEOUT)
    writer.stdout.on('data', chunk => {
      stdout += String(chunk)
      const line = stdout.split('\n').find(l => l.startsWith('{'))
      if (line === undefined) return
      clearTimeout(timer)
      resolve(JSON.parse(line) as { port: number, key: string })
    })
    writer.once('exit', code => reject(new Error(`the writer exited with ${String(code)}: ${stderr}`)))
  })

  const { ok, output, message } = await runScript(t, dir, 'reader.js', HOWTO_READER_SCRIPT, [String(started.port), started.key])
  assert.ok(ok, message)
  const report = output as { otherKeys: string[], messages: string[], corestore: string }
  assert.equal(report.otherKeys.length, 2)
  assert.deepEqual(report.messages, ['core-2 says 1', 'core-2 says 2', 'core-3 says 1', 'core-3 says 2'])
  assert.equal(report.corestore, path.join(dir, 'node_modules', 'corestore-ts', 'build', 'lib', 'index.js'), 'corestore-ts came from the packed tarball')
})
