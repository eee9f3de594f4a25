// Operand specifications in the SDM's opcode-map notation (SDM vol 2D,
// appendix A.2): an addressing-method letter and an operand-type code.
// Parsed once per table entry.
import { OpKind } from './insn';

export const enum Method {
  E, G, M, R, I, J, O, A, S, C, D, Z, X, Y, V, W, U, P, Q, N, Fixed, Const, St,
  /** MPX bound register in ModRM.reg ('Bnd'). */
  Bnd,
  /** MPX bound register in ModRM.rm, or memory ('BndE'). */
  BndE,
  /** 386/486 test register TR0-TR7 in ModRM.reg ('Td'), MOV TRn (SDM 386 manual; #UD since the Pentium). */
  T,
}

export interface OperandSpec {
  method: Method;
  /** Operand-type code: b w d q v z y p s x dq ss sd ps pd … */
  type: string;
  /** For Fixed: register number (GPR) and whether it is a byte register. */
  fixedReg: number;
  /** Fixed register class: 'gpr' | 'seg'. */
  fixedClass: string;
  /** For Const: the value. */
  value: number;
  /** Immediate is sign-extended to the operand size (Ibs). */
  signExt: boolean;
  /** The spec as written in the table, for the disassembler. */
  text: string;
}

const FIXED_GPR: Record<string, [number, string]> = {
  AL: [0, 'b'], CL: [1, 'b'], DL: [2, 'b'], BL: [3, 'b'], AH: [4, 'b'], CH: [5, 'b'], DH: [6, 'b'], BH: [7, 'b'],
  AX: [0, 'w'], CX: [1, 'w'], DX: [2, 'w'], BX: [3, 'w'],
  EAX: [0, 'd'], ECX: [1, 'd'], EDX: [2, 'd'],
  rAX: [0, 'v'], rCX: [1, 'v'], rDX: [2, 'v'], rBX: [3, 'v'], rSP: [4, 'v'], rBP: [5, 'v'], rSI: [6, 'v'], rDI: [7, 'v'],
  eAX: [0, 'z'],
};
const FIXED_SEG: Record<string, number> = { ES: 0, CS: 1, SS: 2, DS: 3, FS: 4, GS: 5 };
const METHODS: Record<string, Method> = {
  E: Method.E, G: Method.G, M: Method.M, R: Method.R, I: Method.I, J: Method.J, O: Method.O, A: Method.A,
  S: Method.S, C: Method.C, D: Method.D, Z: Method.Z, X: Method.X, Y: Method.Y, V: Method.V, W: Method.W,
  U: Method.U, P: Method.P, Q: Method.Q, N: Method.N,
};

const cache = new Map<string, OperandSpec>();

export function parseSpec(text: string): OperandSpec {
  const hit = cache.get(text);
  if (hit) return hit;
  const spec: OperandSpec = { method: Method.Fixed, type: '', fixedReg: -1, fixedClass: '', value: 0, signExt: false, text };
  if (text in FIXED_GPR) {
    spec.fixedReg = FIXED_GPR[text][0];
    spec.type = FIXED_GPR[text][1];
    spec.fixedClass = 'gpr';
  } else if (text in FIXED_SEG) {
    spec.fixedReg = FIXED_SEG[text];
    spec.type = 'w';
    spec.fixedClass = 'seg';
  } else if (/^[0-9]+$/.test(text)) {
    spec.method = Method.Const;
    spec.value = Number(text);
    spec.type = 'b';
  } else if (text === 'Td') {
    spec.method = Method.T;
    spec.type = 'd';
  } else if (text === 'Bnd' || text === 'BndE') {
    spec.method = text === 'Bnd' ? Method.Bnd : Method.BndE;
    spec.type = 'dq';
  } else if (/^ST[0-7i]?$/.test(text)) {
    spec.method = Method.St;
    spec.value = text === 'STi' ? -1 : text.length === 3 ? Number(text[2]) : 0;
  } else {
    const m = METHODS[text[0]];
    if (m === undefined) throw new Error(`opcode table: unknown operand spec '${text}'`);
    spec.method = m;
    spec.type = text.slice(1);
    if (spec.type.endsWith('s') && m === Method.I && spec.type !== 's') {
      // Ibs: byte immediate sign-extended to the operand size.
      spec.type = spec.type.slice(0, -1);
      spec.signExt = true;
    }
  }
  cache.set(text, spec);
  return spec;
}

/**
 * Operand size in bytes for a type code, given the effective operand size `osize`.
 * Type 'A' (not in the SDM notation) is a register of the address size (MOVDIR64B,
 * UMONITOR): the decoder sizes it from the address size instead.
 */
export function typeSize(type: string, osize: number): number {
  switch (type) {
    case 't': return 10; // x87 extended real / packed BCD (SDM vol 1, 4.2.2)
    case 'e': return osize === 2 ? 14 : 28; // x87 environment (SDM vol 1, 8.1.10)
    case 'st': return osize === 2 ? 94 : 108; // x87 state (SDM vol 1, 8.1.11)
    case 'b': return 1;
    case 'w': return 2;
    case 'd': case 'ss': return 4;
    case 'q': case 'sd': return 8;
    case 'v': return osize;
    case 'z': return osize === 2 ? 2 : 4;
    case 'y': return osize === 8 ? 8 : 4;
    case 'x': case 'dq': case 'ps': case 'pd': case 'o': return 16;
    case 'p': return osize + 2; // far pointer: offset + selector
    case 's': return 10; // pseudo-descriptor (limit + base); 6 outside 64-bit mode
    case '': return osize;
    default: return osize;
  }
}

/** Whether the method reads a ModRM byte. */
export function needsModrm(m: Method): boolean {
  switch (m) {
    case Method.E: case Method.G: case Method.M: case Method.R: case Method.S: case Method.C: case Method.D:
    case Method.V: case Method.W: case Method.U: case Method.P: case Method.Q: case Method.N:
    case Method.Bnd: case Method.BndE: case Method.T:
      return true;
    default:
      return false;
  }
}

export { OpKind };
