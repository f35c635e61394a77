// A network link in user space (this kernel has no netem qdisc): each chunk is held for the link's
// delay, in order, and, with a rate, no sooner than the bytes before it could have crossed. One timer
// drains a FIFO, so chunks whose deadlines meet never pass each other. Used by the bench's latency
// workloads (in one process) and, as a TCP proxy on 127.0.0.1, by the tests of long links.
import net = require('net')

/** What a link does to the bytes crossing it, each way. */
export interface LinkOptions {
  /** Delay each way (ms). */
  delayMs: number
  /** Bytes per second the link carries each way; absent: no limit. */
  bytesPerSecond?: number
}

interface Source {
  on (event: 'data', listener: (chunk: Buffer) => void): unknown
  on (event: 'end' | 'close', listener: () => void): unknown
}

interface Sink {
  write (chunk: Buffer): unknown
  end (): unknown
  destroyed?: boolean
}

/** One direction of a link: what `from` emits, `to` receives, late. */
export class DelayLine {
  readonly #to: Sink
  readonly #delayMs: number
  readonly #msPerByte: number
  readonly #queue: Array<{ due: number, chunk: Buffer | null }> = []
  #head = 0
  #timer: NodeJS.Timeout | null = null
  /** When the last queued byte has crossed a rate-limited link. */
  #busyUntil = 0
  /** Bytes waiting in the line now, and the most there ever were. */
  queuedBytes = 0
  mostQueuedBytes = 0

  constructor (from: Source, to: Sink, opts: LinkOptions) {
    this.#to = to
    this.#delayMs = opts.delayMs
    this.#msPerByte = opts.bytesPerSecond === undefined ? 0 : 1000 / opts.bytesPerSecond
    from.on('data', chunk => this.#push(chunk))
    from.on('end', () => this.#push(null))
  }

  #push (chunk: Buffer | null): void {
    const now = Date.now()
    let due = now + this.#delayMs
    if (chunk !== null && this.#msPerByte > 0) {
      // The chunk leaves once the bytes before it and its own have crossed, then flies for the delay.
      this.#busyUntil = Math.max(this.#busyUntil, now) + chunk.length * this.#msPerByte
      due = this.#busyUntil + this.#delayMs
    }
    if (chunk !== null) {
      this.queuedBytes += chunk.length
      if (this.queuedBytes > this.mostQueuedBytes) this.mostQueuedBytes = this.queuedBytes
    }
    this.#queue.push({ due, chunk })
    if (this.#timer === null) this.#schedule()
  }

  #schedule (): void {
    const next = this.#queue[this.#head]
    if (next === undefined) return
    this.#timer = setTimeout(() => this.#drain(), Math.max(0, next.due - Date.now()))
  }

  #drain (): void {
    this.#timer = null
    const now = Date.now()
    for (let next = this.#queue[this.#head]; next !== undefined && next.due <= now; next = this.#queue[this.#head]) {
      this.#head++
      if (next.chunk === null) {
        this.#to.end()
        continue
      }
      this.queuedBytes -= next.chunk.length
      if (this.#to.destroyed !== true) this.#to.write(next.chunk)
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head)
      this.#head = 0
    }
    this.#schedule()
  }

  close (): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
  }
}

/** Two duplex streams connected through a link, one DelayLine each way. */
export function connectThroughLink (a: Source & Sink, b: Source & Sink, opts: LinkOptions): { lines: [DelayLine, DelayLine], close (): void } {
  const lines: [DelayLine, DelayLine] = [new DelayLine(a, b, opts), new DelayLine(b, a, opts)]
  return { lines, close: () => { for (const line of lines) line.close() } }
}

/** A TCP proxy on 127.0.0.1 that forwards every connection to `target` through a link. */
export async function startLinkProxy (target: { host: string, port: number }, opts: LinkOptions): Promise<{ port: number, close (): Promise<void> }> {
  const sockets = new Set<net.Socket>()
  const lines: DelayLine[] = []
  const server = net.createServer(client => {
    const upstream = net.connect(target.port, target.host)
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('error', () => {})
      socket.on('close', () => {
        sockets.delete(socket)
        client.destroy()
        upstream.destroy()
      })
    }
    lines.push(...connectThroughLink(client, upstream, opts).lines)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as net.AddressInfo).port
  return {
    port,
    close: async () => {
      for (const line of lines) line.close()
      for (const socket of sockets) socket.destroy()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}
