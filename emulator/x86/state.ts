// The architectural state of one vCPU. 64-bit values are kept as 32-bit
// halves (no BigInt on the hot path, DESIGN.md "Performance approach").
// Linear addresses are plain numbers: below 2^32 outside long mode, and in
// long mode the canonical 64-bit address folded to its low 48 bits (bit 47
// says how the upper 16 bits are filled); see canon.ts.

/** How the current code segment decodes (SDM vol 3A, 5.2 and 3.4.5). */
export const enum CpuMode {
  Real = 0, // CR0.PE=0
  Prot16 = 1, // protected, CS.D=0
  Prot32 = 2, // protected, CS.D=1
  Compat16 = 3, // IA-32e compatibility mode, CS.D=0
  Compat32 = 4, // IA-32e compatibility mode, CS.D=1
  Long64 = 5, // IA-32e 64-bit mode, CS.L=1
  V86 = 6, // RFLAGS.VM=1 (not supported: reported when entered)
}

/** Segment access rights in the VMCS "access rights" format (SDM vol 3C, 24.4.1 table 24-2). */
export const AR_TYPE = 0xf, AR_S = 1 << 4, AR_DPL_SHIFT = 5, AR_P = 1 << 7, AR_AVL = 1 << 12;
export const AR_L = 1 << 13, AR_DB = 1 << 14, AR_G = 1 << 15, AR_UNUSABLE = 1 << 16;

export class CpuState {
  /** GPRs: [2r] = bits 31:0, [2r+1] = bits 63:32 (signed int32 storage). */
  readonly regs = new Int32Array(32);
  /** Instruction pointer (EIP/IP, or folded 48-bit RIP in 64-bit mode). */
  rip = 0;

  // Segment registers (ES CS SS DS FS GS LDTR TR): hidden parts cached as on hardware.
  readonly segSel = new Uint16Array(8);
  /** Bases: below 2^32, except FS/GS/LDTR/TR in long mode (folded 48-bit). */
  readonly segBase = new Float64Array(8);
  readonly segLimit = new Uint32Array(8);
  readonly segAr = new Uint32Array(8);

  gdtrBase = 0; gdtrLimit = 0xffff;
  idtrBase = 0; idtrLimit = 0xffff;

  cr0 = 0x60000010; // reset value (SDM vol 3A, 9.1.1 table 9-1)
  cr2 = 0;
  cr3 = 0; cr3Hi = 0;
  cr4 = 0;
  readonly dr = new Float64Array(8);
  efer = 0;

  /** RFLAGS except the six arithmetic flags while lazy flags are pending (see flags.ts). */
  flagsRest = 0x2;
  // Lazy arithmetic flags: the last flag-setting operation and its operands.
  lop = 0; // LazyOp
  lsz = 4; // operand size in bytes
  la = 0; lah = 0; // first operand (dest), low/high
  lb = 0; lbh = 0; // second operand (source)
  lr = 0; lrh = 0; // result
  lcf = 0; // carry-in for ADC/SBB, preserved CF for INC/DEC, CF for shifts/mul
  lof = 0; // OF for shifts/mul

  cpl = 0;
  mode: CpuMode = CpuMode.Real;
  /** Interrupt shadow after STI / MOV SS / POP SS (SDM vol 3A, 6.8.3): instruction count at which it ends. */
  shadowUntil = -1;
  /**
   * The shadow comes from MOV SS / POP SS (true) or STI (false): VMX keeps
   * them apart in the guest interruptibility state (SDM vol 3C 25.4.2 table
   * 25-3, bits 0 and 1) and VMLAUNCH/VMRESUME fail after MOV SS (31.3).
   */
  shadowMovSs = false;
  /** NMI blocked until the next IRET (SDM vol 3A, 6.7.1). */
  nmiBlocked = false;
  halted = false;
  /** An AP waiting for a start-up IPI (SDM vol 3A, 9.4.3). */
  waitForSipi = false;

  // MSR-backed state.
  star = 0; starHi = 0;
  lstar = 0; lstarHi = 0;
  cstar = 0; cstarHi = 0;
  sfmask = 0;
  kernelGsBase = 0;
  sysenterCs = 0; sysenterEsp = 0; sysenterEspHi = 0; sysenterEip = 0; sysenterEipHi = 0;
  tscAux = 0;
  /** TSC = instructions retired by this vCPU + offset (deterministic). */
  tscOffset = 0;
  pat = 0x00070406; patHi = 0x00070406;
  featureControl = 0;
  miscEnable = 1; // fast strings
  mtrrDefType = 0;
  readonly mtrr = new Map<number, [number, number]>();
  xcr0 = 1;

  /** SSE state: 16 XMM registers as 4 x 32-bit lanes each. */
  readonly xmm = new Int32Array(64);
  mxcsr = 0x1f80;
  /** x87 state kept only for FXSAVE/FXRSTOR round trips. */
  readonly fpuImage = new Uint8Array(160);
  fcw = 0x37f; fsw = 0; ftw = 0;

  /** Instructions retired by this vCPU. */
  icount = 0;

  // --- system domain (exec/system.ts, exec/interrupts.ts) ---
  /** Shutdown after a triple fault (SDM vol 3A, 6.15): only INIT leaves it. */
  shutdown = false;
  /** Bits 63:32 of DR0-DR7 (dr[] holds bits 31:0). */
  readonly drHi = new Int32Array(8);
  /** RFLAGS.TF was 1 when the current instruction began: a single-step #DB follows it (SDM vol 3B, 17.3.1.4). */
  tfArmed = false;

  /**
   * Nested VMX/SVM (emulator/l0/): while this vCPU runs L2 (VMX non-root or
   * an SVM guest), L0 sets this hook; the instructions of NonRootInsn ask it
   * first (after their own #UD and privilege checks, which have priority
   * over VM exits, SDM vol 3C 26.1.1). It returns true if the instruction
   * caused a VM exit or L0 completed it for L2 (the handler then does
   * nothing more); `qual` is bits 31:0 of the VMX exit qualification the
   * instruction supplies (SDM vol 3C 28.2.1), `detail` the rest. Null outside
   * L2, so the core needs no L0 import (DESIGN.md layers).
   */
  nonRootExit: ((cpu: CpuState, insn: NonRootInsn, qual: number, detail?: NonRootDetail) => boolean) | null = null;
}

/**
 * Instructions whose exits the core reports through CpuState.nonRootExit,
 * named after the instruction (MOV to/from CRn share 'mov-cr', the
 * qualification tells them apart).
 */
export type NonRootInsn =
  | 'cpuid' | 'hlt' | 'io' | 'rdmsr' | 'wrmsr'
  | 'rdtsc' | 'rdtscp' | 'rdpmc' | 'invlpg' | 'invpcid'
  | 'mov-cr' | 'clts' | 'lmsw' | 'mov-dr'
  | 'monitor' | 'mwait' | 'pause' | 'wbinvd' | 'invd' | 'xsetbv'
  | 'sgdt' | 'sidt' | 'lgdt' | 'lidt' | 'sldt' | 'str' | 'lldt' | 'ltr';

/** What a VM exit reports besides bits 31:0 of the qualification (SDM vol 3C 28.2.1, 28.2.5). */
export interface NonRootDetail {
  /** Bits 63:32 of the exit qualification (linear addresses, displacements). */
  qualHi?: number;
  /** VM-exit instruction information (SDM vol 3C 28.2.5). */
  info?: number;
  /** Guest-linear address (folded), for INS/OUTS and LMSW with a memory operand (28.2.1). */
  linear?: number;
}
