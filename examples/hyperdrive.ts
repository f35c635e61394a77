// A Hyperdrive v10 app on corestore-ts: it keeps a drive in a store folder, writes and reads files
// with hyperdrive@10's own API, and lets a second store (a peer) read the drive over a replication
// stream, knowing only its key. In an app, `require('corestore')` gives corestore-ts through the
// package.json override the README shows; here the example loads the package itself.
//
//   node build/examples/hyperdrive.js [folder]    (default ./hyperdrive-example)
//
// Run twice on the same folder: the drive keeps its key, and the files written before are still there.
import path = require('path')
import ram = require('random-access-memory')
import Corestore = require('../lib')

type Callback<T> = (err: Error | null, value?: T) => void

/** The part of hyperdrive@10's API this example uses (it ships no types). */
interface Drive {
  readonly key: Buffer
  readonly version: number
  ready (cb: Callback<void>): void
  writeFile (name: string, data: string | Buffer, cb: Callback<void>): void
  readFile (name: string, encoding: 'utf-8', cb: Callback<string>): void
  readdir (name: string, cb: Callback<string[]>): void
  stat (name: string, cb: Callback<{ size: number, blocks: number }>): void
  replicate (isInitiator: boolean, opts: { live: boolean }): NodeJS.ReadWriteStream
  close (cb: Callback<void>): void
}

const Hyperdrive = require('hyperdrive') as new (store: Corestore, key: Buffer | null) => Drive

/** Calls a callback-style method and resolves with what it gives. */
function call<T> (fn: (cb: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => err !== null ? reject(err) : resolve(value as T)))
}

async function main (folder: string): Promise<void> {
  const store = new Corestore(folder)
  const drive = new Hyperdrive(store, null)
  await call<void>(cb => drive.ready(cb))
  const before = await call<string[]>(cb => drive.readdir('/', cb))
  await call<void>(cb => drive.writeFile('/hello.txt', 'hello from Hyperdrive v10 on corestore-ts', cb))
  await call<void>(cb => drive.writeFile('/notes/today.md', `# run ${before.length === 0 ? 1 : 'again'}\n`, cb))
  const text = await call<string>(cb => drive.readFile('/hello.txt', 'utf-8', cb))
  const stat = await call<{ size: number }>(cb => drive.stat('/hello.txt', cb))

  // A peer's store knows only the drive's key; it reads the file over one replication stream.
  const peerStore = new Corestore(ram)
  const copy = new Hyperdrive(peerStore, drive.key)
  await call<void>(cb => copy.ready(cb))
  const ours = store.replicate(true, { live: true })
  const theirs = peerStore.replicate(false, { live: true })
  ours.pipe(theirs).pipe(ours)
  const replicated = await call<string>(cb => copy.readFile('/hello.txt', 'utf-8', cb))

  console.log(JSON.stringify({
    key: drive.key.toString('hex'),
    filesBefore: before.sort(),
    files: (await call<string[]>(cb => drive.readdir('/', cb))).sort(),
    text,
    size: stat.size,
    replicated,
    loadedCores: store.stats().cores.length
  }))
  ours.destroy()
  await call<void>(cb => copy.close(cb))
  await call<void>(cb => drive.close(cb))
  await Promise.all([peerStore.close(), store.close()])
}

main(path.resolve(process.argv[2] ?? 'hyperdrive-example')).catch(err => {
  console.error(err)
  process.exit(1)
})
