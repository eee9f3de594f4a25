// SIMD opcode entries (MMX, SSE, SSE2 executed; SSE3+ decoded for length and
// disassembly only). Merged over the two- and three-byte maps by index.ts.
import { OpMap } from '../table-types';

export const SIMD_0F: OpMap = new Array(256);
export const SIMD_0F38: OpMap = new Array(256);
export const SIMD_0F3A: OpMap = new Array(256);
