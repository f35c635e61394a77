// A store's status over HTTP, read-only: `/` the live page, `/stats.json` the snapshot, `/metrics`
// Prometheus text. Loaded only by `store.serveStatus()`: a store that never serves its status never
// loads this module (nor node's http).
import http = require('http')
import net = require('net')
import { INVALID_OPTIONS, LISTEN_FAILED } from '../errors'
import type { StoreStatsSnapshot } from '../stats'
import { toPrometheus } from './metrics'
import { STATUS_PAGE } from './page'

export interface StatusServerOptions {
  /** The TCP port (default 0: any free one). */
  port?: number
  /** The address to listen on (default 127.0.0.1). Anything but loopback exposes every core's key and peer address: a warning says so. */
  host?: string
}

export interface StatusServer {
  /** Where the page is, e.g. `http://127.0.0.1:4100/`. */
  readonly url: string
  readonly port: number
  close (): Promise<void>
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])

function isLoopback (host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host)
}

export async function serveStatus (stats: () => StoreStatsSnapshot, opts: StatusServerOptions = {}): Promise<StatusServer> {
  if (opts === null || typeof opts !== 'object') throw INVALID_OPTIONS(`serveStatus options must be an object, got ${typeof opts}`)
  const port = opts.port ?? 0
  const host = opts.host ?? '127.0.0.1'
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw INVALID_OPTIONS(`serveStatus port must be a whole number from 0 to 65535, got ${String(port)}`)
  if (typeof host !== 'string' || host.length === 0 || /[\s/]/.test(host)) throw INVALID_OPTIONS(`serveStatus host must be a host name or an IP address, got ${JSON.stringify(host)}`)
  if (!isLoopback(host)) {
    process.emitWarning(`the status page of this corestore listens on ${host}:${port}, beyond this machine: anyone who reaches it sees every loaded core's key and every peer's address`, { code: 'CORESTORE_STATUS_EXPOSED' })
  }

  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' })
      return res.end('read-only: GET or HEAD\n')
    }
    const path = (req.url ?? '/').split('?')[0]
    const send = (type: string, body: string): void => {
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store', 'x-corestore-ts-status': '1' })
      res.end(req.method === 'HEAD' ? undefined : body)
    }
    try {
      if (path === '/stats.json') return send('application/json; charset=utf-8', JSON.stringify(stats()))
      if (path === '/metrics') return send('text/plain; version=0.0.4; charset=utf-8', toPrometheus(stats()))
      if (path === '/' || path === '/index.html') return send('text/html; charset=utf-8', STATUS_PAGE)
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
      return res.end(`cannot read the store's status: ${(err as Error).message}\n`)
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
    res.end('not found: try /, /stats.json or /metrics\n')
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(LISTEN_FAILED(`Cannot serve the status page on ${host}:${port}: ${err.code === 'EADDRINUSE' ? 'the port is in use' : err.code ?? err.message}`))
    })
    server.listen(port, host, () => resolve())
  })
  // Status reads are small and rare: idle keep-alive sockets must not keep close() waiting.
  server.keepAliveTimeout = 1000
  const address = server.address() as net.AddressInfo
  const urlHost = net.isIPv6(address.address) ? `[${address.address}]` : address.address
  return {
    url: `http://${urlHost}:${address.port}/`,
    port: address.port,
    close: () => new Promise<void>(resolve => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  }
}
