// Handlers for the system domain (see exec/index.ts for the registry rules):
// segmentation, far transfers, IRET, control/debug registers, MSRs, fast
// system calls, port I/O, flags privilege rules, software interrupts and the
// system hint instructions. Each group lives in its own sys-*.ts module;
// exception and interrupt delivery is in interrupts.ts.
import type { Handler } from '../decode/table';
import { segHandlers } from './sys-seg';
import { farHandlers } from './sys-far';
import { iret } from './sys-iret';
import { crHandlers } from './sys-cr';
import { flagHandlers } from './sys-flags';
import { ioHandlers } from './sys-io';
import { fastHandlers } from './sys-fast';
import { miscHandlers } from './sys-misc';

export const handlers: Record<string, Handler> = {
  ...segHandlers,
  ...farHandlers,
  iret,
  ...crHandlers,
  ...flagHandlers,
  ...ioHandlers,
  ...fastHandlers,
  ...miscHandlers,
};
