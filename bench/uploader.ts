/*
 * The uploader of the latency workloads, a process of its own: a store of one package (corestore-ts
 * or corestore@5.8.2, whatever package downloads) holding one core of `blocks` blocks, serving every
 * TCP connection on 127.0.0.1 with a live replication stream, behind the delaying link (link.ts) that
 * it runs too: the bytes a link holds in flight are no part of the downloader's memory. It reports
 * { port (the link's), key } once ready and exits when the parent goes.
 */
import net = require('net')
import { startLinkProxy } from './link'
import type { LinkOptions } from './link'
import { append, connectSocket, loadStore, ready } from './store'
import type { PackageName } from './options'

export interface UploaderSpec {
  pkg: PackageName
  dir: string
  blocks: number
  blockSize: number
  link: LinkOptions
}

export interface UploaderReady {
  port: number
  /** The core's key, hex. */
  key: string
}

async function main (spec: UploaderSpec): Promise<void> {
  const Store = loadStore(spec.pkg)
  const store = new Store(spec.dir)
  await ready(store)
  const core = store.get({ name: 'bench-latency' })
  await ready(core)
  const CHUNK = 1000
  for (let from = 0; from < spec.blocks; from += CHUNK) {
    const count = Math.min(CHUNK, spec.blocks - from)
    await append(core, Array.from({ length: count }, (_, i) => Buffer.alloc(spec.blockSize, (from + i) & 0xff)))
  }
  const server = net.createServer(socket => connectSocket(store.replicate(false, { live: true }), socket))
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()))
  const proxy = await startLinkProxy({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port }, spec.link)
  const ready_: UploaderReady = { port: proxy.port, key: (core.key as Buffer).toString('hex') }
  process.send?.(ready_)
  process.on('disconnect', () => process.exit(0))
}

if (require.main === module) {
  main(JSON.parse(process.argv[2] ?? '{}') as UploaderSpec).catch(err => {
    process.stderr.write(String((err as Error).stack ?? err) + '\n')
    process.exit(1)
  })
}
