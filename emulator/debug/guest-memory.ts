// Guest memory as the debugger sees it: linear addresses of one vCPU,
// translated with that vCPU's paging structures but without any effect on
// the run. The CPU's own translation fills TLBs and sets accessed/dirty bits
// (SDM vol 3A, 4.8), and a device register read can have side effects; a
// debugger that looks at memory must do neither, or a run with the debugger
// attached would differ from one without it. So: a read-only page walk of
// our own, RAM only (MMIO is reported unreadable), and writes that keep the
// decoded-code caches coherent.
//
// While a vCPU runs a guest under a second stage (L2 under EPT, SDM vol 3C
// 29.3), its CR3 and every paging-structure entry hold guest-physical
// addresses, and so does the walk's result: each goes through the second
// stage's side-effect-free lookup (Stage2.peek: EPT12 for L2, l0/vmx-ept02.ts).
import type { Cpu } from '../x86/cpu';
import type { PhysicalMemory } from '../mem/physmem';
import type { Stage2 } from '../x86/mmu';
import { CR0_PG, CR4_PAE, CR4_PSE, EFER_LMA } from '../x86/regs';

const TWO32 = 0x1_0000_0000;
const PAGE = 4096;

/** Reads a RAM dword without touching MMIO; null when the address is not RAM. */
function ramDword(mem: PhysicalMemory, addr: number): number | null {
  if (!mem.isRam(addr) || !mem.isRam(addr + 3)) return null;
  return mem.read(addr, 4);
}

/** Guest-physical -> host-physical without side effects; null when unmapped. */
export type PeekStage2 = (gpa: number) => number | null;

/**
 * The paging registers a walk reads: a Cpu has them; so can a view of a
 * suspended level (VMCS/VMCB state), which has no MMU.
 */
export interface PagingRegs {
  cr0: number; cr3: number; cr3Hi: number; cr4: number; efer: number;
  plat: { mem: PhysicalMemory };
  mmu?: { readonly stage2: Stage2 | null; readonly pdptes: Uint32Array | null };
}

/**
 * The second stage the vCPU runs under now, as a lookup; null: none. A
 * second stage without a side-effect-free lookup is taken as the identity
 * (the debugger's view before second stages had one).
 */
export function stage2Of(p: PagingRegs): PeekStage2 | null {
  const s2 = p.mmu?.stage2;
  if (!s2) return null;
  return s2.peek ? (gpa) => s2.peek!(gpa) : (gpa) => gpa;
}

/**
 * Linear -> physical for the debugger (SDM vol 3A, 4.3 / 4.4 / 4.5), or null
 * when the address is not mapped. No permission checks: the debugger may look
 * at supervisor pages and write read-only ones, as gdb does. `stage2`: the
 * guest-physical -> host-physical lookup for CR3, the entries and the result
 * (default: the vCPU's own second stage, stage2Of; null: none).
 */
