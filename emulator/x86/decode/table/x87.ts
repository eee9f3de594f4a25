// x87 escape opcodes D8-DF (SDM vol 2D, appendix A.5): decoded for length and
// disassembly; not executed (nestvirt targets -O2 freestanding integer/SSE code).
import { OpNode } from '../table-types';

/** Nodes for D8..DF, index 0 = D8. */
export const X87: (OpNode | undefined)[] = new Array(8);
