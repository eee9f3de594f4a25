// Handlers for the integer domain (see exec/index.ts for the registry rules):
// the general-purpose instruction set of SDM vol 1 chapter 7, split by
// family into int-*.ts. Keys are the opcode table's handler keys
// (entry.h ?? entry.m, decode/table/*.ts); these replace the thin-path
// versions in core.ts.
import type { Handler } from '../decode/table';
import { aluHandlers } from './int-alu';
import { movHandlers } from './int-mov';
import { shiftHandlers } from './int-shift';
import { muldivHandlers } from './int-muldiv';
import { bitHandlers } from './int-bit';
import { branchHandlers } from './int-branch';
import { stackHandlers } from './int-stack';
import { stringHandlers } from './int-string';
import { miscHandlers } from './int-misc';
import { bcdHandlers } from './int-bcd';

export const handlers: Record<string, Handler> = {
  ...aluHandlers, ...movHandlers, ...shiftHandlers, ...muldivHandlers, ...bitHandlers,
  ...branchHandlers, ...stackHandlers, ...stringHandlers, ...miscHandlers, ...bcdHandlers,
} as Record<string, Handler>;
