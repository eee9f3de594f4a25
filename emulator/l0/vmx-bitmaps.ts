// L1's I/O and MSR bitmaps, read from L1 memory when L2 executes I/O or
// RDMSR/WRMSR (SDM vol 3C §25.6.4 I/O bitmaps, §25.6.9 MSR bitmaps, §26.1.3).
// The entry checks made the addresses 4-KByte aligned and inside the
// physical-address width, but nothing makes them RAM: a hostile L1 may point
// them at nothing. Reads of physical addresses without memory return all
// ones (the bus floats, as PhysicalMemory models it), so every bit reads 1
// and the access exits to L1 - the architectural result - and L0 says why
// once in a diagnostic.
import type { Cpu } from '../x86/cpu';
import { VMCS } from '../vmx/fields';
import type { Vmcs } from '../vmx/vmcs';
import { getU64 } from './vmx-u64';

const F = VMCS;

/** One bit of a bitmap page in L1 memory; all-ones (with a diagnostic) where there is no RAM. */
function bitmapBit(cpu: Cpu, page: number, bit: number, what: string): boolean {
  const mem = cpu.plat.mem;
  const addr = page + (bit >>> 3);
  if (!mem.isRam(addr)) {
    cpu.plat.events.diagnoseOnce(`vmx-bitmap:${what}:${page}`, {
      kind: 'diagnostic', code: 'vmx-bitmap', icount: cpu.icount, vcpu: cpu.id, rip: cpu.rip,
      message: `VMCS12 ${what} at 0x${page.toString(16)} is not backed by memory: its bits read as 1, so the access exits to L1 (SDM 25.6.4/25.6.9)`,
    });
  }
  return ((mem.read8(addr) >>> (bit & 7)) & 1) === 1;
}

/**
 * §26.1.3 "use I/O bitmaps": an I/O instruction exits if the bit of any port
 * it touches (port .. port + size - 1) is 1 in bitmap A (0000H-7FFFH) or B
 * (8000H-FFFFH), or if the range wraps past FFFFH.
 */
export function ioBitmapSays(cpu: Cpu, v12: Vmcs, port: number, size: number): boolean {
  if (port + size - 1 > 0xffff) return true;
  for (let p = port; p < port + size; p++) {
    const enc = p < 0x8000 ? F.IO_BITMAP_A : F.IO_BITMAP_B;
    if (bitmapBit(cpu, getU64(v12, enc), p & 0x7fff, p < 0x8000 ? 'I/O bitmap A' : 'I/O bitmap B')) return true;
  }
  return false;
}

/**
 * §25.6.9 / §26.1.3 "use MSR bitmaps": read-low (offset 0), read-high (1024),
 * write-low (2048), write-high (3072) cover MSRs 0-1FFFH and
 * C0000000H-C0001FFFH; any other ECX always exits.
 */
export function msrBitmapSays(cpu: Cpu, v12: Vmcs, ecx: number, write: boolean): boolean {
  const msr = ecx >>> 0;
  let base: number;
  if (msr <= 0x1fff) base = 0;
  else if (msr >= 0xc0000000 && msr <= 0xc0001fff) base = 1024;
  else return true;
  if (write) base += 2048;
  return bitmapBit(cpu, getU64(v12, F.MSR_BITMAP) + base, msr & 0x1fff, 'MSR bitmap');
}
