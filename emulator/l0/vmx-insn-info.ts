// The VM-exit instruction-information field (SDM vol 3C §28.2.5, tables
// 28-8 .. 28-14) and the displacement qualification (§28.2.1) of exits
// caused by instructions with a ModRM operand, built from the decoded
// instruction the core is executing.
import type { Insn } from '../x86/decode/insn';
import { OpKind, BASE_RIP } from '../x86/decode/insn';

/** Address size code of bits 9:7: 0 = 16-bit, 1 = 32-bit, 2 = 64-bit. */
function asizeCode(i: Insn): number { return i.asize === 2 ? 0 : i.asize === 4 ? 1 : 2; }

/**
 * The memory-operand part shared by every table: scaling (1:0), address size
 * (9:7), segment (17:15), index (21:18) with invalid bit 22, base (26:23)
 * with invalid bit 27. A RIP-relative operand has no base register.
 */
function memBits(i: Insn): number {
  const hasIndex = i.index >= 0, hasBase = i.base >= 0 && i.base !== BASE_RIP;
  return ((hasIndex ? i.scale & 3 : 0) | (asizeCode(i) << 7) | ((i.seg & 7) << 15) |
    (hasIndex ? (i.index & 15) << 18 : 1 << 22) | (hasBase ? (i.base & 15) << 23 : 1 << 27)) >>> 0;
}

/** Whether the r/m operand is memory (bit 10 of the VMREAD/VMWRITE and LLDT/LTR formats is its complement). */
export function hasMemOperand(i: Insn): boolean { return i.mod !== 3; }

/**
 * Table 28-13 (VMCLEAR, VMPTRLD, VMPTRST, VMXON): the memory operand only.
 * Table 28-14 (VMREAD, VMWRITE): reg1 (6:3) or memory, bit 10 = register
 * operand, reg2 (31:28) = the register holding the field encoding.
 * Table 28-9 (INVEPT, INVPCID, INVVPID): memory operand, reg2 = the type register.
 */
export function vmxInsnInfo(i: Insn, form: 'mem' | 'vmread-vmwrite' | 'invalidate'): number {
  if (form === 'vmread-vmwrite') {
    const reg2 = (i.reg & 15) << 28;
    if (!hasMemOperand(i)) return ((((i.rm & 15) << 3) | (1 << 10) | (asizeCode(i) << 7)) | reg2) >>> 0;
    return (memBits(i) | reg2) >>> 0;
  }
  if (form === 'invalidate') return (memBits(i) | ((i.reg & 15) << 28)) >>> 0;
  return memBits(i);
}

/**
 * Table 28-10 (LGDT, LIDT, SGDT, SIDT; reason 46): memory operand, operand
 * size (bit 11: 0 = 16-bit, 1 = 32-bit), identity (29:28): 0 SGDT, 1 SIDT,
 * 2 LGDT, 3 LIDT.
 */
export function gdtrIdtrInfo(i: Insn, identity: number): number {
  return (memBits(i) | (i.osize === 2 ? 0 : 1 << 11) | ((identity & 3) << 28)) >>> 0;
}

/**
 * Table 28-11 (LLDT, LTR, SLDT, STR; reason 47): reg1 (6:3) or memory, bit
 * 10 = register operand, identity (29:28): 0 SLDT, 1 STR, 2 LLDT, 3 LTR.
 */
export function ldtrTrInfo(i: Insn, identity: number): number {
  const id = (identity & 3) << 28;
  if (i.k0 !== OpKind.Mem) return ((((i.rm & 15) << 3) | (1 << 10) | (asizeCode(i) << 7)) | id) >>> 0;
  return (memBits(i) | id) >>> 0;
}

/** Table 28-8 (INS/OUTS with IA32_VMX_BASIC[54]): address size (9:7), segment (17:15; INS: ES). */
export function stringIoInfo(i: Insn, input: boolean): number {
  const seg = input ? 0 : i.segOverride >= 0 ? i.segOverride : 3;
  return ((asizeCode(i) << 7) | (seg << 15)) >>> 0;
}

/** The displacement of a memory operand sign-extended to 64 bits (§28.2.1), or 0 for a register operand. */
export function displacement(i: Insn): [number, number] {
  if (!hasMemOperand(i)) return [0, 0];
  return [i.disp >>> 0, i.disp < 0 ? 0xffffffff : 0];
}
