// A vCPU with L0's nested SVM installed (CPU policy qemu64,+svm,...), system
// tables, EFER.SVME set and VM_HSAVE_PA written: the state an L1 hypervisor
// has just before its first VMRUN. validVmcb12 writes a VMCB12 (field by
// field, from the APM layout) whose 64-bit L2 shares L1's flat segments,
// page tables, GDT and IDT, so an exception in L2 lands in the rig's stubs.
import { runCode, DATA, SnippetMode } from '../../support/snippet';
import { makeSysRig, SysRig, GDT, IDT } from '../../support/sysrig';
import { parseCpuPolicy } from '../../../emulator/x86/cpu-model';
import { EFER_SVME } from '../../../emulator/x86/regs';
import { installNestedSvm, SvmVcpuState } from '../../../emulator/l0';
import { vmcbInMemory, writeField, writeSegment, readLo, readHi, VmcbLeafName } from '../../../emulator/svm/vmcb-access';
import { interceptBitOf } from '../../../emulator/svm/intercepts';
import type { TransitionEvent, DiagnosticEvent } from '../../../emulator/events';

export const VMCB12 = 0x400000;
export const HSAVE = 0x401000;
export const IOPM = 0x404000; // 12 KiB
export const MSRPM = 0x408000; // 8 KiB
export const VMCB_B = 0x40a000;
export const L2_RIP = 0x1a0000;
export const L2_RSP = 0x2e8000;
export { DATA };

export const I = {
  vmrun: [0x0f, 0x01, 0xd8],
  vmmcall: [0x0f, 0x01, 0xd9],
  vmload: [0x0f, 0x01, 0xda],
  vmsave: [0x0f, 0x01, 0xdb],
  stgi: [0x0f, 0x01, 0xdc],
  clgi: [0x0f, 0x01, 0xdd],
  skinit: [0x0f, 0x01, 0xde],
  invlpga: [0x0f, 0x01, 0xdf],
};

export interface SvmRig extends SysRig { s: SvmVcpuState }

export function makeSvmRig(policy = 'qemu64,+svm,+npt,+vgif', mode: SnippetMode = 'long64'): SvmRig {
  const r = makeSysRig(mode, parseCpuPolicy(policy)) as SvmRig;
  r.s = installNestedSvm(r.cpu);
  r.cpu.efer = (r.cpu.efer | EFER_SVME) >>> 0;
  r.s.hsaveLo = HSAVE;
  return r;
}

/** Sets intercept bits (by intercept-table name) in the VMCB at `base`. */
export function intercept(r: SvmRig, ...names: string[]): void {
  for (const n of names) {
    const g = interceptBitOf(n);
    const off = (g >>> 5) * 4;
    r.mem.write(VMCB12 + off, 4, (r.mem.read(VMCB12 + off, 4) | (1 << (g & 31))) >>> 0);
  }
}

export const v12 = (r: SvmRig) => vmcbInMemory(r.mem, VMCB12);
export const get = (r: SvmRig, name: VmcbLeafName): number => readLo(v12(r), name);
export const getHi = (r: SvmRig, name: VmcbLeafName): number => readHi(v12(r), name);
export const set = (r: SvmRig, name: VmcbLeafName, lo: number, hi = 0): void => writeField(v12(r), name, lo, hi);

/** A VMCB12 every check accepts: 64-bit L2 at L2_RIP, VMRUN intercept, ASID 1, maps at IOPM/MSRPM (all zero). */
export function validVmcb12(r: SvmRig, l2code: number[] = []): void {
  for (let k = 0; k < 4096; k += 4) r.mem.write(VMCB12 + k, 4, 0);
  for (let k = 0; k < 0x3000; k += 4) r.mem.write(IOPM + k, 4, 0);
  for (let k = 0; k < 0x2000; k += 4) r.mem.write(MSRPM + k, 4, 0);
  const v = v12(r);
  intercept(r, 'VMRUN');
  writeField(v, 'GUEST_ASID', 1);
  writeField(v, 'IOPM_BASE_PA', IOPM);
  writeField(v, 'MSRPM_BASE_PA', MSRPM);
  const data = { selector: 0x10, attrib: 0xc93, limit: 0xffffffff, baseLo: 0, baseHi: 0 };
  for (const s of ['ES', 'SS', 'DS'] as const) writeSegment(v, s, data);
  writeSegment(v, 'CS', { selector: 0x08, attrib: 0xa9b, limit: 0xffffffff, baseLo: 0, baseHi: 0 });
  writeSegment(v, 'GDTR', { selector: 0, attrib: 0, limit: 0x3ff, baseLo: GDT, baseHi: 0 });
  writeSegment(v, 'IDTR', { selector: 0, attrib: 0, limit: 0xfff, baseLo: IDT, baseHi: 0 });
  writeField(v, 'EFER', 0x1d01);
  writeField(v, 'CR0', 0x80000033);
  writeField(v, 'CR3', 0x1000);
  writeField(v, 'CR4', 0x620);
  writeField(v, 'DR6', 0xffff0ff0);
  writeField(v, 'DR7', 0x400);
  writeField(v, 'RFLAGS', 0x2);
  writeField(v, 'RIP', L2_RIP);
  writeField(v, 'RSP', L2_RSP);
  writeField(v, 'RAX', 0x1234);
  r.mem.writeBytes(L2_RIP, Uint8Array.from([...l2code, 0xf4]));
}

/** Runs `code` in L1 with RAX = `rax` (the VMCB address for the SVM instructions). */
export function runL1(r: SvmRig, code: number[], rax = VMCB12): void {
  r.cpu.setReg(0, 8, rax >>> 0, Math.floor(rax / 0x1_0000_0000));
  runCode(r, code);
}

/** VMRUN of VMCB12 from L1 (followed by hlt). */
export function vmrun(r: SvmRig): void {
  runL1(r, I.vmrun);
}

export const transitions = (r: SvmRig): TransitionEvent[] => r.events.filter((e): e is TransitionEvent => e.kind === 'transition');
export const diagnostics = (r: SvmRig, code?: string): string[] =>
  r.events.filter((e): e is DiagnosticEvent => e.kind === 'diagnostic' && (!code || e.code === code)).map((d) => d.message);
