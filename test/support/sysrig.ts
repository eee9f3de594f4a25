// A snippet rig with system structures in guest memory: a GDT with the usual
// flat kernel/user segments, an IDT whose every vector points at its own
// `hlt` stub, and a TSS (RSP0/IST1 in long mode, SS0:ESP0 in legacy mode).
// Tests run code with runCode() and then look at which stub halted
// (stubVector) and at the frame on the handler's stack.
import { makeRig, setMode, SnippetMode, SnippetRig, CODE, testModel } from './snippet';
import { CpuModelLike } from '../../emulator/x86/model';
import { makeDescriptor } from '../../emulator/x86/segments';
import { CS, SS, DS, ES, FS, GS, TR, LDTR } from '../../emulator/x86/regs';
import { AR_UNUSABLE, CpuMode } from '../../emulator/x86/state';
import type { Cpu } from '../../emulator/x86/cpu';
import { Stop } from '../../emulator/x86/cpu';

export const GDT = 0x8000;
export const IDT = 0x9000;
export const TSS = 0xa000;
export const STUBS = 0x180000; // 16 bytes per vector, each `hlt`
export const RSP0 = 0x2f0000;
export const IST1 = 0x2e0000;
export const USER_STACK = 0x2d0000;

// GDT selectors (RPL 0).
export const K64 = 0x08, KDATA = 0x10, K32 = 0x18, K16 = 0x20, KDATA16 = 0x28;
export const U32 = 0x30, UDATA = 0x38, U64 = 0x40, TSS_SEL = 0x48, FREE = 0x58;

// Access rights (VMCS format): type | S | DPL | P | L | D/B | G.
export const AR = {
  code64: 0xa09b, data: 0xc093, code32: 0xc09b, code16: 0x009b, data16: 0x0093,
  ucode32: 0xc0fb, udata: 0xc0f3, ucode64: 0xa0fb, tss: 0x0089, ldt: 0x0082,
};

export interface SysRig extends SnippetRig { mode: SnippetMode }

const w32 = (rig: SnippetRig, a: number, v: number): void => rig.mem.write(a, 4, v >>> 0);
const r32 = (rig: SnippetRig, a: number): number => rig.mem.read(a, 4);

export function setDescriptor(rig: SnippetRig, sel: number, base: number, limit: number, ar: number): void {
  const [lo, hi] = makeDescriptor(base, limit, ar);
  w32(rig, GDT + (sel & ~7), lo);
  w32(rig, GDT + (sel & ~7) + 4, hi);
}

/** A 16-byte system descriptor (IA-32e TSS/LDT) or the 8-byte legacy one. */
export function setSystemDescriptor(rig: SnippetRig, sel: number, base: number, limit: number, ar: number, wide: boolean): void {
  setDescriptor(rig, sel, base, limit, ar);
  if (wide) { w32(rig, GDT + (sel & ~7) + 8, 0); w32(rig, GDT + (sel & ~7) + 12, 0); }
}

/** An IDT gate: 16 bytes in IA-32e mode, 8 bytes otherwise. type 0xe interrupt, 0xf trap (0x6/0x7 16-bit). */
export function setGate(rig: SnippetRig, vector: number, sel: number, offset: number, opts: { type?: number; dpl?: number; ist?: number; present?: boolean; long?: boolean } = {}): void {
  const long = opts.long ?? (rig.cpu.efer & 0x400) !== 0;
  const type = opts.type ?? 0xe;
  const p = opts.present === false ? 0 : 0x8000;
  const lo = ((sel & 0xffff) << 16) | (offset & 0xffff);
  const hi = (offset & 0xffff0000) | p | ((opts.dpl ?? 0) << 13) | (type << 8) | (opts.ist ?? 0);
  if (long) {
    const a = IDT + vector * 16;
    w32(rig, a, lo); w32(rig, a + 4, hi); w32(rig, a + 8, 0); w32(rig, a + 12, 0);
  } else {
    const a = IDT + vector * 8;
    w32(rig, a, lo); w32(rig, a + 4, hi);
  }
}

/** A call gate in the GDT (16 bytes in IA-32e mode). */
export function setCallGate(rig: SnippetRig, sel: number, target: number, offset: number, opts: { dpl?: number; count?: number; type?: number; long?: boolean } = {}): void {
  const long = opts.long ?? (rig.cpu.efer & 0x400) !== 0;
  const a = GDT + (sel & ~7);
  w32(rig, a, ((target & 0xffff) << 16) | (offset & 0xffff));
  w32(rig, a + 4, (offset & 0xffff0000) | 0x8000 | ((opts.dpl ?? 3) << 13) | ((opts.type ?? 0xc) << 8) | (opts.count ?? 0));
  if (long) { w32(rig, a + 8, 0); w32(rig, a + 12, 0); }
}

/** Loads a segment register's cache from the GDT entry, as a load instruction would. */
export function loadSeg(cpu: Cpu, seg: number, sel: number, rig: SnippetRig): void {
  const lo = r32(rig, GDT + (sel & ~7)), hi = r32(rig, GDT + (sel & ~7) + 4);
  cpu.segSel[seg] = sel;
  cpu.segBase[seg] = ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
  const raw = (lo & 0xffff) | (hi & 0xf0000);
  cpu.segLimit[seg] = hi & (1 << 23) ? ((raw << 12) | 0xfff) >>> 0 : raw;
  cpu.segAr[seg] = (hi >>> 8) & 0xf0ff;
}

