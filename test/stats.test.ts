import test from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'child_process'
import { once } from 'events'
import net = require('net')
import path = require('path')
import ram = require('random-access-memory')
import Corestore = require('../lib')
import { MASTER_KEY, replicateStores, tmpdir } from './helpers/store'

const WAITS = { timeout: 60_000 }
const parsePrometheus = require('parse-prometheus-text-format') as (text: string) => Array<{ name: string, type: string, metrics: Array<{ value: string, labels?: Record<string, string> }> }>

async function writer (store: Corestore, blocks: number, size: number): Promise<Corestore.Core> {
  const core = store.get({ name: 'traffic' })
  await core.ready()
  await core.append(Array.from({ length: blocks }, (_, i) => Buffer.alloc(size, i)))
  return core
}

test('counters match exactly what moved: per core, per peer and in the totals, on both sides', WAITS, async () => {
  const a = new Corestore(ram, { masterKey: MASTER_KEY })
  const b = new Corestore(ram)
  const source = await writer(a, 12, 1000)
  const copy = b.get({ key: source.key as Buffer, sparse: true })
  await copy.ready()
  const { ended } = replicateStores(a, b)
  await copy.download({ start: 0, end: 12 })

  const downloader = b.stats()
  const uploader = a.stats()
  const down = downloader.cores.find(core => core.discoveryKey === (copy.discoveryKey as Buffer).toString('hex'))
  const up = uploader.cores.find(core => core.discoveryKey === (source.discoveryKey as Buffer).toString('hex'))
  assert.ok(down !== undefined && up !== undefined)
  assert.deepEqual([down.downloadedBlocks, down.downloadedBytes, down.uploadedBlocks, down.uploadedBytes], [12, 12_000, 0, 0])
  assert.deepEqual([up.uploadedBlocks, up.uploadedBytes, up.downloadedBlocks, up.downloadedBytes], [12, 12_000, 0, 0])
  assert.equal(down.peers.length, 1)
  assert.equal(up.peers.length, 1)
  const [downPeer] = down.peers
  const [upPeer] = up.peers
  assert.deepEqual([downPeer?.downloadedBlocks, downPeer?.downloadedBytes, downPeer?.uploadedBlocks], [12, 12_000, 0])
  assert.deepEqual([upPeer?.uploadedBlocks, upPeer?.uploadedBytes, upPeer?.downloadedBlocks], [12, 12_000, 0])
  assert.equal(downPeer?.requestsInFlight, 0)
  assert.match(downPeer?.id ?? '', /^[0-9a-f]{16}$/)
  assert.ok((downPeer?.since ?? 0) <= Date.now())
  assert.deepEqual([downloader.totals.downloadedBlocks, downloader.totals.downloadedBytes, downloader.totals.uploadedBlocks], [12, 12_000, 0])
  assert.deepEqual([uploader.totals.uploadedBlocks, uploader.totals.uploadedBytes, uploader.totals.downloadedBlocks], [12, 12_000, 0])
  assert.equal(uploader.totals.peers, 1)
  assert.ok(down.lastActivity !== null)
  assert.equal(down.length, 12)
  assert.equal(up.byteLength, 12_000)
  await Promise.all([a.close(), b.close()])
  await ended
})

test('a core only a peer asked for shows as passive, one a view holds as active; names and namespaces show', WAITS, async () => {
  const { dir, cleanup } = await tmpdir()
  try {
    const folder = path.join(dir, 'a')
    const first = new Corestore(folder)
    const stored = first.namespace('drive').get({ name: 'files' })
    await stored.ready()
    await stored.append('x')
    const key = stored.key as Buffer
    await first.close()

    const a = new Corestore(folder)
    const own = a.default()
    await own.ready()
    const b = new Corestore(ram)
    const copy = b.get({ key })
    await copy.ready()
    const { ended } = replicateStores(a, b)
    await copy.get(0)
    const stats = a.stats()
    const passive = stats.cores.find(core => core.key === key.toString('hex'))
    const active = stats.cores.find(core => core.key === (own.key as Buffer).toString('hex'))
    assert.equal(passive?.state, 'passive')
    assert.equal(passive?.holders, 0)
    assert.equal(passive?.name, 'drive\u0000files')
    assert.equal(passive?.namespace, 'drive')
    assert.equal(active?.state, 'active')
    assert.equal(active?.holders, 1)
    assert.equal(active?.name, 'default')
    assert.deepEqual([stats.totals.active, stats.totals.passive], [1, 1])
    assert.equal(stats.folder, path.resolve(folder))
    assert.equal(stats.locked, true)
    assert.equal(stats.cacheSize, 1000)
    assert.equal(stats.files.max, 512)
    assert.ok(stats.files.open !== null && stats.files.open <= 512)
    assert.equal(stats.files.waiting, 0)
    const remote = b.stats().cores[0]
    assert.equal(remote?.name, null, 'a core opened by key has no name')
    await Promise.all([a.close(), b.close()])
    await ended
  } finally {
    await cleanup()
  }
})

test('the snapshot is plain data: it survives JSON.stringify and JSON.parse unchanged', WAITS, async () => {
  const a = new Corestore(ram, { masterKey: MASTER_KEY })
  const b = new Corestore(ram)
  const source = await writer(a, 3, 10)
  const copy = b.get({ key: source.key as Buffer })
  await copy.ready()
  const { ended } = replicateStores(a, b)
  await copy.get(2)
  for (const stats of [a.stats(), b.stats()]) assert.deepEqual(JSON.parse(JSON.stringify(stats)), stats)
  const memory = a.stats().memory
  assert.ok(memory.heapUsed > 0 && memory.rss > 0 && memory.external >= 0)
  assert.deepEqual(a.stats().files, { open: null, max: null, waiting: null }, 'a storage function has no descriptor pool')
  await Promise.all([a.close(), b.close()])
  await ended
})

