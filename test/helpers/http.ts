import { once } from 'events'
import http = require('http')
import type net = require('net')

/** An HTTP server that is not a store's status page. */
export async function notAStatusPage (): Promise<{ url: string, close (): void }> {
  const server = http.createServer((_, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<p>hello</p>') })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/`, close: () => server.close() }
}
