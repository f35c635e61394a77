/*
 * The export's bench: a corestore@5.8.2 folder of many small cores, and one of a single long core, exported
 * to Corestore 7 (blocks/s, peak RSS of the exporting process). corestore@5 has no export to compare with,
 * so the same run times corestore@5.8.2 reading every block of the same folder: the ratio says what the
 * export costs beyond reading. Each measurement runs in a child process of its own.
 *   node build/bench/export.js [--cores=200 --blocks=64 --long=20000 --block-size=1024]
 */
import { fork } from 'child_process'
import fs = require('fs')
import os = require('os')
import path = require('path')
import { parseArgs } from 'util'
import { append, loadStore, ready } from './store'

interface Measured { ms: number, peakRssMiB: number, blocks: number }

const { values } = parseArgs({ options: { cores: { type: 'string' }, blocks: { type: 'string' }, long: { type: 'string' }, 'block-size': { type: 'string' }, child: { type: 'string' } } })

async function makeFolder (folder: string, cores: number, blocks: number, blockSize: number): Promise<void> {
  const Store = loadStore('corestore5')
  const store = new Store(folder)
  await ready(store)
  for (let c = 0; c < cores; c++) {
    const core = store.get({ name: `core-${c}` })
    await ready(core)
    for (let from = 0; from < blocks; from += 1000) {
      await append(core, Array.from({ length: Math.min(1000, blocks - from) }, (_, i) => Buffer.alloc(blockSize, (from + i + c) & 0xff)))
    }
  }
  await new Promise<void>(resolve => store.close(() => resolve()))
}

/** In the child: one export, or corestore@5 reading every block; peak RSS sampled every 50 ms. */
async function child (what: string, folder: string, out: string): Promise<Measured> {
  let peak = process.memoryUsage().rss
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss) }, 50)
  const started = process.hrtime.bigint()
  let blocks = 0
  if (what === 'export') {
    const Corestore = require('../lib') as typeof import('../lib')
    blocks = (await Corestore.exportStore(folder, out)).blocks
  } else {
    const Store = loadStore('corestore5')
    const store = new Store(folder)
    await ready(store)
    const Corestore = require('../lib') as typeof import('../lib')
    for await (const dkey of Corestore.listStoredCores(folder)) {
      const core = store.get({ key: (await Corestore.describeStoredCore(folder, dkey, null)).publicKey }) as unknown as { length: number, ready (cb: (err: Error | null) => void): void, get (i: number, cb: (err: Error | null, b: Buffer) => void): void, close (cb: () => void): void }
      await new Promise<void>((resolve, reject) => core.ready(err => err ? reject(err) : resolve()))
      for (let i = 0; i < core.length; i++) await new Promise<void>((resolve, reject) => core.get(i, err => err ? reject(err) : resolve()))
      blocks += core.length
      await new Promise<void>(resolve => core.close(() => resolve()))
    }
    await new Promise<void>(resolve => store.close(() => resolve()))
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  clearInterval(timer)
  peak = Math.max(peak, process.memoryUsage().rss)
  return { ms, peakRssMiB: peak / 2 ** 20, blocks }
}

function run (what: string, folder: string, out: string): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const proc = fork(__filename, ['--child', JSON.stringify({ what, folder, out })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    proc.once('message', message => resolve(message as Measured))
    proc.once('exit', code => { if (code !== 0) reject(new Error(`${what} exited with ${String(code)}`)) })
  })
}

async function main (): Promise<void> {
  if (values.child !== undefined) {
    const { what, folder, out } = JSON.parse(values.child) as { what: string, folder: string, out: string }
    const measured = await child(what, folder, out)
    process.send?.(measured, () => process.exit(0))
    return
  }
  const blockSize = Number(values['block-size'] ?? 1024)
  const cases = [
    { label: `${values.cores ?? 200} cores × ${values.blocks ?? 64} blocks of ${blockSize} B`, cores: Number(values.cores ?? 200), blocks: Number(values.blocks ?? 64) },
    { label: `1 core × ${values.long ?? 20000} blocks of ${blockSize} B`, cores: 1, blocks: Number(values.long ?? 20000) }
  ]
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corestore-ts-export-bench-'))
  console.log('| folder | export time | blocks/s | export peak RSS | corestore@5.8.2 reading every block | export / read time |')
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |')
  try {
    for (const [i, c] of cases.entries()) {
      const folder = path.join(dir, `source-${i}`)
      await makeFolder(folder, c.cores, c.blocks, blockSize)
      const read = await run('read', folder, '')
      const exported = await run('export', folder, path.join(dir, `export-${i}`))
      if (exported.blocks !== c.cores * c.blocks) throw new Error(`exported ${exported.blocks} blocks, expected ${c.cores * c.blocks}`)
      console.log(`| ${c.label} | ${(exported.ms / 1000).toFixed(2)} s | ${Math.round(exported.blocks / exported.ms * 1000)} | ${exported.peakRssMiB.toFixed(1)} MiB | ${(read.ms / 1000).toFixed(2)} s, ${read.peakRssMiB.toFixed(1)} MiB | ${(exported.ms / read.ms).toFixed(2)}× |`)
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

main().catch(err => { console.error(err); process.exit(1) })
