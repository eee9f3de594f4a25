// Memory references of the DAP session (readMemory, writeMemory, the
// memoryReference of variables, memory data breakpoints, `evaluate` reads):
// one address space per nesting level, named by a prefix.
//
//   l1:0x1000      L1 virtual: L1's paging (the vCPU's own while L1 runs;
//                  VMCS12 host state / VMCB01 while L2 runs)
//   l2:0x401000    L2 virtual: L2's paging (the vCPU's own while L2 runs;
//                  VMCS12 guest state / VMCB12 save area while L1 runs)
//   gpa:0x2000     L1 guest-physical: the machine memory L0 gives L1
//                  (L0 runs L1 without EPT01/NPT01, so it is also L0's view)
//   l2gpa:0x2000   L2 guest-physical: through VMCS12's EPT when L1 enabled
//                  it (VMCB12's nested page table: not yet), else equal to gpa
//   0x1000         no prefix: a virtual address of the level the vCPU runs now
//                  (what stack frames and the disassembly show)
//
// Numbers are hex with 0x or decimal. The debugger's page walks have no side
// effects (no accessed/dirty bits, no TLB fills; emulator/debug/guest-memory.ts)
// and see RAM only: MMIO and unmapped pages are reported unreadable.
// A memory data breakpoint is resolved to physical pages when it is set.
// An L2 page walk reads L2's paging structures at their guest-physical
// addresses through VMCS12's EPT, as the processor does.
import type { Cpu } from '../emulator/x86/cpu';
import { peekTranslate } from '../emulator/debug/guest-memory';
import type { PhysPiece } from '../emulator/debug/watch-memory';
import { vmxStateOf } from '../emulator/l0';
import { VMCS, PRIMARY, SECONDARY, EXIT, ENTRY } from '../emulator/vmx';
import { eptWalk, eptCapsOf, decodeEptp, EptOutcome } from '../emulator/vmx/ept';
import { VMCB_OFF, NESTED_CTL_NP_ENABLE, PhysRead } from '../emulator/svm';
import { EFER_LMA, EFER_LME } from '../emulator/x86/regs';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { svmView } from './vmcb-variables';
import { ERR, RequestError } from './session-errors';

export type AddressSpace = 'l1' | 'l2' | 'gpa' | 'l2gpa';
export const ADDRESS_SPACES: readonly AddressSpace[] = ['l1', 'l2', 'gpa', 'l2gpa'];
const SPACE_TITLE: Record<AddressSpace, string> = {
  l1: 'L1 virtual', l2: 'L2 virtual', gpa: 'L1 guest-physical', l2gpa: 'L2 guest-physical',
};

/** A parsed reference; space null = the running level's virtual addresses. */
export interface MemRef { space: AddressSpace | null; address: bigint }

/** A bad reference: the session answers it as a bad request. */
export class MemoryReferenceError extends RequestError {
  constructor(message: string) { super(ERR.badRequest, message); Object.setPrototypeOf(this, MemoryReferenceError.prototype); }
}

const MAX_ADDRESS = (1n << 64n) - 1n;

/** Parses "l2:0x401000", "gpa:8192", "0x1000"; throws MemoryReferenceError with the accepted forms. */
export function parseMemoryReference(text: string, what = 'memoryReference'): MemRef {
  const m = /^\s*(?:([a-z0-9]+)\s*:\s*)?(0x[0-9a-f]+|[0-9]+)\s*$/i.exec(text);
  const space = m?.[1]?.toLowerCase();
  if (!m || (space !== undefined && !ADDRESS_SPACES.includes(space as AddressSpace))) {
    throw new MemoryReferenceError(`${what}: expected an address like 0x101000, optionally with a level prefix (${ADDRESS_SPACES.map((s) => s + ':').join(' ')}), got '${text}'`);
  }
  const address = BigInt(m[2]);
  if (address > MAX_ADDRESS) throw new MemoryReferenceError(`${what}: ${m[2]} is above 2^64`);
  return { space: (space as AddressSpace | undefined) ?? null, address };
}

