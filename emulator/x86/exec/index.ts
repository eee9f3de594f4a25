// The handler registry: mnemonic (or entry.h) -> handler. Later modules
// override earlier ones, so a domain module can replace a thin-path handler
// from core.ts without editing it.
import { handlers as core } from './core';
import { handlers as integer } from './integer';
import { handlers as system } from './system';
import { handlers as sse } from './sse';
import { handlers as x87 } from './x87';
import { handlers as vmx } from './vmx-hook';
import type { Handler } from '../decode/table';

export const HANDLERS: Record<string, Handler> = { ...core, ...integer, ...system, ...sse, ...x87, ...vmx };
