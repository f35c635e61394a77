// Runs after tsc (npm run build): takes the `#private;` marker out of the emitted declarations of the
// package (build/lib, build/bin). tsc writes it for every class with private (#) members, and it makes
// a consumer's program fail to compile below ES2015 (TS18028), TypeScript's default target: the
// package would look broken to anyone who runs plain `tsc --strict main.ts`. The members stay private
// at run time; only the declarations lose the marker (which made the classes nominal).
import fs = require('fs')
import path = require('path')

const BUILD = path.resolve(__dirname, '..')
const MARKER = /^[ \t]*#private;[ \t]*\r?\n/gm

function declarations (dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const file = path.join(dir, entry.name)
    if (entry.isDirectory()) return declarations(file)
    return entry.name.endsWith('.d.ts') ? [file] : []
  })
}

let changed = 0
for (const file of [...declarations(path.join(BUILD, 'lib')), ...declarations(path.join(BUILD, 'bin'))]) {
  const text = fs.readFileSync(file, 'utf-8')
  const stripped = text.replace(MARKER, '')
  if (stripped === text) continue
  fs.writeFileSync(file, stripped)
  changed++
}
process.stdout.write(`declarations: took the #private marker out of ${changed} files\n`)
