// `corestore-ts status`, seed --status and inspect beside a running store, through the real binary;
// the live view in a real terminal (tmux).
import test from 'node:test'
import assert from 'node:assert/strict'
import { execFile, execFileSync, spawn } from 'child_process'
import { once } from 'events'
import net = require('net')
import path = require('path')
import ram = require('random-access-memory')
import Corestore = require('../lib')
import { MASTER_KEY, tmpdir } from './helpers/store'
import { notAStatusPage } from './helpers/http'

const CLI = path.resolve(__dirname, '..', 'bin', 'corestore-ts.js')
const WAITS = { timeout: 90_000 }

function run (args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  return new Promise(resolve => {
    execFile(process.execPath, [CLI, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : (err as { code?: number }).code ?? 1, stdout, stderr })
    })
  })
}

async function servingStore (): Promise<{ store: Corestore, core: Corestore.Core, status: Corestore.StatusServer, close (): Promise<void> }> {
  const store = new Corestore(ram, { masterKey: MASTER_KEY })
  const core = store.namespace('app').get({ name: 'log' })
  await core.ready()
  await core.append(['a', 'b', 'c'])
  const status = await store.serveStatus()
  return { store, core, status, close: async () => { await status.close(); await store.close() } }
}

test('status --json prints one snapshot of a running store\'s status page', WAITS, async () => {
  const { core, status, close } = await servingStore()
  try {
    for (const address of [status.url, status.url.replace('http://', ''), String(status.port)]) {
      const result = await run(['status', address, '--json'])
      assert.equal(result.code, 0, result.stderr)
      const stats = JSON.parse(result.stdout) as Corestore.Stats
      assert.equal(stats.cores.length, 1)
      assert.equal(stats.cores[0]?.key, (core.key as Buffer).toString('hex'))
      assert.equal(stats.cores[0]?.namespace, 'app')
    }
    const plain = await run(['status', status.url])
    assert.equal(plain.code, 0)
    assert.match(plain.stdout, /^corestore-ts status · 127\.0\.0\.1:\d+ · storage function/)
    assert.ok(plain.stdout.includes((core.discoveryKey as Buffer).toString('hex')), 'a pipe gets whole keys')
    assert.match(plain.stdout, / · heap \d+\.\d MiB · /, 'sizes read as people read them')
    const exact = await run(['status', status.url, '--bytes'])
    assert.equal(exact.code, 0, exact.stderr)
    assert.match(exact.stdout, / · heap \d+ B · /, '--bytes gives every byte')
  } finally {
    await close()
  }
})

test('status against something that is not a store\'s page, or nothing, fails with one coded line', WAITS, async () => {
  const other = await notAStatusPage()
  const closed = net.createServer()
  closed.listen(0, '127.0.0.1')
  await once(closed, 'listening')
  const freePort = (closed.address() as net.AddressInfo).port
  closed.close()
  try {
    const notStore = await run(['status', other.url])
    assert.equal(notStore.code, 1)
    assert.match(notStore.stderr, /^corestore-ts: http:\/\/127\.0\.0\.1:\d+\/ is not a corestore-ts status page: /)
    const nothing = await run(['status', `127.0.0.1:${freePort}`, '--json'])
    assert.equal(nothing.code, 1)
    assert.match(nothing.stderr, new RegExp(`^corestore-ts: Cannot connect to 127\\.0\\.0\\.1:${freePort}: ECONNREFUSED`))
    const bad = await run(['status', 'ftp://x'])
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /Status reads http:\/\/ addresses only/)
    assert.equal((await run(['status'])).code, 2)
  } finally {
    other.close()
  }
})

