// Call frame information (DWARF5 6.4) from .debug_frame and .eh_frame, and
// an unwinder built on it.
//
// Parsing: CIEs and FDEs (DWARF5 6.4.1); the .eh_frame variant (CIE id 0,
// CIE pointers relative to the field, 'z' augmentations with encoded
// pointers) follows the LSB Core specification, "Exception Frames"
// (10.5-10.6), since DWARF does not describe it.
// Rules: the call frame instructions of DWARF5 6.4.2 turn a CIE's initial
// instructions plus an FDE's instructions into the row for one pc (6.4.3).
// Unwinding: DWARF5 6.4.4 (the CFA is the caller's stack pointer at the
// call; an undefined return address rule means there is no caller), with a
// frame-pointer (rbp chain) fallback where no FDE covers the pc.
//
// Registers are DWARF register numbers of the System V psABIs: x86-64
// (AMD64 psABI 3.6.2, Figure 3.36) and i386 (i386 psABI 2.5, Table 2.14).
// The code lives in cfi-types.ts (the data model), cfi-parse.ts (CIE/FDE
// parsing), cfi-exec.ts (the DW_CFA interpreter) and unwinder.ts; this
// module re-exports their public names.

export { Cie, Fde, RegisterRule, CfaRule, UnwindRow, DW_EH_PE, DW_CFA, CfiOptions } from './cfi-types';
export { CallFrameInfo } from './cfi-parse';
export { executeInstructions } from './cfi-exec';
export {
  RegisterName, Registers, MemoryReader, Arch, UnwindMethod, UnwindStep, Frame, UnwinderOptions, Unwinder,
} from './unwinder';
