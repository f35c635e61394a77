declare module 'thunky' {
  type Callback<T> = (err: Error | null, value?: T) => void
  function thunky<T> (work: (cb: Callback<T>) => void): (cb: Callback<T>) => void
  export = thunky
}
