// The one error type adapter/symbols throws for bad input: a missing or
// malformed ELF file, a malformed .debug_line / .debug_info / .debug_frame /
// .eh_frame. It extends the loader's LoadError, so a caller that already
// catches LoadError (the CLI, the DAP session) shows its one-line message the
// same way. Any other exception type coming out of this directory is a bug
// (test/unit/symbols/fuzz.test.ts bit-flips and truncates sections to check).

import { LoadError, hex } from '../../emulator/machine/load-error';

export class SymbolError extends LoadError {
  constructor(message: string) {
    super(message);
    this.name = 'SymbolError';
    Object.setPrototypeOf(this, SymbolError.prototype);
  }
}

export function fail(msg: string): never {
  throw new SymbolError(msg);
}

export { hex };
