// `corestore-ts export <corestore@5 folder> <new folder>`: the folder's cores, with the same keys, in a
// Corestore 7 store (and with --drives, its Hyperdrive v10 drives as drives Hyperdrive 13 opens).
import Corestore = require('../../lib')
import { EXIT_OK, folderExists, parseCommandArgs } from '../command'
import type { CliIO, Command } from '../command'
import { USAGE } from '../errors'
import { formatEta } from '../progress'
import { formatBytes } from '../size'

const usage = `Usage: corestore-ts export <corestore@5 folder> <new folder> [--drives] [--json]

Writes every core of a corestore@5 (or corestore-ts) store folder that the folder can sign for
into a Corestore 7 store (corestore@7, Hypercore 11) at <new folder>, with the same key, discovery
key, blocks and order. Hypercore 11 cannot verify a Hypercore 9 signature, so each core is signed
again with its own key pair (a compat core): peers and links that know the key keep working.

The source folder is only read, never written, and may be in use by a running store. Every block
and signature is verified under Hypercore 9's rules before anything is written. The export can be
run again: it skips the cores a previous run of the same export finished and completes the rest.
It refuses a <new folder> that is not empty unless it is an export of the same source.

Needs the companion package: npm install corestore-ts-export

Options:
  --drives    also convert each Hyperdrive v10 drive (metadata and content cores) into a drive
              that Hyperdrive 13 opens by its old key (files, symlinks, executables and metadata;
              mounts, history, checkouts and tags do not carry over)
  --json      print the report as JSON on stdout
  -h, --help  print this help

Progress (cores, blocks, bytes, time left) goes to stderr, then a summary and what did not carry
over: cores the folder only replicated (with their keys, to fetch again from their migrated
writer), cores with blocks never stored (copied up to the first, or not at all) and drive entries.

Exit codes: 0 once exported, 1 when the export failed (the message says why; what it wrote stays,
and a new run resumes), 2 for a usage error.
`

export const command: Command = {
  name: 'export',
  summary: 'export a corestore@5 folder to a Corestore 7 store with the same keys (--drives: Hyperdrive 13)',
  usage,
  async run (argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, {
      drives: { type: 'boolean' },
      json: { type: 'boolean' }
    })
    const [from, to, ...extra] = positionals
    if (from === undefined || to === undefined) throw USAGE('Export needs the corestore@5 folder and the folder of the new store')
    if (extra.length > 0) throw USAGE(`Export takes two folders, got also ${extra.map(arg => JSON.stringify(arg)).join(' ')}`)
    await folderExists(from)

    let shown = ''
    const report = await Corestore.exportStore(from, to, {
      drives: values.drives === true,
      onprogress (p) {
        const rate = p.elapsedMs > 0 ? p.bytes / p.elapsedMs : 0
        const eta = rate > 0 && p.totalBytes > p.bytes ? ` · ${formatEta((p.totalBytes - p.bytes) / rate / 1000)} left` : ''
        const line = `${p.phase === 'verify' ? 'verifying' : 'writing'}: ${p.cores}/${p.totalCores} cores · ${p.blocks}/${p.totalBlocks} blocks · ${formatBytes(p.bytes)}/${formatBytes(p.totalBytes)}${eta}`
        if (line === shown) return
        shown = line
        io.stderr.write(io.stderr.isTTY === true ? `\r\x1b[K${line}` : `${line}\n`)
      }
    })
    if (io.stderr.isTTY === true && shown !== '') io.stderr.write('\n')

    if (values.json === true) {
      io.stdout.write(JSON.stringify(report, null, 2) + '\n')
      return EXIT_OK
    }
    const written = report.cores.filter(core => core.status === 'exported').length
    const already = report.cores.filter(core => core.status === 'already-exported').length
    io.stdout.write(`Exported ${report.source} to ${report.destination} (Corestore ${report.versions.corestore}, Hypercore ${report.versions.hypercore}):\n`)
    io.stdout.write(`  ${written} cores written (${report.blocks} blocks, ${formatBytes(report.bytes)})${already > 0 ? `, ${already} already exported by an earlier run` : ''} in ${(report.elapsedMs / 1000).toFixed(1)} s\n`)
    for (const drive of report.drives) {
      io.stdout.write(`  drive ${drive.key}: ${drive.files} files (content core ${drive.contentKey})\n`)
    }
    if (report.sourceInUse === true) io.stdout.write('  note: a running store held the source folder; cores it appended to after they were read were exported as they were read\n')
    const notes: string[] = []
    for (const core of report.readOnly) notes.push(`  read-only, not exported (fetch it again from its writer): ${core.key} (${core.length} blocks): ${core.why}`)
    for (const core of report.partial) notes.push(`  ${core.copiedBlocks === 0 ? 'not exported' : `copied ${core.copiedBlocks} of ${core.length} blocks`}: ${core.key}: ${core.why}`)
    for (const drive of report.drives) {
      if (drive.history > 0) notes.push(`  drive ${drive.key}: its history (${drive.history} earlier versions), checkouts and tags do not carry over`)
      for (const entry of drive.skipped) notes.push(`  drive ${drive.key}: ${entry.path}: ${entry.why}`)
    }
    if (notes.length > 0) io.stdout.write(`Not carried over:\n${notes.join('\n')}\n`)
    return EXIT_OK
  }
}
