// The handler registry: mnemonic (or entry.h) -> handler, one domain module
// each. A key belongs to one module; later modules would override earlier ones.
import { handlers as integer } from './integer';
import { handlers as system } from './system';
import { handlers as sse } from './sse';
import { handlers as x87 } from './x87';
import { handlers as vmx } from './vmx-hook';
import { handlers as svm } from './svm-hook';
import type { Handler } from '../decode/table';

export const HANDLERS: Record<string, Handler> = { ...integer, ...system, ...sse, ...x87, ...vmx, ...svm };
