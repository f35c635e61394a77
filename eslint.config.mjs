import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['build/**', 'node_modules/**', 'coverage/**'] })
]
