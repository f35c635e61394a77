declare module 'random-access-memory' {
  import RandomAccessStorage = require('random-access-storage')

  function RandomAccessMemory (name?: string | Buffer | number): RandomAccessStorage
  export = RandomAccessMemory
}
