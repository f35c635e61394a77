import crypto = require('crypto')
import fs = require('fs')
import os = require('os')
import path = require('path')
import type { Duplex } from 'stream'
import Corestore = require('../../lib')

export const MASTER_KEY = Buffer.alloc(32, 7)

/** A fresh temporary folder, removed by the returned cleanup. */
export async function tmpdir (prefix = 'corestore-ts-'): Promise<{ dir: string, cleanup: () => Promise<void> }> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), prefix))
  return { dir, cleanup: () => fs.promises.rm(dir, { recursive: true, force: true }) }
}

/** How many file descriptors this process has open (Linux). */
export function openFds (): number {
  return fs.readdirSync('/proc/self/fd').length
}

/** Every file below `dir`, as sorted paths relative to it. */
export async function listFiles (dir: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (sub: string): Promise<void> => {
    for (const entry of await fs.promises.readdir(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub === '' ? entry.name : `${sub}/${entry.name}`
      if (entry.isDirectory()) await walk(rel)
      else out.push(rel)
    }
  }
  await walk('')
  return out.sort()
}

/** Pipes two replication streams together; resolves `ended` when both sides have closed. */
export function connect (a: Duplex, b: Duplex): { ended: Promise<void> } {
  a.pipe(b).pipe(a)
  // Destroying one side makes streamx destroy its pipe partner with "stream closed": expected here.
  a.on('error', () => {})
  b.on('error', () => {})
  const closed = (s: Duplex): Promise<void> => new Promise(resolve => {
    if (s.destroyed) return resolve()
    s.once('close', () => resolve())
  })
  return { ended: Promise.all([closed(a), closed(b)]).then(() => {}) }
}

export function replicateStores (a: Corestore, b: Corestore, opts: Record<string, unknown> = { live: true }): { a: Duplex, b: Duplex, ended: Promise<void> } {
  const sa = a.replicate(true, opts)
  const sb = b.replicate(false, opts)
  return { a: sa, b: sb, ...connect(sa, sb) }
}

/** Resolves with the error a promise rejects with; fails when it resolves. */
export async function rejection (promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise
  } catch (err) {
    return err as Error & { code?: string }
  }
  throw new Error('expected a rejection')
}

export function thrown (fn: () => unknown): Error & { code?: string } {
  try {
    fn()
  } catch (err) {
    return err as Error & { code?: string }
  }
  throw new Error('expected a throw')
}

/**
 * Every file and folder below `dir`: content hash, size, mode, mtime and ctime (ns), and the atime
 * of files, so that a read-only guarantee can be checked to the access time.
 */
export async function snapshotFolder (dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  const walk = async (rel: string): Promise<void> => {
    const full = path.join(dir, rel)
    const st = await fs.promises.stat(full, { bigint: true })
    const times = `mode=${st.mode} mtime=${st.mtimeNs} ctime=${st.ctimeNs}`
    if (st.isDirectory()) {
      const entries = (await fs.promises.readdir(full)).sort()
      out.set(rel + '/', `${times} entries=${entries.join(',')}`)
      for (const entry of entries) await walk(path.join(rel, entry))
    } else {
      // Read without moving the atime (we run as the files' owner), so a read by the code under test would show.
      const handle = await fs.promises.open(full, fs.constants.O_RDONLY | fs.constants.O_NOATIME)
      const hash = crypto.createHash('sha256').update(await handle.readFile()).digest('hex')
      await handle.close()
      out.set(rel, `${times} size=${st.size} sha256=${hash} atime=${st.atimeNs}`)
    }
  }
  await walk('')
  return out
}
