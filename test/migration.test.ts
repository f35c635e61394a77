import test, { after } from 'node:test'
import type { TestContext } from 'node:test'
import assert from 'node:assert/strict'
import fs = require('fs')
import os = require('os')
import path = require('path')
import { explain, lastJsonLine, npm, packProject, PROJECT_ROOT, registryProblem, resolvePackage, run, writeScript } from './helpers/fresh-install'

/*
 * The README's migration instructions, followed as written: its JSON snippets become the package.json
 * of fresh apps (the placeholder replaced by the packed tarball), `npm install`, and a Hyperdrive v10
 * program writes and reads a file there. A README edit that breaks the instructions breaks this test.
 */

const INSTALL_TIMEOUT = 400_000
const SECTION = '## Move a Hyperdrive v10 app'
const SCRIPT_TIMEOUT = 90_000
const PLACEHOLDER = 'file:/path/to/corestore-ts-0.1.0.tgz'

/** The README's section on Hyperdrive v10 apps. */
function readmeSection (): string {
  const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8')
  const start = readme.indexOf(SECTION)
  assert.ok(start !== -1, `the README has no section "${SECTION}"`)
  const next = readme.indexOf('\n## ', start + 1)
  return readme.slice(start, next === -1 ? undefined : next)
}

/** The ```json blocks of the README's section on Hyperdrive v10 apps, in order. */
function readmeSnippets (): string[] {
  return [...readmeSection().matchAll(/```json\n([\s\S]*?)```/g)].map(m => m[1] as string)
}

/** The Hyperdrive program the section shows (its one ```js block). */
function readmeProgram (): string {
  const programs = [...readmeSection().matchAll(/```js\n([\s\S]*?)```/g)].map(m => m[1] as string)
  assert.equal(programs.length, 1, 'one Hyperdrive program in the section')
  return programs[0] as string
}

/**
 * Hyperdrive v10 writes and reads a file on a store that the app made with `require('corestore')`
 * (as apps that list corestore do) and on one hyperdrive made itself; it reports where both came from.
 */
const DRIVE_PROGRAM = `'use strict'
const path = require('path')
const Hyperdrive = require('hyperdrive')
const Corestore = require('corestore')

const dir = process.argv[2]
const call = (fn) => new Promise((resolve, reject) => fn((err, value) => err ? reject(err) : resolve(value)))
const packageOf = (file) => {
  for (let d = path.dirname(file); d !== path.dirname(d); d = path.dirname(d)) {
    try { return require(path.join(d, 'package.json')).name } catch {}
  }
}

async function main () {
  const store = new Corestore(path.join(dir, 'store'))
  const own = new Hyperdrive(store)
  await call(cb => own.ready(cb))
  await call(cb => own.writeFile('/hello.txt', 'hello from a migrated app', cb))
  const ownText = await call(cb => own.readFile('/hello.txt', 'utf8', cb))

  const made = new Hyperdrive(path.join(dir, 'drive'))
  await call(cb => made.ready(cb))
  await call(cb => made.writeFile('/a/b.txt', 'second', cb))
  const madeText = await call(cb => made.readFile('/a/b.txt', 'utf8', cb))
  const names = await call(cb => made.readdir('/a', cb))
  await call(cb => own.close(cb))
  await call(cb => made.close(cb))
  await store.close()

  const hyperdriveDir = path.dirname(require.resolve('hyperdrive'))
  console.log(JSON.stringify({
    ownText,
    madeText,
    names,
    app: packageOf(require.resolve('corestore')),
    hyperdrive: packageOf(require.resolve('corestore', { paths: [hyperdriveDir] }))
  }))
}

main().catch(err => {
  console.error(err)
  process.exit(1)
})
`

let workDir: string | null = null
after(async () => {
  if (workDir !== null) await fs.promises.rm(workDir, { recursive: true, force: true })
})

let prepared: Promise<{ root: string, tarball: string } | null> | null = null

