// Storage that lets hypercore@9 open a core of a folder the export must not change: it reads the
// core's files (O_RDONLY, access times kept) and keeps whatever hypercore writes (it rewrites file
// headers on open) in memory, over them. Used for the few cores the export reads through hypercore
// (a Hyperdrive's metadata, for its trie); blocks are read from the files directly (v9-source.ts).
import fs = require('fs')
import path = require('path')
import RandomAccessStorage = require('random-access-storage')
import { openFileNoAtime } from '../storage/files'

interface Patch {
  offset: number
  data: Buffer
}

/** A storage function for hypercore@9 over the files of the core in `folder`. */
export function overlayStorage (folder: string): (name: string) => RandomAccessStorage {
  return name => overlayFile(path.join(folder, name))
}

function overlayFile (file: string): RandomAccessStorage {
  let handle: fs.promises.FileHandle | null = null
  let size = 0
  const patches: Patch[] = []
  const done = <T>(req: RandomAccessStorage.Request, work: () => Promise<T>): void => {
    work().then(value => req.callback(null, value), err => req.callback(err as Error))
  }
  return new RandomAccessStorage({
    open (req) {
      done(req, async () => {
        handle = await openFileNoAtime(file)
        size = handle === null ? 0 : (await handle.stat()).size
      })
    },
    read (req) {
      done(req, async () => {
        if (req.offset + req.size > size) throw Object.assign(new Error('Could not satisfy length'), { code: 'ENODATA' })
        const out = Buffer.alloc(req.size)
        if (handle !== null) await handle.read(out, 0, req.size, req.offset)
        for (const patch of patches) {
          const from = Math.max(patch.offset, req.offset)
          const to = Math.min(patch.offset + patch.data.length, req.offset + req.size)
          if (from < to) patch.data.copy(out, from - req.offset, from - patch.offset, to - patch.offset)
        }
        return out
      })
    },
    write (req) {
      const data = Buffer.from(req.data ?? Buffer.alloc(0))
      patches.push({ offset: req.offset, data })
      size = Math.max(size, req.offset + data.length)
      req.callback(null)
    },
    del (req) {
      patches.push({ offset: req.offset, data: Buffer.alloc(Math.max(0, Math.min(req.size, size - req.offset))) })
      req.callback(null)
    },
    stat (req) {
      req.callback(null, { size })
    },
    close (req) {
      done(req, async () => {
        await handle?.close()
        handle = null
      })
    }
  })
}
