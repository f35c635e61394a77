import test from 'node:test'
import assert from 'node:assert/strict'
import fs = require('fs')
import path = require('path')
import { builtinModules } from 'module'

const ROOT = path.resolve(__dirname, '..', '..')
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>, bin: Record<string, string>, main: string }

/** The packages the shipped code (build/lib, build/bin) requires by name. */
function requiredPackages (dir: string): Set<string> {
  const found = new Set<string>()
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.js')) continue
    const source = fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8')
    for (const match of source.matchAll(/require\("([^".][^"]*)"\)/g)) {
      const spec = match[1] as string
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string)
      if (!builtinModules.includes(name) && !name.startsWith('node:')) found.add(name)
    }
  }
  return found
}

test('every package the shipped code requires is a runtime dependency, not a devDependency', () => {
  const required = new Set([...requiredPackages(path.join(ROOT, 'build', 'lib')), ...requiredPackages(path.join(ROOT, 'build', 'bin'))])
  assert.ok(required.has('hypercore') && required.has('hypercore-protocol'), 'the scan sees the library\'s imports')
  for (const name of required) assert.ok(name in pkg.dependencies, `${name} is required by build/lib or build/bin but is not in dependencies`)
})

test('the mission\'s base dependencies are all declared (lru and thunky aside: an insertion-ordered Map is the passive LRU, a field resolves a core\'s keys)', () => {
  for (const name of ['hypercore', 'hypercore-protocol', 'random-access-storage', 'random-access-file', 'sodium-native']) {
    assert.ok(name in pkg.dependencies, name)
  }
  assert.match(pkg.dependencies['hypercore'] ?? '', /^\^9\./)
  assert.match(pkg.dependencies['hypercore-protocol'] ?? '', /^\^8\./)
  assert.equal(pkg.dependencies['noise-protocol'], '3.0.1')
})

test('every runtime dependency is used by the shipped code', () => {
  const required = new Set([...requiredPackages(path.join(ROOT, 'build', 'lib')), ...requiredPackages(path.join(ROOT, 'build', 'bin'))])
  // noise-protocol is found with require.resolve at run time (see lib/noise-compat.ts), not required by name.
  for (const name of Object.keys(pkg.dependencies)) {
    if (name === 'noise-protocol') continue
    assert.ok(required.has(name), `${name} is a dependency, but nothing in build/lib or build/bin requires it`)
  }
})

test('main and the corestore-ts command point at built files', () => {
  assert.ok(fs.existsSync(path.join(ROOT, pkg.main)))
  const bin = pkg.bin['corestore-ts'] as string
  assert.ok(fs.existsSync(path.join(ROOT, bin)))
  assert.match(fs.readFileSync(path.join(ROOT, bin), 'utf8'), /^#!\/usr\/bin\/env node/)
})
