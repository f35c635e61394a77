// The status page in a real browser: Debian's headless Chromium loads it from a running store and
// its DOM, after the page's script ran, lists the loaded cores. `.ci/run` installs chromium when it
// is missing; elsewhere the test is skipped without it.
import test from 'node:test'
import assert from 'node:assert/strict'
import { execFile, execFileSync } from 'child_process'
import fs = require('fs')
import os = require('os')
import path = require('path')
import ram = require('random-access-memory')
import Corestore = require('../lib')
import { MASTER_KEY, replicateStores } from './helpers/store'

function chromium (): string | null {
  for (const candidate of ['chromium', 'chromium-browser']) {
    try {
      execFileSync('which', [candidate], { stdio: 'ignore' })
      return candidate
    } catch {}
  }
  return null
}

const BROWSER = chromium()

/** The page's DOM once its scripts ran for a few (virtual) seconds. */
function dumpDom (url: string): Promise<string> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'corestore-ts-chromium-'))
  const args = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    `--user-data-dir=${profile}`, '--virtual-time-budget=4000', '--dump-dom', url
  ]
  return new Promise((resolve, reject) => {
    execFile(BROWSER as string, args, { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      fs.rmSync(profile, { recursive: true, force: true })
      if (err !== null) return reject(new Error(`${err.message}\n${stderr}`))
      resolve(stdout)
    })
  })
}

test('the status page, loaded in headless Chromium, lists every loaded core, its state and its peers', { timeout: 120_000, skip: BROWSER === null && process.env.CI !== 'true' ? 'chromium is not installed' : false }, async () => {
  assert.ok(BROWSER !== null, 'CI installs chromium (.ci/run)')
  const a = new Corestore(ram, { masterKey: MASTER_KEY })
  const b = new Corestore(ram)
  const log = a.namespace('app').get({ name: 'log' })
  await log.ready()
  await log.append(['one', 'two'])
  const other = a.get({ name: 'other' })
  await other.ready()
  const copy = b.get({ key: log.key as Buffer })
  await copy.ready()
  const { ended } = replicateStores(a, b)
  await copy.get(1)
  const status = await a.serveStatus()
  try {
    const dom = await dumpDom(status.url)
    for (const core of [log, other]) {
      assert.ok(dom.includes(`data-discovery-key="${(core.discoveryKey as Buffer).toString('hex')}"`), 'a row per loaded core')
    }
    assert.match(dom, /<td>app \/ log<\/td>/, 'the name, with the namespace')
    assert.match(dom, /<td>active<\/td>/)
    const peers = /<table id="peers">[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(dom)?.[1] ?? ''
    assert.equal((peers.match(/<tr>/g) ?? []).length, 1, 'one peer row')
    assert.match(dom, /<div id="error"><\/div>/, 'the page read stats.json without an error')
  } finally {
    await status.close()
    await Promise.all([a.close(), b.close()])
    await ended
  }
})
