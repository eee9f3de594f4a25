// The one error type the ELF parser and the multiboot loader throw for bad
// input. Callers (the CLI, the DAP adapter) can catch exactly this and show
// its one-line message to the user; any other exception type coming out of
// the loaders is a nestvirt bug.

export class LoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LoadError';
    // Keep `instanceof LoadError` working when compiled to ES5-style classes.
    Object.setPrototypeOf(this, LoadError.prototype);
  }
}

/** `0x` + lower-case hex of a number or bigint (no padding). */
export function hex(v: number | bigint): string {
  if (typeof v === 'bigint') return '0x' + v.toString(16);
  return '0x' + Math.trunc(v).toString(16);
}
