// `npm start`: a writer store and a reader store replicate three cores over Hyperswarm@2, through
// a DHT bootstrap node of their own on 127.0.0.1.
//
//   node build/examples/demo.js [--interactive] [--dir <folder>]
//
// The writer's first core (`index`) holds the keys of the two others (`chat`, `log`) in its first
// block. The reader is given the index key only: it finds the writer on the DHT, reads the other
// keys and prints every message as it arrives. With --interactive, every line typed on stdin is
// appended (`chat: …` or `log: …` picks the core, round-robin otherwise) until end of input.
import fs = require('fs')
import os = require('os')
import path = require('path')
import readline = require('readline')
import { EventEmitter } from 'events'
import { parseArgs } from 'util'
import Corestore = require('../lib')
import { StoreSwarm, replicateOverSwarm, startBootstrapNode } from '../lib/swarm'

type Core = Corestore.Core

const CORE_NAMES = ['chat', 'log'] as const
type CoreName = typeof CORE_NAMES[number]

interface IndexBlock { cores: Record<CoreName, string> }
type Message = { from: string, text: string } | { event: string }

const SCRIPT: Array<[CoreName, Message]> = [
  ['log', { event: 'writer online' }],
  ['chat', { from: 'alice', text: 'hi bob, this is a Hypercore 9 core' }],
  ['chat', { from: 'bob', text: 'hi alice! found you through the DHT' }],
  ['log', { event: 'two peers, one connection, three cores' }],
  ['chat', { from: 'alice', text: 'every block is signed and verified' }],
  ['log', { event: 'done' }]
]

const USAGE = 'usage: npm start [-- --interactive] [-- --dir <folder>]\n  or:  node build/examples/demo.js [--interactive] [--dir <folder>]'

/** The flags, or null after one line on stderr and exit code 2 for arguments the demo does not take. */
function parseFlags (): { interactive: boolean, dir?: string, help: boolean } | null {
  try {
    return parseArgs({
      options: {
        interactive: { type: 'boolean', default: false },
        dir: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false }
      }
    }).values
  } catch (err) {
    // parseArgs' own message is long and quotes unevenly; say what was wrong and where help is.
    const message = (err as Error).message
    const option = /'(-[^' ]+)/.exec(message)?.[1]
    const positional = /'([^']*)'/.exec(message)?.[1]
    const code = (err as { code?: string }).code
    let what = message.split('\n')[0] ?? message
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') what = `unknown option ${option ?? ''}`
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') what = `${option ?? 'an option'} needs a value`
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') what = `unexpected argument ${JSON.stringify(positional ?? '')}`
    process.stderr.write(`demo: ${what} (see npm start -- --help)\n`)
    process.exitCode = 2
    return null
  }
}

const parsed = parseFlags()
const flags = parsed ?? { interactive: false, help: false }

async function main (): Promise<void> {
  const temporary = flags.dir === undefined
  const root = temporary ? await fs.promises.mkdtemp(path.join(os.tmpdir(), 'corestore-ts-demo-')) : path.resolve(flags.dir as string)
  console.log(`data: ${path.join(root, 'writer')} and ${path.join(root, 'reader')}${temporary ? ' (a temporary folder, removed at exit; --dir <folder> keeps it)' : ''}`)
  const dht = await startBootstrapNode()
  console.log(`DHT bootstrap node on ${dht.bootstrap.join(', ')}`)

  const writer = new Corestore(path.join(root, 'writer'))
  const reader = new Corestore(path.join(root, 'reader'))
  const swarms: StoreSwarm[] = []
  try {
    // Writer: three named cores; the index records the keys of the other two in its first block.
    const index = writer.get({ name: 'index', valueEncoding: 'json' })
    const cores = { chat: writer.get({ name: 'chat', valueEncoding: 'json' }), log: writer.get({ name: 'log', valueEncoding: 'json' }) }
    await Promise.all([index, ...Object.values(cores)].map(core => core.ready()))
    if (index.length === 0) await index.append({ cores: { chat: hex(cores.chat), log: hex(cores.log) } } satisfies IndexBlock)
    for (const [name, core] of [['index', index], ...Object.entries(cores)] as Array<[string, Core]>) {
      console.log(`writer: ${name.padEnd(5)} key ${hex(core)}`)
    }
    const writerSwarm = replicateOverSwarm(writer, [index, ...Object.values(cores)].map(core => core.discoveryKey as Buffer), { bootstrap: dht.bootstrap, lookup: false, lan: false })
    swarms.push(writerSwarm)
    await writerSwarm.flush()
    console.log('writer: announced the three discovery keys')

    // Reader: knows the index key only.
    const readerIndex = reader.get({ key: index.key as Buffer, valueEncoding: 'json' })
    await readerIndex.ready()
    const readerSwarm = new StoreSwarm(reader, { bootstrap: dht.bootstrap, announce: false, lan: false })
    swarms.push(readerSwarm)
    readerSwarm.on('peer-add', peer => console.log(`reader: connected to a peer (${peer.type}${peer.address === null ? '' : ` ${peer.address}`})`))
    console.log('reader: looking up the index core on the DHT')
    await readerSwarm.join(readerIndex.discoveryKey as Buffer)
    if (readerIndex.length === 0) await readerIndex.update()
    const { cores: keys } = await readerIndex.get(0) as IndexBlock
    console.log(`reader: index[0] names chat ${keys.chat.slice(0, 16)}… and log ${keys.log.slice(0, 16)}…`)
    // Opening a core adds it to the open connection; joining its topic finds any other peer of it.
    const followed = new Map<CoreName, Follower>()
    for (const name of CORE_NAMES) {
      const core = reader.get({ key: keys[name], valueEncoding: 'json' })
      await core.ready()
      await readerSwarm.join(core.discoveryKey as Buffer)
      followed.set(name, follow(name, core))
    }

    const append = async (name: CoreName, message: Message): Promise<void> => {
      const at = await cores[name].append(message)
      console.log(`writer: ${name}[${at}] ← ${JSON.stringify(message)}`)
      // Each message is on the reader before the next one is written: the output reads in order.
      await followed.get(name)?.reached(at + 1)
    }
    if (flags.interactive) {
      await interactive(append)
    } else {
      for (const [name, message] of SCRIPT) await append(name, message)
    }
    for (const name of CORE_NAMES) await followed.get(name)?.reached(cores[name].length)
    for (const follower of followed.values()) follower.stop()

    summary([['writer', writer], ['reader', reader]], new Map([[hex(index), 'index'], [keys.chat, 'chat'], [keys.log, 'log']]))
  } finally {
    for (const swarm of swarms) await swarm.close()
    await writer.close()
    await reader.close()
    await dht.close()
    if (temporary) await fs.promises.rm(root, { recursive: true, force: true })
  }
}