async function workspace (t: TestContext): Promise<{ root: string, tarball: string } | null> {
  prepared ??= (async () => {
    const problem = await registryProblem()
    if (problem !== null) return null
    workDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'corestore-ts-migration-'))
    const { tarball } = await packProject(workDir)
    return { root: workDir, tarball }
  })()
  const ws = await prepared
  if (ws === null) t.skip('the npm registry is unreachable, so nothing can be installed')
  return ws
}

/** An app whose package.json is a README snippet, installed with plain `npm install`. */
async function migrate (t: TestContext, name: string, snippet: string): Promise<void> {
  const ws = await workspace(t)
  if (ws === null) return
  assert.ok(snippet.includes(PLACEHOLDER), `the snippet names corestore-ts as ${PLACEHOLDER}`)
  const dir = path.join(ws.root, name)
  await fs.promises.mkdir(dir)
  const pkg = { name, version: '1.0.0', private: true, ...JSON.parse(snippet.split(PLACEHOLDER).join('file:' + ws.tarball)) as object }
  await fs.promises.writeFile(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n')

  const installed = await npm(['install'], dir, INSTALL_TIMEOUT - 60_000)
  assert.equal(installed.code, 0, explain('npm install', installed))
  assert.equal(resolvePackage('corestore', resolvePackage('hyperdrive', dir).dir).name, 'corestore-ts')

  const script = await writeScript(dir, 'drive.js', DRIVE_PROGRAM)
  const storage = await fs.promises.mkdtemp(path.join(dir, 'storage-'))
  const result = await run(process.execPath, [script, storage], { cwd: dir, timeout: SCRIPT_TIMEOUT })
  assert.equal(result.code, 0, explain('node drive.js', result))
  const report = lastJsonLine(result.stdout) as Record<string, unknown>
  assert.equal(report['ownText'], 'hello from a migrated app')
  assert.equal(report['madeText'], 'second')
  assert.deepEqual(report['names'], ['b.txt'])
  assert.equal(report['app'], 'corestore-ts', 'the app\'s require(\'corestore\') is corestore-ts')
  assert.equal(report['hyperdrive'], 'corestore-ts', 'hyperdrive\'s require(\'corestore\') is corestore-ts')

  // The README's own program, as written, twice in one folder: the drive keeps its key.
  const program = await writeScript(dir, 'readme-program.js', readmeProgram())
  const keys: string[] = []
  for (let i = 0; i < 2; i++) {
    const ran = await run(process.execPath, [program], { cwd: storage, timeout: SCRIPT_TIMEOUT })
    assert.equal(ran.code, 0, explain('node readme-program.js', ran))
    const match = /^hello, Hypercore 9 ([0-9a-f]{64})$/m.exec(ran.stdout)
    assert.ok(match !== null, ran.stdout)
    keys.push(match[1] as string)
  }
  assert.equal(keys[0], keys[1], 'the README program\'s drive keeps its key across runs')
}

test('the README gives two package.json snippets: an override, and a corestore dependency with "$corestore"', () => {
  const snippets = readmeSnippets()
  assert.equal(snippets.length, 2, 'two JSON snippets in the Hyperdrive v10 section')
  const [viaHyperdrive, direct] = snippets.map(s => JSON.parse(s) as { dependencies: Record<string, string>, overrides: Record<string, string> })
  assert.equal(viaHyperdrive?.overrides['corestore'], PLACEHOLDER)
  assert.equal(viaHyperdrive?.dependencies['corestore'], undefined)
  assert.equal(direct?.dependencies['corestore'], PLACEHOLDER)
  assert.equal(direct?.overrides['corestore'], '$corestore')
})

test('an app that gets corestore only through hyperdrive runs on corestore-ts after the README\'s override', { timeout: INSTALL_TIMEOUT }, async t => {
  await migrate(t, 'via-hyperdrive-app', readmeSnippets()[0] as string)
})

test('an app that lists corestore itself runs on corestore-ts after the README\'s "$corestore" override', { timeout: INSTALL_TIMEOUT }, async t => {
  await migrate(t, 'direct-corestore-app', readmeSnippets()[1] as string)
})