test("'peer-add' and 'peer-remove' fire on the store once per core and peer, with the core and the peer's counters", WAITS, async () => {
  const a = new Corestore(ram, { masterKey: MASTER_KEY })
  const b = new Corestore(ram)
  const source = await writer(a, 2, 100)
  const added: Array<[Corestore.Core, Corestore.PeerStats]> = []
  const removed: Array<[Corestore.Core, Corestore.PeerStats]> = []
  a.on('peer-add', (core, peer) => added.push([core, peer]))
  a.on('peer-remove', (core, peer) => removed.push([core, peer]))
  const copy = b.get({ key: source.key as Buffer })
  await copy.ready()
  const { a: streamA, ended } = replicateStores(a, b)
  await copy.get(1)
  assert.equal(added.length, 1)
  assert.equal(added[0]?.[0], source)
  assert.match(added[0]?.[1].id ?? '', /^[0-9a-f]{16}$/)
  streamA.destroy()
  await ended
  while (removed.length === 0) await once(a, 'peer-remove')
  assert.equal(removed.length, 1)
  assert.equal(removed[0]?.[0], source)
  assert.equal(removed[0]?.[1].uploadedBlocks, 2, 'the counters the peer ended with')
  await Promise.all([a.close(), b.close()])
})

async function get (url: string, method = 'GET'): Promise<{ status: number, type: string, body: string }> {
  const response = await fetch(url, { method })
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: await response.text() }
}

test('serveStatus serves the snapshot, Prometheus metrics and the page, read-only, on 127.0.0.1', WAITS, async () => {
  const store = new Corestore(ram, { masterKey: MASTER_KEY })
  const core = await writer(store, 4, 64)
  const status = await store.serveStatus()
  try {
    assert.match(status.url, /^http:\/\/127\.0\.0\.1:\d+\/$/)
    const json = await get(status.url + 'stats.json')
    assert.equal(json.status, 200)
    const stats = JSON.parse(json.body) as Corestore.Stats
    assert.equal(stats.cores[0]?.key, (core.key as Buffer).toString('hex'))
    assert.equal(stats.cores[0]?.length, 4)

    const metrics = await get(status.url + 'metrics')
    assert.match(metrics.type, /^text\/plain; version=0\.0\.4/)
    const families = parsePrometheus(metrics.body)
    const family = (name: string): (typeof families)[number] | undefined => families.find(f => f.name === name)
    assert.equal(family('corestore_cores')?.type, 'GAUGE')
    assert.deepEqual(family('corestore_cores')?.metrics.map(m => [m.labels?.state, m.value]), [['active', '1'], ['passive', '0']])
    assert.equal(family('corestore_uploaded_bytes_total')?.type, 'COUNTER')
    const length = family('corestore_core_length')?.metrics[0]
    assert.deepEqual(length?.labels, { discovery_key: (core.discoveryKey as Buffer).toString('hex'), namespace: 'traffic', state: 'active' })
    assert.equal(length?.value, '4')

    const page = await get(status.url)
    assert.match(page.type, /^text\/html/)
    assert.match(page.body, /<title>corestore-ts status<\/title>/)
    assert.doesNotMatch(page.body, /https?:\/\/(?!127)/, 'no CDN, nothing loaded from elsewhere')
    assert.equal((await get(status.url + 'nothing')).status, 404)
    assert.equal((await get(status.url + 'stats.json', 'POST')).status, 405)
  } finally {
    await status.close()
    await store.close()
  }
})

test('serveStatus refuses a port in use and a bad host with one coded error, and warns when it listens beyond loopback', WAITS, async () => {
  const store = new Corestore(ram)
  const busy = net.createServer()
  busy.listen(0, '127.0.0.1')
  await once(busy, 'listening')
  const port = (busy.address() as net.AddressInfo).port
  try {
    await assert.rejects(store.serveStatus({ port }), { code: 'LISTEN_FAILED', message: new RegExp(`127\\.0\\.0\\.1:${port}: the port is in use`) })
    await assert.rejects(store.serveStatus({ host: 'no such host' }), { code: 'INVALID_OPTIONS' })
    await assert.rejects(store.serveStatus({ host: 'nosuchhost.invalid' }), { code: 'LISTEN_FAILED' })
    await assert.rejects(store.serveStatus({ port: 70000 }), { code: 'INVALID_OPTIONS' })
    const warned = once(process, 'warning') as Promise<[Error & { code?: string }]>
    const open = await store.serveStatus({ host: '0.0.0.0' })
    const [warning] = await warned
    assert.equal(warning.code, 'CORESTORE_STATUS_EXPOSED')
    assert.match(warning.message, /listens on 0\.0\.0\.0/)
    await open.close()
  } finally {
    busy.close()
    await store.close()
  }
})

test('the status server loads only when serveStatus is called', WAITS, async () => {
  const script = `
    const Corestore = require(${JSON.stringify(path.resolve(__dirname, '..', 'lib'))})
    const loaded = () => Object.keys(require.cache).filter(f => f.includes('/lib/status/')).length
    const before = loaded()
    const store = new Corestore(require('random-access-memory'))
    store.serveStatus().then(s => { console.log(JSON.stringify([before, loaded()])); return s.close() }).then(() => store.close())
  `
  const output = await new Promise<string>((resolve, reject) => execFile(process.execPath, ['-e', script], { cwd: path.resolve(__dirname, '..', '..') }, (err, stdout) => err ? reject(err) : resolve(stdout)))
  const [before, after] = JSON.parse(output) as [number, number]
  assert.equal(before, 0)
  assert.ok(after >= 3, `server, page and metrics loaded afterwards (${after})`)
})