export function peekTranslate(cpu: PagingRegs, lin: number, stage2: PeekStage2 | null = stage2Of(cpu)): number | null {
  const mem = cpu.plat.mem;
  const host = stage2 ?? ((gpa: number): number | null => gpa);
  /** A dword of a paging structure at guest-physical `gpa`. */
  const entry = (gpa: number): number | null => {
    const h = host(gpa);
    return h === null ? null : ramDword(mem, h);
  };
  if ((cpu.cr0 & CR0_PG) === 0) return host(lin);
  if ((cpu.cr4 & CR4_PAE) === 0) {
    const pdeAddr = (cpu.cr3 & 0xfffff000) + (Math.floor(lin / 0x400000) % 1024) * 4;
    const pde = entry(pdeAddr);
    if (pde === null || (pde & 1) === 0) return null;
    if ((pde & 0x80) && (cpu.cr4 & CR4_PSE)) {
      const base = (pde & 0xffc00000) >>> 0;
      return host(base + ((pde >>> 13) & 0xff) * TWO32 + (lin % 0x400000));
    }
    const pteAddr = ((pde & 0xfffff000) >>> 0) + (Math.floor(lin / PAGE) % 1024) * 4;
    const pte = entry(pteAddr);
    if (pte === null || (pte & 1) === 0) return null;
    return host(((pte & 0xfffff000) >>> 0) + (lin % PAGE));
  }
  let table: number;
  let level: number;
  if (cpu.efer & EFER_LMA) {
    table = ((cpu.cr3 & 0xfffff000) >>> 0) + (cpu.cr3Hi & 0xfffff) * TWO32;
    level = 4;
  } else {
    // PAE: PDPTE chosen by bits 31:30 (SDM vol 3A, 4.4.1) - from the PDPTE
    // registers when a VM entry loaded them from the VMCS (vol 3C §27.3.2.4).
    const k = Math.floor(lin / 0x40000000) % 4;
    const regs = cpu.mmu?.pdptes ?? null;
    const addr = ((cpu.cr3 & 0xffffffe0) >>> 0) + k * 8;
    const lo = regs ? regs[2 * k] : entry(addr);
    const hi = regs ? regs[2 * k + 1] : entry(addr + 4);
    if (lo === null || hi === null || (lo & 1) === 0) return null;
    table = ((lo & 0xfffff000) >>> 0) + (hi & 0xfffff) * TWO32;
    level = 2;
  }
  for (;;) {
    const shift = 12 + 9 * (level - 1);
    const span = 2 ** shift;
    const idx = Math.floor(lin / span) % 512;
    const lo = entry(table + idx * 8);
    const hi = entry(table + idx * 8 + 4);
    if (lo === null || hi === null || (lo & 1) === 0) return null;
    const base = ((lo & 0xfffff000) >>> 0) + (hi & 0xfffff) * TWO32;
    if (level === 1) return host(base + (lin % PAGE));
    if ((lo & 0x80) && level < 4) return host(base - (base % span) + (lin % span));
    table = base;
    level--;
  }
}

/** Bytes read from guest memory; `readable` is how many leading bytes could be read. */
export interface MemoryRead { data: Uint8Array; readable: number }

/**
 * Reads `len` bytes at a linear address; stops at the first unmapped or
 * non-RAM byte. `cpu`: the vCPU, or the paging registers of a suspended
 * level (then `stage2` says its second stage, default none).
 */
export function readLinear(cpu: PagingRegs, lin: number, len: number, stage2: PeekStage2 | null = stage2Of(cpu)): MemoryRead {
  const mem = cpu.plat.mem;
  const data = new Uint8Array(len);
  let i = 0;
  while (i < len) {
    const a = lin + i;
    const phys = peekTranslate(cpu, a, stage2);
    if (phys === null) break;
    const n = Math.min(len - i, PAGE - (a % PAGE));
    let k = 0;
    for (; k < n; k++) {
      if (!mem.isRam(phys + k)) break;
      data[i + k] = mem.read8(phys + k);
    }
    i += k;
    if (k < n) break;
  }
  return { data: i === len ? data : data.subarray(0, i), readable: i };
}

/** Reads one byte for the decoder, or throws when it is not readable. */
export function fetchByte(cpu: Cpu, lin: number): number {
  const r = readLinear(cpu, lin, 1);
  if (r.readable === 0) throw new RangeError(`no memory at 0x${lin.toString(16)}`);
  return r.data[0];
}

/** Little-endian unsigned read of 1..8 bytes as [lo, hi] halves, or null. */
export function readHalves(cpu: PagingRegs, lin: number, size: number): [number, number] | null {
  const r = readLinear(cpu, lin, size);
  if (r.readable < size) return null;
  let lo = 0, hi = 0;
  for (let k = Math.min(size, 4) - 1; k >= 0; k--) lo = lo * 256 + r.data[k];
  for (let k = size - 1; k >= 4; k--) hi = hi * 256 + r.data[k];
  return [lo >>> 0, hi >>> 0];
}

/**
 * Writes bytes at a linear address (RAM only). Returns how many bytes were
 * written. Every vCPU drops its decoded blocks, so patched code runs as
 * written (PhysicalMemory also notifies the owner of a decoded page).
 */
export function writeLinear(cpus: readonly Cpu[], cpu: Cpu, lin: number, bytes: Uint8Array): number {
  const mem = cpu.plat.mem;
  let i = 0;
  for (; i < bytes.length; i++) {
    const phys = peekTranslate(cpu, lin + i);
    if (phys === null || !mem.isRam(phys)) break;
    mem.write8(phys, bytes[i]);
  }
  if (i > 0) for (const c of cpus) c.flushCodeCache();
  return i;
}