export function formatMemoryReference(space: AddressSpace | null, address: bigint | number): string {
  return `${space ? space + ':' : ''}0x${address.toString(16)}`;
}

/** The nesting level a vCPU runs now (from L0's VMX or SVM state). */
export function runningLevel(cpu: Cpu): 1 | 2 {
  const s = vmxStateOf(cpu);
  if (s) return s.level;
  return svmView(cpu)?.level ?? 1;
}

/** The paging registers peekTranslate reads (a Cpu has them; so can a VMCS/VMCB view). */
interface Paging { cr0: number; cr3: number; cr3Hi: number; cr4: number; efer: number; plat: Cpu['plat'] }

const u32 = (r: PhysRead, off: number): number => r.read(off, 4) >>> 0;

/** The paging state of `level` on `cpu`, or a reason it is not known. */
function pagingOf(cpu: Cpu, level: 1 | 2): Paging | string {
  if (runningLevel(cpu) === level) return cpu;
  const vmx = vmxStateOf(cpu);
  if (vmx) {
    if (!vmx.hasCurrentVmcs) return `L${level} paging is unknown: L1 has no current VMCS`;
    const v = vmx.vmcs12;
    if (level === 2) {
      // The guest-state area: what VM entry loads (SDM §27.3.2.1; EFER.LMA from the IA-32e mode guest control).
      const entry = v.lo(VMCS.VM_ENTRY_CONTROLS);
      const efer = entry & ENTRY.LOAD_IA32_EFER ? v.lo(VMCS.GUEST_IA32_EFER) : entry & ENTRY.IA32E_MODE_GUEST ? EFER_LMA | EFER_LME : 0;
      return { cr0: v.lo(VMCS.GUEST_CR0), cr3: v.lo(VMCS.GUEST_CR3), cr3Hi: v.hi(VMCS.GUEST_CR3), cr4: v.lo(VMCS.GUEST_CR4), efer, plat: cpu.plat };
    }
    // L2 runs: L1 resumes with the host-state area (SDM §28.5.1; host address-space size gives LMA/LME).
    const exit = v.lo(VMCS.VM_EXIT_CONTROLS);
    const efer = exit & EXIT.LOAD_IA32_EFER ? v.lo(VMCS.HOST_IA32_EFER) : exit & EXIT.HOST_ADDRESS_SPACE_SIZE ? EFER_LMA | EFER_LME : 0;
    return { cr0: v.lo(VMCS.HOST_CR0), cr3: v.lo(VMCS.HOST_CR3), cr3Hi: v.hi(VMCS.HOST_CR3), cr4: v.lo(VMCS.HOST_CR4), efer, plat: cpu.plat };
  }
  const svm = svmView(cpu);
  const r = svm ? (level === 2 ? svm.vmcb12 : svm.vmcb01) : undefined;
  if (!r) return `L${level} paging is unknown on this vCPU now`;
  return {
    cr0: u32(r, VMCB_OFF.CR0), cr3: u32(r, VMCB_OFF.CR3), cr3Hi: u32(r, VMCB_OFF.CR3 + 4),
    cr4: u32(r, VMCB_OFF.CR4), efer: u32(r, VMCB_OFF.EFER), plat: cpu.plat,
  };
}

