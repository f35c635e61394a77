declare module 'fd-lock' {
  /**
   * Takes an exclusive, non-blocking flock(2) on an open file descriptor (a directory opened
   * read-only works): true when it is ours, false when another open file description holds it.
   */
  function lock (fd: number): boolean
  namespace lock {
    /** Releases the lock on `fd`; closing the descriptor releases it too. */
    function unlock (fd: number): boolean
  }
  export = lock
}
