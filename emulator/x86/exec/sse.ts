// Handlers for the SSE domain (see exec/index.ts for the registry rules):
// SSE/SSE2 execution split by topic into sse-*.ts. MMX forms and SSE3+
// entries of decode/table/simd.ts carry handler keys that are deliberately
// absent here ('mmx', 'sse3', 'ssse3', 'sse41', 'sse42', 'aes', 'pclmul',
// 'sha', 'approx'), so they execute as "not implemented" (#UD + diagnostic).
import type { Handler } from '../decode/table';
import { handlers as move } from './sse-move';
import { handlers as int } from './sse-int';
import { handlers as shuf } from './sse-shuf';
import { handlers as fpArith } from './sse-fp';
import { handlers as cvt } from './sse-cvt';
import { handlers as state } from './sse-state';

export const handlers: Record<string, Handler> = {
  ...move, ...int, ...shuf, ...fpArith, ...cvt, ...state,
} as Record<string, Handler>;