/** L2 guest-physical -> L1 guest-physical, or a reason it cannot be translated. */
function l2gpaToGpa(cpu: Cpu, gpa: number): number | string {
  const vmx = vmxStateOf(cpu);
  if (vmx?.hasCurrentVmcs) {
    const v = vmx.vmcs12;
    const ept = (v.lo(VMCS.CPU_BASED_VM_EXEC_CONTROL) & PRIMARY.ACTIVATE_SECONDARY_CONTROLS) !== 0
      && (v.lo(VMCS.SECONDARY_VM_EXEC_CONTROL) & SECONDARY.ENABLE_EPT) !== 0;
    if (!ept) return gpa;
    // L1's EPT12, walked in L1-physical memory without setting accessed/dirty flags (vmx/ept.ts).
    const mem = cpu.plat.mem;
    const ram = { read: (a: number, size: 4) => (mem.isRam(a) && mem.isRam(a + size - 1) ? mem.read(a, size) : 0), write: () => {} };
    const eptp = decodeEptp(v.lo(VMCS.EPT_POINTER), v.hi(VMCS.EPT_POINTER));
    const w = eptWalk(ram, eptCapsOf(vmx.caps), eptp, gpa, 0, false);
    return w.outcome === EptOutcome.Ok ? w.hpa : `L2 guest-physical 0x${gpa.toString(16)} is not mapped by VMCS12's EPT (${w.detail})`;
  }
  const svm = svmView(cpu);
  if (svm?.vmcb12 && (u32(svm.vmcb12, VMCB_OFF.NESTED_CTL) & NESTED_CTL_NP_ENABLE) !== 0) {
    return 'L2 guest-physical addresses through VMCB12\'s nested page table are not translated by the debugger yet';
  }
  return gpa;
}

/** Translates one byte address of `ref.space` to machine-physical, or a reason. */
function toPhys(cpu: Cpu, space: AddressSpace | null, addr: number): number | string {
  switch (space) {
    case 'gpa': return addr;
    case 'l2gpa': return l2gpaToGpa(cpu, addr);
    case null: case 'l1': case 'l2': {
      const p = space === null ? cpu : pagingOf(cpu, space === 'l1' ? 1 : 2);
      if (typeof p === 'string') return p;
      // An L2 page walk reads L2 guest-physical addresses (CR3, the entries)
      // and yields one: each through VMCS12's EPT (SDM vol 3C 29.3).
      let why: string | undefined;
      const l2 = space === 'l2' || (space === null && runningLevel(cpu) === 2);
      const stage2 = l2 ? (gpa: number): number | null => {
        const r = l2gpaToGpa(cpu, gpa);
        if (typeof r === 'string') { why = r; return null; }
        return r;
      } : null;
      const phys = peekTranslate(p, addr, stage2);
      if (phys === null) return `${space ? SPACE_TITLE[space] : 'virtual'} 0x${addr.toString(16)} is not mapped${why ? `: ${why}` : ''}`;
      return phys;
    }
  }
}

/** Address of a reference as the folded 48-bit form the core uses for virtual addresses (x86/canon.ts). */
function startOf(ref: MemRef): number {
  return ref.space === 'gpa' || ref.space === 'l2gpa' ? Number(ref.address) : Number(ref.address & 0xffff_ffff_ffffn);
}

export interface Resolved {
  pieces: PhysPiece[];
  /** Leading bytes that are mapped RAM. */
  readable: number;
  /** Why byte `readable` is not (when readable < length). */
  problem?: string;
}

/** Physical pieces behind `len` bytes at `ref`, stopping at the first byte that is not mapped RAM. */
export function resolveMemory(cpu: Cpu, ref: MemRef, len: number): Resolved {
  const mem = cpu.plat.mem;
  const start = startOf(ref);
  const pieces: PhysPiece[] = [];
  let i = 0;
  while (i < len) {
    const a = start + i;
    const phys = toPhys(cpu, ref.space, a);
    if (typeof phys === 'string') return { pieces, readable: i, problem: phys };
    const n = Math.min(len - i, 4096 - (a % 4096), 4096 - (phys % 4096));
    let k = 0;
    while (k < n && mem.isRam(phys + k)) k++;
    if (k > 0) {
      const last = pieces[pieces.length - 1];
      if (last && last.phys + last.len === phys) last.len += k;
      else pieces.push({ phys, len: k });
    }
    i += k;
    if (k < n) return { pieces, readable: i, problem: `physical 0x${(phys + k).toString(16)} is not RAM` };
  }
  return { pieces, readable: i };
}

