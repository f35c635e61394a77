// dat-sdk@2's teardown, as its apps do it: the drives and the @corestore/networker closed in the same
// tick, each drive's 'close' handler reconfiguring the networker (leaving its discovery key). A drive
// whose 'close' comes after the networker closed makes that configure fail ("Resource is closed"),
// unhandled. Both packages run the same script, many times, each run in a process of its own.
import test from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'child_process'
import { once } from 'events'
import path = require('path')
import dht = require('@hyperswarm/dht')

const SCRIPT = `// dat-sdk@2's teardown: drives and the networker closed in the same tick; each drive's 'close'
// handler reconfigures the networker (leaves its discovery key).
const ram = require('random-access-memory')
const [pkg, bootstrap] = process.argv.slice(-2)
const Corestore = pkg === 'cs5' ? require('corestore5') : require(process.env.CORESTORE_TS)
const Hyperdrive = require('hyperdrive')
const Networker = require('@corestore/networker')
const call = fn => new Promise((res, rej) => fn((e, v) => e ? rej(e) : res(v)))
const failures = []
process.on('unhandledRejection', err => failures.push(String(err && err.message)))
process.on('uncaughtException', err => failures.push(String(err && err.message)))
;(async () => {
  const store = new Corestore(ram)
  await call(cb => store.ready(cb))
  const networker = new Networker(store, { bootstrap: [bootstrap] })
  const drives = []
  for (let i = 0; i < 4; i++) {
    const drive = new Hyperdrive(store.namespace('d' + i))
    await call(cb => drive.ready(cb))
    await call(cb => drive.writeFile('/x', 'y', cb))
    await networker.configure(drive.discoveryKey, { announce: true, lookup: true })
    drive.on('close', () => { networker.configure(drive.discoveryKey, { announce: false, lookup: false }) })
    drives.push(drive)
  }
  for (const drive of drives) drive.close()
  await networker.close()
  await store.close()
  setTimeout(() => { console.log(JSON.stringify({ failures })); process.exit(0) }, 200)
})().catch(err => { console.log(JSON.stringify({ failures: [...failures, 'main: ' + err.message] })); process.exit(0) })
`

function teardown (pkg: 'ts' | 'cs5', bootstrap: string): Promise<string[]> {
  return new Promise(resolve => {
    const env = { ...process.env, CORESTORE_TS: path.resolve(__dirname, '..', 'lib') }
    execFile(process.execPath, ['-e', SCRIPT, pkg, bootstrap], { cwd: path.resolve(__dirname, '..', '..'), env, timeout: 60_000 }, (err, stdout) => {
      if (err !== null) return resolve([`the run failed: ${err.message.slice(0, 300)}`])
      resolve((JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { failures: string[] }).failures)
    })
  })
}

test('dat-sdk-style teardown (drives and networker closed in one tick): never a crash in 50 runs on corestore-ts; corestore@5.8.2 beside it', { timeout: 600_000 }, async t => {
  const node = dht({ bootstrap: false })
  t.after(() => node.destroy())
  node.listen(0, '127.0.0.1')
  await once(node, 'listening')
  const bootstrap = `127.0.0.1:${node.address().port}`
  const crashes = { ts: 0, cs5: 0 }
  for (const [pkg, runs] of [['ts', 50], ['cs5', 10]] as const) {
    for (let i = 0; i < runs; i++) {
      const failures = await teardown(pkg, bootstrap)
      if (failures.length === 0) continue
      crashes[pkg]++
      t.diagnostic(`${pkg} run ${i}: ${failures.join('; ')}`)
    }
  }
  t.diagnostic(`crashes: corestore-ts ${crashes.ts} of 50, corestore@5.8.2 ${crashes.cs5} of 10`)
  assert.equal(crashes.ts, 0)
})
