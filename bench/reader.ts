/*
 * The remote reader of the serving workloads, a process of its own so that the serving process's
 * open files and memory are only the serving store's. It is the same for both packages: a
 * corestore-ts store on random-access-memory that connects to the server over TCP, opens the
 * stored cores by key over one live stream, `batch` at a time, and reads block 0 of each.
 *
 * Messages to the parent: 'connected', then on 'read': one 'progress' per batch (how many cores
 * it read and the wall-clock time the batch was complete), then 'done'. It exits when the parent goes.
 */
import fs = require('fs')
import net = require('net')
import path = require('path')
import { close, connectSocket, getBlock, ready } from './store'
import type { BenchStoreConstructor } from './store'

export interface ReaderSpec {
  port: number
  /** One hex key a line. */
  keysFile: string
  batch: number
  /** Close each core once its block is read (serve-close), or keep them all open. */
  closeAfterRead: boolean
}

export type ReaderMessage =
  | { type: 'connected' }
  /** `cpu`: the reader's CPU time (user + system, ms) since it began reading. */
  | { type: 'progress', read: number, at: number, cpu: number }
  | { type: 'done' }
  | { type: 'error', message: string }

export function cpuMsSince (start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start)
  return (user + system) / 1000
}

function send (message: ReaderMessage): void {
  process.send?.(message)
}

async function main (spec: ReaderSpec): Promise<void> {
  const keys = fs.readFileSync(spec.keysFile, 'utf8').split('\n').filter(line => line !== '').map(hex => Buffer.from(hex, 'hex'))
  // build/bench/reader.js -> build/lib: this repository's corestore-ts, whichever package serves.
  const Store = require(path.join(__dirname, '..', 'lib')) as BenchStoreConstructor
  const RAM = require('random-access-memory') as (opts: { pageSize: number }) => unknown
  // Small pages: the default 1 MiB page per file would hold 5 MiB per one-block core.
  const store = new Store(() => RAM({ pageSize: 4096 }))
  await ready(store)

  const socket = net.connect(spec.port, '127.0.0.1')
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  connectSocket(store.replicate(true, { live: true }), socket)
  send({ type: 'connected' })

  await new Promise<void>(resolve => process.once('message', () => resolve()))
  const startCpu = process.cpuUsage()
  for (let from = 0; from < keys.length; from += spec.batch) {
    const cores = keys.slice(from, from + spec.batch).map(key => store.get({ key }))
    await Promise.all(cores.map(async core => {
      await ready(core)
      await getBlock(core, 0)
      if (spec.closeAfterRead) await close(core)
    }))
    send({ type: 'progress', read: cores.length, at: Date.now(), cpu: cpuMsSince(startCpu) })
  }
  send({ type: 'done' })
}

if (require.main === module) {
  process.on('disconnect', () => process.exit(0))
  const fail = (err: unknown): void => {
    send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) })
    process.exitCode = 1
  }
  process.on('uncaughtException', fail)
  main(JSON.parse(process.argv[2] ?? '{}') as ReaderSpec).catch(fail)
}