interface Follower {
  /** Resolves once the reader has printed `length` blocks of the core. */
  reached (length: number): Promise<void>
  stop (): void
}

/** Prints every block of a replicated core as it arrives, in order. */
function follow (name: CoreName, core: Core): Follower {
  const progress = new EventEmitter()
  let printed = 0
  let stopped = false
  const loop = async (): Promise<void> => {
    for (;;) {
      if (stopped) return
      if (printed >= core.length) {
        // The length grows as the writer's appends replicate; stop() also wakes this up.
        await new Promise<void>(resolve => {
          const wake = (): void => {
            core.removeListener('append', wake)
            progress.removeListener('stop', wake)
            resolve()
          }
          core.on('append', wake)
          progress.on('stop', wake)
        })
        continue
      }
      const message = await core.get(printed) as Message
      console.log(`reader: ${name}[${printed}] → ${'event' in message ? `(${message.event})` : `${message.from}: ${message.text}`}`)
      printed++
      progress.emit('printed')
    }
  }
  loop().catch(err => {
    if (!stopped) progress.emit('error', err)
  })
  return {
    reached: length => new Promise((resolve, reject) => {
      const check = (): void => {
        if (printed < length) return
        progress.removeListener('printed', check)
        progress.removeListener('error', reject)
        resolve()
      }
      progress.on('printed', check)
      progress.once('error', reject)
      check()
    }),
    stop: () => {
      stopped = true
      progress.emit('stop')
    }
  }
}

/** Appends each line of stdin: `chat: …` or `log: …` to that core, other lines round-robin. */
async function interactive (append: (name: CoreName, message: Message) => Promise<void>): Promise<void> {
  console.log('type lines to append ("chat: …" or "log: …" picks the core, round-robin otherwise); end with Ctrl-D')
  let turn = 0
  for await (const line of readline.createInterface({ input: process.stdin, terminal: false })) {
    const text = line.trim()
    if (text.length === 0) continue
    const prefixed = /^(chat|log):\s*(.*)$/.exec(text)
    const name: CoreName = prefixed !== null ? prefixed[1] as CoreName : CORE_NAMES[turn++ % CORE_NAMES.length] as CoreName
    const body = prefixed !== null ? prefixed[2] ?? '' : text
    await append(name, name === 'chat' ? { from: 'you', text: body } : { event: body })
  }
}

/** Every core each store holds: its length in blocks and bytes, and whether this store can write it. */
function summary (stores: Array<[string, Corestore]>, names: Map<string, string>): void {
  const header = ['STORE', 'CORE', 'KEY', 'LENGTH', 'BYTES', 'WRITABLE']
  const order = [...names.values()]
  const rows: string[][] = []
  for (const [label, store] of stores) {
    const cores = [...store.list().values()].sort((a, b) => order.indexOf(names.get(hex(a)) ?? '') - order.indexOf(names.get(hex(b)) ?? ''))
    for (const core of cores) {
      rows.push([label, names.get(hex(core)) ?? '?', hex(core).slice(0, 16) + '…', String(core.length), String(core.byteLength), core.writable ? 'yes' : 'no'])
    }
  }
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map(row => (row[i] ?? '').length)))
  const format = (row: string[]): string => row.map((cell, i) => i === 3 || i === 4 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()
  console.log('\nsummary')
  console.log(format(header))
  for (const row of rows) console.log(format(row))
}

function hex (core: Core): string {
  return (core.key as Buffer).toString('hex')
}

if (parsed === null) {
  // A usage error, already reported.
} else if (flags.help) {
  console.log(USAGE)
} else {
  main().catch(err => {
    console.error(`demo failed: ${(err as Error).message}`)
    process.exitCode = 1
  })
}