/** Reads `len` bytes at `ref` (as many leading bytes as are readable). */
export function readMemoryRef(cpu: Cpu, ref: MemRef, len: number): { data: Uint8Array; readable: number; problem?: string } {
  const r = resolveMemory(cpu, ref, len);
  const data = new Uint8Array(r.readable);
  let k = 0;
  for (const p of r.pieces) for (let j = 0; j < p.len; j++) data[k++] = cpu.plat.mem.read8(p.phys + j);
  return { data, readable: r.readable, problem: r.problem };
}

/** Writes bytes at `ref` (RAM only); decoded code of every vCPU is dropped. Returns bytes written. */
export function writeMemoryRef(cpus: readonly Cpu[], cpu: Cpu, ref: MemRef, bytes: Uint8Array): number {
  const r = resolveMemory(cpu, ref, bytes.length);
  let k = 0;
  for (const p of r.pieces) for (let j = 0; j < p.len; j++) cpu.plat.mem.write8(p.phys + j, bytes[k++]);
  if (k > 0) for (const c of cpus) c.flushCodeCache();
  return k;
}

/** Little-endian read of 1..8 bytes at `ref` as [lo, hi], or a reason it is unreadable. */
export function readHalvesRef(cpu: Cpu, ref: MemRef, size: number): [number, number] | string {
  const r = readMemoryRef(cpu, ref, size);
  if (r.readable < size) return r.problem ?? 'not readable';
  let lo = 0, hi = 0;
  for (let k = Math.min(size, 4) - 1; k >= 0; k--) lo = lo * 256 + r.data[k];
  for (let k = size - 1; k >= 4; k--) hi = hi * 256 + r.data[k];
  return [lo >>> 0, hi >>> 0];
}

/** At most this much per readMemory (a hex view asks for pages, not gigabytes). */
const MAX_READ = 1 << 20;

/** The body of a DAP readMemory of `args` on `cpu`. */
export function readMemoryBody(cpu: Cpu, args: DebugProtocol.ReadMemoryArguments): DebugProtocol.ReadMemoryResponse['body'] {
  const ref = parseMemoryReference(args.memoryReference);
  const at: MemRef = { space: ref.space, address: ref.address + BigInt(args.offset ?? 0) };
  if (at.address < 0n) throw new MemoryReferenceError(`offset ${args.offset} goes below address 0`);
  const count = Math.max(0, Math.min(args.count, MAX_READ));
  const r = readMemoryRef(cpu, at, count);
  return {
    address: formatMemoryReference(at.space, at.address),
    data: Buffer.from(r.data.buffer, r.data.byteOffset, r.readable).toString('base64'),
    unreadableBytes: count - r.readable,
  };
}

/** Performs a DAP writeMemory; refuses a partial write unless allowPartial. */
export function writeMemoryBody(cpus: readonly Cpu[], cpu: Cpu, args: DebugProtocol.WriteMemoryArguments): DebugProtocol.WriteMemoryResponse['body'] & { bytesWritten: number } {
  const ref = parseMemoryReference(args.memoryReference);
  const at: MemRef = { space: ref.space, address: ref.address + BigInt(args.offset ?? 0) };
  const data = new Uint8Array(Buffer.from(args.data, 'base64'));
  const r = resolveMemory(cpu, at, data.length);
  if (r.readable < data.length && !args.allowPartial) {
    throw new MemoryReferenceError(`cannot write ${data.length} bytes at ${formatMemoryReference(at.space, at.address)}: only ${r.readable} are mapped RAM (${r.problem})`);
  }
  const n = writeMemoryRef(cpus, cpu, at, data.subarray(0, r.readable));
  return { bytesWritten: n, offset: args.offset ?? 0 };
}
