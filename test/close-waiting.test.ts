// Closing a store while reads wait on its cores: each waiting call fails with the coded closed error
// and the close completes, in a process that goes on running. The same script on corestore@5.8.2 is
// run beside it: there a Hyperdrive v10 watch retries its feed's update at once, forever, on the
// next-tick queue, and the process never runs a timer again (the test documents it, it does not fix it).
import test from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'child_process'
import path = require('path')

const OURS = path.resolve(__dirname, '..', 'lib')

function script (corestore: string): string {
  return `
const ram = require('random-access-memory')
const Corestore = require(${JSON.stringify(corestore)})
const Hyperdrive = require('hyperdrive')
const call = fn => new Promise((resolve, reject) => fn((err, value) => err ? reject(err) : resolve(value)))
;(async () => {
  const a = new Corestore(ram)
  const drive = new Hyperdrive(a)
  await call(cb => drive.ready(cb))
  await call(cb => drive.writeFile('/x', 'y', cb))
  const b = new Corestore(ram)
  await call(cb => b.ready(cb))
  const copy = new Hyperdrive(b, drive.key, { sparse: true })
  await call(cb => copy.ready(cb))
  const core = b.get({ key: Buffer.alloc(32, 1) })
  await call(cb => core.ready(cb))
  const waiting = {}
  core.get(5, err => { waiting.get = err && err.code })
  core.update(err => { waiting.update = err && err.code })
  copy.watch('/', () => {})
  b.close(err => {
    console.log(JSON.stringify({ closed: true, error: err ? err.message : null, waiting }))
    // A process that still runs its event loop fires this.
    setTimeout(() => { console.log(JSON.stringify({ alive: true })); process.exit(0) }, 100)
  })
})().catch(err => { console.error(err); process.exit(1) })
`
}

function run (corestore: string): Promise<{ code: number | null, killed: boolean, lines: Array<Record<string, unknown>> }> {
  return new Promise(resolve => {
    execFile(process.execPath, ['-e', script(corestore)], { cwd: path.resolve(__dirname, '..', '..'), timeout: 20_000 }, (err, stdout) => {
      const lines = stdout.split('\n').filter(line => line.startsWith('{')).map(line => JSON.parse(line) as Record<string, unknown>)
      resolve({ code: err === null ? 0 : (err as { code?: number }).code ?? null, killed: (err as { killed?: boolean } | null)?.killed === true, lines })
    })
  })
}

test('a store closes while a get, an update and a Hyperdrive v10 watch wait: each fails with CORE_CLOSED, and the process goes on', { timeout: 60_000 }, async () => {
  const ours = await run(OURS)
  assert.equal(ours.code, 0)
  assert.deepEqual(ours.lines[0], { closed: true, error: null, waiting: { get: 'CORE_CLOSED', update: 'CORE_CLOSED' } })
  assert.deepEqual(ours.lines[1], { alive: true }, 'the event loop still runs after the close')
})

test('corestore@5.8.2, the same script: the close calls back, then the watch starves the event loop (documented, not asserted as a goal)', { timeout: 60_000 }, async t => {
  const theirs = await run('corestore5')
  t.diagnostic(`corestore@5.8.2: ${JSON.stringify(theirs.lines)}, killed after 20 s: ${String(theirs.killed)}`)
  assert.equal(theirs.lines.some(line => line['alive'] === true), false, 'corestore@5.8.2 never runs a timer again')
  assert.equal(theirs.killed, true)
})

function turnsScript (corestore: string, disk: boolean): string {
  return `
const path = require('path')
const os = require('os')
const fs = require('fs')
const ram = require('random-access-memory')
const Corestore = require(${JSON.stringify(corestore)})
const Hyperdrive = require('hyperdrive')
const call = fn => new Promise((resolve, reject) => fn((err, value) => err ? reject(err) : resolve(value)))
;(async () => {
  const dir = ${disk} ? fs.mkdtempSync(path.join(os.tmpdir(), 'corestore-ts-turns-')) : null
  const store = new Corestore(dir === null ? ram : dir)
  await call(cb => store.ready(cb))
  const drive = new Hyperdrive(store)
  await call(cb => drive.ready(cb))
  await call(cb => drive.writeFile('/x', 'y', cb))
  // Turns of the event loop, counted by a setImmediate chain started with the closes.
  let turns = 0
  let counting = true
  const count = () => { turns++; if (counting) setImmediate(count) }
  setImmediate(count)
  const at = {}
  drive.once('close', () => { at.driveCloseEvent = turns })
  drive.close(() => { at.driveClosed = turns })
  store.close(() => {
    at.storeClosed = turns
    counting = false
    if (dir !== null) fs.rmSync(dir, { recursive: true, force: true })
    console.log(JSON.stringify(at))
  })
})().catch(err => { console.error(err); process.exit(1) })
`
}

async function turns (corestore: string, disk: boolean): Promise<Record<string, number>> {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['-e', turnsScript(corestore, disk)], { cwd: path.resolve(__dirname, '..', '..'), timeout: 30_000 }, (err, out) => err !== null ? reject(err) : resolve(out))
  })
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, number>
}

test('closing a Hyperdrive v10 drive and its store in memory takes no more event-loop turns than on corestore@5.8.2; on disk the turns are reported', { timeout: 60_000 }, async t => {
  // In memory no turn waits on the thread pool, so the counts compare the code alone. On disk each
  // count includes file operations, whose turns grow with the machine's load: reported, not asserted.
  for (const disk of [false, true]) {
    const ours = await turns(OURS, disk)
    const theirs = await turns('corestore5', disk)
    t.diagnostic(`${disk ? 'folder' : 'memory'}: corestore-ts ${JSON.stringify(ours)}, corestore@5.8.2 ${JSON.stringify(theirs)}`)
    for (const step of ['driveCloseEvent', 'driveClosed', 'storeClosed']) {
      assert.ok(typeof ours[step] === 'number' && typeof theirs[step] === 'number', step)
      if (!disk) assert.ok((ours[step] as number) <= (theirs[step] as number), `${step}: ${String(ours[step])} turns, corestore@5.8.2 ${String(theirs[step])}`)
    }
  }
})
