import test from 'node:test'
import type { TestContext } from 'node:test'
import assert from 'node:assert/strict'
import path = require('path')
import readline = require('readline')
import { spawn } from 'child_process'
import type { ChildProcessWithoutNullStreams } from 'child_process'
import { once } from 'events'
import dht = require('@hyperswarm/dht')
import Corestore = require('../lib')
import { tmpdir } from './helpers/store'

// Each wait fails on its own, with the program's output, well before the test's own timeout.
const WAIT_MS = 20_000
const TEST_TIMEOUT_MS = 60_000
const KEY = /^main core key: ([0-9a-f]{64})$/
const OTHER_KEYS = /^other core keys: ([0-9a-f]{64}) ([0-9a-f]{64})$/
const MESSAGE = /^core ([0-9a-f]{64}) block (\d+): (.*)$/

test('the writer and reader examples replicate many cores over TCP', { timeout: TEST_TIMEOUT_MS }, async t => {
  await runExamples(t, { writer: ['--port', '0'], reader: port => ['--port', port] }, /^listening on 127\.0\.0\.1:(\d+)$/)
})

test('the writer and reader examples replicate many cores over Hyperswarm@2', { timeout: TEST_TIMEOUT_MS }, async t => {
  const bootstrap = dht({ bootstrap: false })
  t.after(() => bootstrap.destroy())
  bootstrap.listen(0, '127.0.0.1')
  await once(bootstrap, 'listening')
  const swarm = ['--swarm', '--bootstrap', `127.0.0.1:${bootstrap.address().port}`]
  await runExamples(t, { writer: swarm, reader: () => swarm }, /^announced on the swarm$/)
})

/**
 * Runs the writer with two messages, then the reader; once the reader has printed those, sends
 * the writer two more on stdin, which the reader must receive live before it exits on --count.
 */
async function runExamples (t: TestContext, args: { writer: string[], reader: (port: string) => string[] }, serving: RegExp): Promise<void> {
  const writerDir = await folder(t)
  const readerDir = await folder(t)

  const writer = start(t, 'writer', [writerDir, ...args.writer, '--message', 'one', '--message', 'a longer message'])
  const [, mainKey = ''] = await writer.line(KEY)
  const [, port = ''] = await writer.line(serving)
  await writer.line(/^appended block 0 to other-core-2: a longer message$/)

  const reader = start(t, 'reader', [readerDir, mainKey, ...args.reader(port), '--count', '4'])
  const [, shortKey = '', longKey = ''] = await reader.line(OTHER_KEYS)
  await reader.line(/^core [0-9a-f]{64} block 0: one$/)
  await reader.line(/^core [0-9a-f]{64} block 0: a longer message$/)

  writer.child.stdin.write('hi\nanother long line\n')
  await reader.line(/^received 4 messages$/)
  assert.equal(await reader.exited, 0)

  const received = new Map<string, string[]>()
  for (const line of reader.lines) {
    const [, key = '', index = '', message = ''] = line.match(MESSAGE) ?? []
    if (key === '') continue
    const messages = received.get(key) ?? []
    assert.equal(Number(index), messages.length, `core ${key} printed in order, once each`)
    received.set(key, [...messages, message])
  }
  assert.deepEqual(Object.fromEntries(received), {
    [shortKey]: ['one', 'hi'],
    [longKey]: ['a longer message', 'another long line']
  })

  writer.child.kill('SIGTERM')
  assert.equal(await writer.exited, 0)

  // The keys the reader found in the first block are those of the writer's named cores.
  const store = new Corestore(writerDir)
  t.after(() => store.close())
  const names = ['main-core', 'other-core-1', 'other-core-2']
  const cores = names.map(name => store.get({ name }))
  await Promise.all(cores.map(core => core.ready()))
  assert.deepEqual(cores.map(core => (core.key as Buffer).toString('hex')), [mainKey, shortKey, longKey])
}

async function folder (t: TestContext): Promise<string> {
  const { dir, cleanup } = await tmpdir('corestore-ts-example-')
  t.after(cleanup)
  return dir
}

interface Example {
  child: ChildProcessWithoutNullStreams
  /** Every line printed on stdout so far. */
  lines: string[]
  /** The first line printed so far, or later, that matches `pattern`. */
  line (pattern: RegExp): Promise<RegExpMatchArray>
  /** The exit code, once stdout and stderr are closed too. */
  exited: Promise<number | null>
}

/** Runs build/examples/<name>.js; killed when the test ends, if it is still running. */
function start (t: TestContext, name: 'writer' | 'reader', args: string[]): Example {
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'examples', `${name}.js`), ...args], { stdio: 'pipe' })
  const lines: string[] = []
  let stderr = ''
  let closed = false
  const changed = new Set<() => void>()
  const notify = (): void => { for (const check of [...changed]) check() }

  readline.createInterface({ input: child.stdout }).on('line', line => {
    lines.push(line)
    notify()
  })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const exited = new Promise<number | null>(resolve => child.once('close', code => {
    closed = true
    notify()
    resolve(code)
  }))
  t.after(async () => {
    if (closed) return
    child.kill('SIGKILL')
    await exited
  })

  const output = (): string => `\n--- ${name} stdout:\n${lines.join('\n')}\n--- ${name} stderr:\n${stderr}`
  const line = (pattern: RegExp): Promise<RegExpMatchArray> => new Promise((resolve, reject) => {
    const done = (): void => {
      changed.delete(check)
      clearTimeout(timer)
    }
    const check = (): void => {
      for (const printed of lines) {
        const match = printed.match(pattern)
        if (match !== null) {
          done()
          return resolve(match)
        }
      }
      if (closed) {
        done()
        reject(new Error(`${name} exited before printing ${String(pattern)}${output()}`))
      }
    }
    const timer = setTimeout(() => {
      done()
      reject(new Error(`${name} printed nothing matching ${String(pattern)} within ${WAIT_MS} ms${output()}`))
    }, WAIT_MS)
    changed.add(check)
    check()
  })

  return { child, lines, line, exited }
}

test('the Hyperdrive v10 example writes and reads a drive, a peer reads it by key, and a second run keeps the key and the files', { timeout: TEST_TIMEOUT_MS }, async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const example = path.resolve(__dirname, '..', 'examples', 'hyperdrive.js')
  const runOnce = async (): Promise<Record<string, unknown>> => {
    const child = spawn(process.execPath, [example, dir])
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf-8').on('data', (chunk: string) => { stdout += chunk })
    child.stderr.setEncoding('utf-8').on('data', (chunk: string) => { stderr += chunk })
    const [code] = await once(child, 'close') as [number | null]
    assert.equal(code, 0, stderr)
    return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>
  }
  const first = await runOnce()
  assert.match(String(first['key']), /^[0-9a-f]{64}$/)
  assert.deepEqual(first['filesBefore'], [])
  assert.deepEqual(first['files'], ['hello.txt', 'notes'])
  assert.equal(first['text'], 'hello from Hyperdrive v10 on corestore-ts')
  assert.equal(first['size'], 'hello from Hyperdrive v10 on corestore-ts'.length)
  assert.equal(first['replicated'], first['text'], 'the peer read the file knowing only the key')
  const second = await runOnce()
  assert.equal(second['key'], first['key'], 'the drive keeps its key')
  assert.deepEqual(second['filesBefore'], ['hello.txt', 'notes'], 'the files of the first run are still there')
})