test('seed --status serves a seeder\'s status page, which status --json reads', WAITS, async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const folder = path.join(dir, 'store')
  const store = new Corestore(folder)
  const core = store.get({ name: 'seeded' })
  await core.ready()
  await core.append('x')
  await store.close()
  const seed = spawn(process.execPath, [CLI, 'seed', folder, '--tcp', '0', '--status', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] })
  t.after(() => { seed.kill('SIGKILL') })
  let out = ''
  const url = await new Promise<string>((resolve, reject) => {
    seed.stdout.setEncoding('utf-8').on('data', (chunk: string) => {
      out += chunk
      const match = /"event":"status","url":"([^"]+)"/.exec(out)
      if (match?.[1] !== undefined) resolve(match[1])
    })
    seed.once('exit', code => reject(new Error(`seed exited (${String(code)}): ${out}`)))
  })
  const result = await run(['status', url, '--json'])
  assert.equal(result.code, 0, result.stderr)
  const stats = JSON.parse(result.stdout) as Corestore.Stats
  assert.equal(stats.folder, path.resolve(folder))
  assert.equal(stats.locked, true)
  seed.kill('SIGTERM')
  await once(seed, 'exit')
})

test('inspect reads a folder a running store holds, without its lock, and says it is in use', WAITS, async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const store = new Corestore(dir)
  const core = store.get({ name: 'held' })
  await core.ready()
  await core.append('x')
  const held = await run(['inspect', dir])
  assert.equal(held.code, 0, held.stderr)
  assert.match(held.stderr, /note: .* is in use by a running store/)
  assert.ok(held.stdout.includes((core.discoveryKey as Buffer).toString('hex')))
  await core.append('y')
  assert.equal(core.length, 2, 'the store goes on writing: inspect took no lock')
  await store.close()
  const free = await run(['inspect', dir])
  assert.equal(free.code, 0)
  assert.doesNotMatch(free.stderr, /in use/)
})

function tmux (...args: string[]): string {
  return execFileSync('tmux', args, { encoding: 'utf-8' })
}

/** Reads the pane until `check` passes, for at most `ms` (a terminal gives no event to wait on). */
async function screenUntil (session: string, check: (screen: string) => boolean, ms = 30_000): Promise<string> {
  const deadline = Date.now() + ms
  let screen = ''
  while (Date.now() < deadline) {
    screen = tmux('capture-pane', '-p', '-t', session)
    if (check(screen)) return screen
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  throw new Error(`the terminal never showed what was expected; it shows:\n${screen}`)
}

function sessionAlive (session: string): boolean {
  try {
    tmux('has-session', '-t', session)
    return true
  } catch {
    return false
  }
}

test('the live view runs in a real terminal: it fits the width, refreshes, and q quits', { ...WAITS, skip: hasTmux() ? false : 'tmux is not installed' }, async () => {
  const { store, core, status, close } = await servingStore()
  const session = `corestore-ts-status-${process.pid}`
  try {
    tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '20', process.execPath, CLI, 'status', status.url)
    const dk = (core.discoveryKey as Buffer).toString('hex')
    const first = await screenUntil(session, screen => screen.includes('q or Ctrl-C quits') && screen.includes(dk.slice(0, 8)))
    assert.match(first, /corestore-ts status · 127\.0\.0\.1:\d+/)
    assert.ok(first.split('\n').every(line => line.length <= 100), 'no line wider than the terminal')
    assert.ok(first.includes('app/log'), 'the core\'s name')
    // A second core appears on a later refresh.
    const other = store.get({ name: 'later' })
    await other.ready()
    const otherKey = (other.discoveryKey as Buffer).toString('hex')
    await screenUntil(session, screen => screen.includes(otherKey.slice(0, 8)))
    tmux('send-keys', '-t', session, 'q')
    const deadline = Date.now() + 10_000
    while (sessionAlive(session) && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 100))
    assert.equal(sessionAlive(session), false, 'q ended the view')
  } finally {
    if (sessionAlive(session)) tmux('kill-session', '-t', session)
    await close()
  }
})

function hasTmux (): boolean {
  try {
    execFileSync('tmux', ['-V'])
    return true
  } catch {
    return false
  }
}