export function makeSysRig(mode: SnippetMode, model: CpuModelLike = testModel): SysRig {
  const rig = makeRig(mode, model) as SysRig;
  rig.mode = mode;
  installTables(rig);
  return rig;
}

/** Writes GDT, IDT, TSS and stubs and loads GDTR/IDTR/TR and the segment caches for rig.mode. */
export function installTables(rig: SysRig): void {
  const { cpu, mem } = rig;
  const mode = rig.mode;
  const long = mode === 'long64' || mode === 'compat32';
  setDescriptor(rig, K64, 0, 0xffffffff, AR.code64);
  setDescriptor(rig, KDATA, 0, 0xffffffff, AR.data);
  setDescriptor(rig, K32, 0, 0xffffffff, AR.code32);
  setDescriptor(rig, K16, 0, 0xffff, AR.code16);
  setDescriptor(rig, KDATA16, 0, 0xffff, AR.data16);
  setDescriptor(rig, U32, 0, 0xffffffff, AR.ucode32);
  setDescriptor(rig, UDATA, 0, 0xffffffff, AR.udata);
  setDescriptor(rig, U64, 0, 0xffffffff, AR.ucode64);
  setSystemDescriptor(rig, TSS_SEL, TSS, 0x68 + 0x2000, AR.tss | 2, long); // busy, as after LTR
  cpu.gdtrBase = GDT; cpu.gdtrLimit = 0x3ff;
  // TSS: RSP0/IST1 (64-bit layout) or SS0:ESP0 (32-bit layout); an all-zero I/O bitmap at 0x68 (every port allowed).
  if (long) {
    w32(rig, TSS + 4, RSP0); w32(rig, TSS + 8, 0);
    w32(rig, TSS + 0x24, IST1); w32(rig, TSS + 0x28, 0);
  } else {
    w32(rig, TSS + 4, RSP0); w32(rig, TSS + 8, KDATA);
  }
  mem.write(TSS + 0x66, 2, 0x68);
  // Every vector: a `hlt` stub at STUBS + 16*v.
  const stubs = new Uint8Array(256 * 16).fill(0xf4);
  mem.writeBytes(STUBS, stubs);
  const codeSel = long ? K64 : mode === 'prot16' ? K16 : K32;
  for (let v = 0; v < 256; v++) setGate(rig, v, codeSel, STUBS + v * 16, { long, type: mode === 'prot16' ? 0x6 : 0xe });
  cpu.idtrBase = IDT; cpu.idtrLimit = long ? 256 * 16 - 1 : 256 * 8 - 1;
  loadSeg(cpu, TR, TSS_SEL, rig);
  cpu.segSel[LDTR] = 0; cpu.segAr[LDTR] = AR_UNUSABLE;
  if (mode === 'real') return;
  const csSel = mode === 'long64' ? K64 : mode === 'prot16' ? K16 : K32;
  const dataSel = mode === 'prot16' ? KDATA16 : KDATA;
  loadSeg(cpu, CS, csSel, rig);
  for (const s of [SS, DS, ES, FS, GS]) loadSeg(cpu, s, dataSel, rig);
  cpu.updateMode();
}

/** Which vector's stub the CPU halted in (-1 if not in a stub). */
export function stubVector(cpu: Cpu): number {
  const lin = cpu.mode === CpuMode.Real ? cpu.segBase[CS] + cpu.rip - 1 : cpu.rip - 1;
  if (lin < STUBS || lin >= STUBS + 256 * 16) return -1;
  return Math.floor((lin - STUBS) / 16);
}

/** Reads `n` stack slots of `width` bytes at the current RSP (bottom first). */
export function stackSlots(rig: SnippetRig, n: number, width: 2 | 4 | 8): number[] {
  const { cpu, mem } = rig;
  const sp = cpu.mode === CpuMode.Real ? cpu.segBase[SS] + (cpu.regs[8] & 0xffff)
    : (cpu.regs[8] >>> 0) + (cpu.mode === CpuMode.Long64 ? (cpu.regs[9] >>> 0) * 0x1_0000_0000 : 0);
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    const a = sp + k * width;
    if (width === 8) out.push(mem.read(a, 4) + mem.read(a + 4, 4) * 0x1_0000_0000);
    else out.push(mem.read(a, width));
  }
  return out;
}

/** Puts the vCPU at CPL 3 (user code and data segments of the rig's mode, RSP = USER_STACK) without running code. */
export function enterUser(rig: SysRig): void {
  const { cpu } = rig;
  loadSeg(cpu, CS, (rig.mode === 'long64' ? U64 : U32) | 3, rig);
  for (const s of [SS, DS, ES]) loadSeg(cpu, s, UDATA | 3, rig);
  cpu.setCpl(3);
  cpu.updateMode();
  cpu.setReg(4, 8, USER_STACK, 0);
}

/** Real-mode variant of runCode: code (plus HLT) at 0000:`at` so CS:IP round-trips through 16-bit selectors. */
export function runReal(rig: SnippetRig, code: number[], at = 0x7c00, maxInsns = 10000): Stop {
  const { cpu, mem } = rig;
  mem.writeBytes(at, Uint8Array.from([...code, 0xf4]));
  cpu.flushCodeCache();
  cpu.segSel[CS] = at >> 4; cpu.segBase[CS] = at & ~0xf;
  cpu.rip = at & 0xf;
  cpu.segSel[SS] = 0x2000; cpu.segBase[SS] = 0x20000;
  if ((cpu.regs[8] & 0xffff) === 0) cpu.setReg(4, 2, 0xfff0);
  cpu.halted = false;
  return cpu.run(maxInsns);
}

export { setMode, CODE };
