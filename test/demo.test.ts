import test from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'child_process'
import fs = require('fs')
import path = require('path')
import { tmpdir } from './helpers/store'

const DEMO = path.join(__dirname, '..', 'examples', 'demo.js')

interface Exit { code: number | null, stdout: string, stderr: string }

/** Runs the demo to its end (killed after `ms`), writing `input` to its stdin. */
function runDemo (t: { after: (fn: () => void) => void }, args: string[], input = '', ms = 30000): Promise<Exit> {
  const child = spawn(process.execPath, [DEMO, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  let ended = false
  child.stdout.setEncoding('utf-8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr.setEncoding('utf-8').on('data', (chunk: string) => { stderr += chunk })
  t.after(() => { if (!ended) child.kill('SIGKILL') })
  child.stdin.end(input)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo still runs after ${ms} ms\nstdout: ${stdout}\nstderr: ${stderr}`)), ms)
    child.once('close', code => {
      ended = true
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** The summary rows as { store core: [length, bytes, writable] }. */
function summary (stdout: string): Map<string, [number, number, string]> {
  const [, table = ''] = stdout.split('\nsummary\n')
  const [header, ...rows] = table.trim().split('\n')
  assert.match(header ?? '', /^STORE\s+CORE\s+KEY\s+LENGTH\s+BYTES\s+WRITABLE$/)
  const out = new Map<string, [number, number, string]>()
  for (const row of rows) {
    const [store, core, , length, bytes, writable] = row.split(/\s+/)
    out.set(`${store ?? ''} ${core ?? ''}`, [Number(length), Number(bytes), writable ?? ''])
  }
  return out
}

test('npm start: the demo replicates three cores over a local DHT, prints each message on the reader and a summary, and exits 0', { timeout: 60000 }, async t => {
  const { code, stdout, stderr } = await runDemo(t, [])
  assert.equal(stderr, '')
  assert.equal(code, 0, stdout)
  const [, data = ''] = /^data: (\S+)\/writer and /m.exec(stdout) ?? []
  assert.ok(data.length > 0, 'it says where the stores live')
  assert.equal(fs.existsSync(data), false, 'and removes a temporary folder at exit')
  assert.match(stdout, /^DHT bootstrap node on 127\.0\.0\.1:\d+$/m)
  assert.match(stdout, /^reader: connected to a peer \(tcp /m)
  assert.match(stdout, /^reader: index\[0\] names chat [0-9a-f]{16}… and log [0-9a-f]{16}…$/m)

  const received = stdout.split('\n').filter(line => line.startsWith('reader: chat[') || line.startsWith('reader: log['))
  assert.deepEqual(received, [
    'reader: log[0] → (writer online)',
    'reader: chat[0] → alice: hi bob, this is a Hypercore 9 core',
    'reader: chat[1] → bob: hi alice! found you through the DHT',
    'reader: log[1] → (two peers, one connection, three cores)',
    'reader: chat[2] → alice: every block is signed and verified',
    'reader: log[2] → (done)'
  ])

  const rows = summary(stdout)
  assert.deepEqual([...rows.keys()], ['writer index', 'writer chat', 'writer log', 'reader index', 'reader chat', 'reader log'])
  for (const core of ['index', 'chat', 'log']) {
    const written = rows.get(`writer ${core}`)
    const read = rows.get(`reader ${core}`)
    assert.equal(written?.[0], core === 'index' ? 1 : 3)
    assert.deepEqual(read?.slice(0, 2), written?.slice(0, 2), `the reader has all of ${core}`)
    assert.equal(written?.[2], 'yes')
    assert.equal(read?.[2], 'no')
  }
})

test('the demo with --interactive appends each stdin line (chat: / log: prefixes, round-robin otherwise) until end of input', { timeout: 60000 }, async t => {
  const { code, stdout, stderr } = await runDemo(t, ['--interactive'], 'first line\nlog: a log entry\nchat: to chat\n\nsecond line\n')
  assert.equal(stderr, '')
  assert.equal(code, 0, stdout)
  const received = stdout.split('\n').filter(line => /^reader: (chat|log)\[/.test(line))
  assert.deepEqual(received, [
    'reader: chat[0] → you: first line',
    'reader: log[0] → (a log entry)',
    'reader: chat[1] → you: to chat',
    'reader: log[1] → (second line)'
  ])
  const rows = summary(stdout)
  assert.deepEqual(rows.get('reader chat')?.[0], 2)
  assert.deepEqual(rows.get('reader log')?.[0], 2)
})

test('the demo with --dir keeps both stores, and a second run continues them', { timeout: 60000 }, async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const first = await runDemo(t, ['--dir', dir])
  assert.equal(first.code, 0, first.stderr)
  assert.deepEqual(fs.readdirSync(dir).sort(), ['reader', 'writer'])
  const second = await runDemo(t, ['--dir', dir])
  assert.equal(second.code, 0, second.stderr)
  const rows = summary(second.stdout)
  assert.equal(rows.get('writer index')?.[0], 1, 'the index is written once')
  assert.equal(rows.get('writer chat')?.[0], 6)
  assert.equal(rows.get('reader chat')?.[0], 6)
  assert.equal(rows.get('reader log')?.[0], 6)
})
