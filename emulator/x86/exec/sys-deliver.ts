// One attempt to deliver an event through the IVT/IDT (SDM vol 3A, 6.12,
// 6.14 and 20.1.4; vol 2A "INT n/INTO/INT3/INT1" pseudocode). Throws a
// CpuFault when the delivery itself faults; interrupts.ts applies the
// double-fault rules around it. State changes only after every check passed.
import type { Cpu } from '../cpu';
import { CpuFault } from '../fault';
import { getFlags } from '../flags';
import { foldedHi } from '../canon';
import { CpuMode, AR_DB, AR_L } from '../state';
import { CS, SS, TR, TF, IF, NT, RF, VM, AC, EFER_LMA } from '../regs';
import {
  desc, readDescriptor, arOf, limitOf, baseOf, dplOf, isCode, isData, isConforming, present, linAdd, setAccessed,
  commitCs, loadFromDesc, loadNull, SYS_TASKGATE, SYS_INTGATE16, SYS_TRAPGATE16, SYS_INTGATE, SYS_TRAPGATE,
} from '../segments';
import { frameReset, framePush, framePlaceLegacy, framePlace64, frameWrite, frameRspHi } from './sys-stack';

const TWO32 = 0x1_0000_0000;

/** Event types, numbered as the VMX interruption-information field does (SDM vol 3C, 24.8.3 table 24-16). */
export const enum EventType { External = 0, Nmi = 2, HwException = 3, SoftInt = 4, PrivSoftException = 5, SoftException = 6 }

/**
 * EXT (error-code bit 0) is set when the fault happened while delivering an
 * event external to the program: an interrupt, NMI, hardware exception or
 * INT1 (SDM vol 3A, 6.13; vol 2A INT n: "EXT is 1 for INT1").
 */
function extOf(type: EventType): number {
  return type === EventType.SoftInt || type === EventType.SoftException ? 0 : 1;
}

/**
 * Delivers `vector`. `ret` is the return RIP pushed (the faulting instruction
 * for faults, the next one for traps and interrupts), `errorCode` < 0 for
 * none, `rf` forces RF=1 in the pushed RFLAGS image (fault-class exceptions,
 * SDM vol 3A, 17.3.1.1). On success RIP points at the handler.
 */
export function deliverOnce(cpu: Cpu, vector: number, type: EventType, errorCode: number, ret: number, rf: boolean): void {
  let flags = getFlags(cpu);
  if (rf) flags |= RF;
  if (cpu.mode === CpuMode.Real) deliverReal(cpu, vector, ret, flags);
  else if (cpu.efer & EFER_LMA) deliverLong(cpu, vector, type, errorCode, ret, flags);
  else deliverProt(cpu, vector, type, errorCode, ret, flags);
  cpu.nextRip = cpu.rip;
  cpu.halted = false;
  cpu.shadowUntil = -1;
  cpu.exitBlock = true;
}

// ----------------------------------------------------------------- real mode

/** Real-address mode: IVT entry vector*4 holds IP:CS; push FLAGS, CS, IP (SDM vol 3A, 20.1.4). */
function deliverReal(cpu: Cpu, vector: number, ret: number, flags: number): void {
  const off = vector * 4;
  // SDM vol 2A, INT n (REAL-ADDRESS-MODE): #GP when the vector is past the IDT limit.
  if (off + 3 > cpu.idtrLimit) throw new CpuFault(13, 0, 0, `vector ${vector} beyond the IVT limit`);
  const entry = cpu.readSys((cpu.idtrBase + off) % TWO32, 4);
  const ssAr = cpu.segAr[SS];
  const sp = ssAr & AR_DB ? cpu.regs[8] >>> 0 : cpu.regs[8] & 0xffff;
  frameReset();
  framePush(flags & 0xffff);
  framePush(cpu.segSel[CS]);
  framePush(ret & 0xffff);
  // Real mode ignores the limit's upper bits only when the limit is 64 KiB - 1; the cached limit applies otherwise.
  const nsp = framePlaceLegacy(cpu, cpu.segBase[SS], cpu.segLimit[SS], ssAr & ~0x4, sp, 2, 0, false);
  frameWrite(cpu, 2, false);
  cpu.setReg(4, ssAr & AR_DB ? 4 : 2, nsp);
  const cs = entry >>> 16;
  cpu.segSel[CS] = cs;
  cpu.segBase[CS] = cs << 4;
  // SDM vol 2A, INT n (REAL-ADDRESS-MODE): IF, TF and AC are cleared.
  cpu.flagsRest &= ~(IF | TF | AC);
  cpu.rip = entry & 0xffff;
}

// ------------------------------------------------- 16/32-bit protected mode

function deliverProt(cpu: Cpu, vector: number, type: EventType, ec: number, ret: number, flags: number): void {
  const ext = extOf(type);
  const soft = ext === 0 && type !== EventType.External;
  const idtErr = vector * 8 + 2 + ext; // IDT bit set (SDM vol 3A, 6.13)
  if (vector * 8 + 7 > cpu.idtrLimit) throw new CpuFault(13, idtErr, 0, `vector ${vector} beyond the IDT limit`);
  const ga = linAdd(cpu, cpu.idtrBase, vector * 8);
  const glo = cpu.readSys(ga, 4), ghi = cpu.readSys(ga + 4, 4);
  const gar = arOf(ghi);
  const gtype = gar & 0x1f;
  if (gtype === SYS_TASKGATE) {
    cpu.plat.events.diagnoseOnce(`ni:taskgate:${vector}`, {
      kind: 'diagnostic', code: 'not-implemented', icount: cpu.icount, vcpu: cpu.id, rip: cpu.rip,
      message: `not implemented: task gate in IDT entry ${vector} (hardware task switch); the guest gets #GP`,
    });
    throw new CpuFault(13, idtErr, 0, 'not implemented: task gate');
  }
  if (gtype !== SYS_INTGATE16 && gtype !== SYS_TRAPGATE16 && gtype !== SYS_INTGATE && gtype !== SYS_TRAPGATE) {
    throw new CpuFault(13, idtErr, 0, `IDT entry ${vector} is not an interrupt or trap gate`);
  }
  // SDM vol 3A, 6.12.1.1: INT n/INT3/INTO check the gate DPL against CPL.
  if (soft && dplOf(gar) < cpu.cpl) throw new CpuFault(13, vector * 8 + 2, 0, `gate DPL ${dplOf(gar)} < CPL ${cpu.cpl}`);
  if (!present(gar)) throw new CpuFault(11, idtErr, 0, `IDT entry ${vector} not present`);
  const gate32 = (gtype & 8) !== 0;
  const sel = glo >>> 16;
  const off = gate32 ? ((glo & 0xffff) | (ghi & 0xffff0000)) >>> 0 : glo & 0xffff;
  if ((sel & 0xfffc) === 0) throw new CpuFault(13, ext, 0, 'null code selector in gate');
  if (!readDescriptor(cpu, sel)) throw new CpuFault(13, (sel & 0xfffc) | ext, 0, 'gate code selector outside the descriptor table');
  const car = arOf(desc.hi);
  if (!isCode(car) || dplOf(car) > cpu.cpl) throw new CpuFault(13, (sel & 0xfffc) | ext, 0, 'gate target is not a code segment with DPL <= CPL');
  if (!present(car)) throw new CpuFault(11, (sel & 0xfffc) | ext, 0, 'gate target code segment not present');
  if (off > limitOf(desc.lo, desc.hi)) throw new CpuFault(13, ext, 0, 'handler offset beyond the code segment limit');
  if (cpu.flagsRest & VM) throw notImplementedV86(cpu);
  setAccessed(cpu);
  const cLo = desc.lo, cHi = desc.hi;
  const dpl = dplOf(car);
  const newCpl = !isConforming(car) && dpl < cpu.cpl ? dpl : cpu.cpl;
  const width = gate32 ? 4 : 2;
  const user = newCpl === 3;
  frameReset();
  let nsp: number, ssSel = 0, ssLo = 0, ssHi = 0, tssSp = 0;
  if (newCpl < cpu.cpl) {
    // Inter-privilege: SS:ESP for the new CPL from the TSS (SDM vol 3A, 6.12.1 and 7.2.1).
    const trAr = cpu.segAr[TR];
    const tss32 = (trAr & 8) !== 0;
    const at = tss32 ? (newCpl << 3) + 4 : (newCpl << 2) + 2;
    if (at + (tss32 ? 5 : 3) > cpu.segLimit[TR]) throw new CpuFault(10, (cpu.segSel[TR] & 0xfffc) | ext, 0, 'TSS too small for the stack of the new CPL');
    const tssAddr = linAdd(cpu, cpu.segBase[TR], at);
    tssSp = tss32 ? cpu.readSys(tssAddr, 4) : cpu.readSys(tssAddr, 2);
    ssSel = cpu.readSys(tssAddr + (tss32 ? 4 : 2), 2);
    checkTssStack(cpu, ssSel, newCpl, ext);
    setAccessed(cpu);
    ssLo = desc.lo; ssHi = desc.hi;
    framePush(cpu.segSel[SS]);
    framePush(cpu.regs[8]); // a 16-bit gate's 2-byte slot keeps SP, a 32-bit one the whole ESP
    framePush(width === 4 ? flags : flags & 0xffff);
    framePush(cpu.segSel[CS]);
    framePush(ret);
    if (ec >= 0) framePush(ec);
    nsp = framePlaceLegacy(cpu, baseOf(ssLo, ssHi), limitOf(ssLo, ssHi), arOf(ssHi), tssSp, width, (ssSel & 0xfffc) | ext, user);
  } else {
    const ar = cpu.segAr[SS];
    framePush(width === 4 ? flags : flags & 0xffff);
    framePush(cpu.segSel[CS]);
    framePush(ret);
    if (ec >= 0) framePush(ec);
    nsp = framePlaceLegacy(cpu, cpu.segBase[SS], cpu.segLimit[SS], ar, cpu.regs[8] >>> 0, width, ext, user);
  }
  // Commit.
  frameWrite(cpu, width, user);
  if (newCpl < cpu.cpl) {
    desc.lo = ssLo; desc.hi = ssHi;
    loadFromDesc(cpu, SS, ssSel);
    cpu.setReg(4, 4, tssSp);
  }
  cpu.setReg(4, cpu.segAr[SS] & AR_DB ? 4 : 2, nsp);
  desc.lo = cLo; desc.hi = cHi;
  commitCs(cpu, sel, newCpl);
  enterFlags(cpu, (gtype & 1) === 0);
  cpu.rip = off;
}

/** Checks of the SS loaded from the TSS (SDM vol 2A, INT n "INTER-PRIVILEGE-LEVEL-INTERRUPT"). */
function checkTssStack(cpu: Cpu, ssSel: number, cpl: number, ext: number): void {
  const e = (ssSel & 0xfffc) | ext;
  if ((ssSel & 0xfffc) === 0) throw new CpuFault(10, ext, 0, 'null SS in the TSS');
  if (!readDescriptor(cpu, ssSel) || (ssSel & 3) !== cpl) throw new CpuFault(10, e, 0, 'TSS SS selector invalid for the new CPL');
  const ar = arOf(desc.hi);
  if (dplOf(ar) !== cpl || !isData(ar) || (ar & 2) === 0) throw new CpuFault(10, e, 0, 'TSS SS is not a writable data segment with DPL = new CPL');
  if (!present(ar)) throw new CpuFault(12, e, 0, 'TSS stack segment not present');
}

// ------------------------------------------------------------- IA-32e mode

function deliverLong(cpu: Cpu, vector: number, type: EventType, ec: number, ret: number, flags: number): void {
  const ext = extOf(type);
  const soft = ext === 0 && type !== EventType.External;
  const idtErr = vector * 8 + 2 + ext;
  // 16-byte gates (SDM vol 3A, 6.14.1).
  if (vector * 16 + 15 > cpu.idtrLimit) throw new CpuFault(13, idtErr, 0, `vector ${vector} beyond the IDT limit`);
  const ga = linAdd(cpu, cpu.idtrBase, vector * 16);
  const d0 = cpu.readSys(ga, 4), d1 = cpu.readSys(ga + 4, 4), d2 = cpu.readSys(ga + 8, 4);
  const gar = arOf(d1);
  const gtype = gar & 0x1f;
  // Only 64-bit interrupt and trap gates exist in IA-32e mode (SDM vol 3A, 6.14.1).
  if (gtype !== SYS_INTGATE && gtype !== SYS_TRAPGATE) throw new CpuFault(13, idtErr, 0, `IDT entry ${vector} is not a 64-bit interrupt or trap gate`);
  if (soft && dplOf(gar) < cpu.cpl) throw new CpuFault(13, vector * 8 + 2, 0, `gate DPL ${dplOf(gar)} < CPL ${cpu.cpl}`);
  if (!present(gar)) throw new CpuFault(11, idtErr, 0, `IDT entry ${vector} not present`);
  const sel = d0 >>> 16;
  const offLo = ((d0 & 0xffff) | (d1 & 0xffff0000)) >>> 0;
  const offHi = d2 | 0;
  const ist = d1 & 7;
  if ((sel & 0xfffc) === 0) throw new CpuFault(13, ext, 0, 'null code selector in gate');
  if (!readDescriptor(cpu, sel)) throw new CpuFault(13, (sel & 0xfffc) | ext, 0, 'gate code selector outside the descriptor table');
  const car = arOf(desc.hi);
  if (!isCode(car) || dplOf(car) > cpu.cpl) throw new CpuFault(13, (sel & 0xfffc) | ext, 0, 'gate target is not a code segment with DPL <= CPL');
  // SDM vol 3A, 6.14.1: the target must be a 64-bit code segment (L=1, D=0).
  if (!(car & AR_L) || car & AR_DB) throw new CpuFault(13, (sel & 0xfffc) | ext, 0, 'gate target is not a 64-bit code segment');
  if (!present(car)) throw new CpuFault(11, (sel & 0xfffc) | ext, 0, 'gate target code segment not present');
  if (((offHi << 16) >> 16) !== offHi) throw new CpuFault(13, ext, 0, 'non-canonical handler address');
  setAccessed(cpu);
  const cLo = desc.lo, cHi = desc.hi;
  const dpl = dplOf(car);
  const newCpl = !isConforming(car) && dpl < cpu.cpl ? dpl : cpu.cpl;
  // Stack: IST if the gate names one, else RSPn on a privilege change, else the current RSP (SDM vol 3A, 6.14.4, 6.14.5).
  let spLo = cpu.regs[8] >>> 0, spHi = cpu.regs[9];
  if (ist !== 0 || newCpl < cpu.cpl) {
    const at = ist !== 0 ? 0x24 + (ist - 1) * 8 : 4 + newCpl * 8;
    if (at + 7 > cpu.segLimit[TR]) throw new CpuFault(10, (cpu.segSel[TR] & 0xfffc) | ext, 0, 'TSS too small for the IST/RSPn slot');
    const a = linAdd(cpu, cpu.segBase[TR], at);
    spLo = cpu.readSys(a, 4);
    spHi = cpu.readSys(a + 4, 4) | 0;
  }
  if (((spHi << 16) >> 16) !== spHi) throw new CpuFault(12, ext, 0, 'non-canonical stack pointer from the TSS');
  // SDM vol 3A, 6.14.2: RSP is aligned down to 16 bytes before the frame is pushed.
  spLo = (spLo & ~0xf) >>> 0;
  frameReset();
  framePush(cpu.segSel[SS]);
  framePush(cpu.regs[8], cpu.regs[9]);
  framePush(flags);
  framePush(cpu.segSel[CS]);
  framePush(ret >>> 0, cpu.mode === CpuMode.Long64 ? foldedHi(ret) : 0);
  if (ec >= 0) framePush(ec);
  const user = newCpl === 3;
  const nlo = framePlace64(cpu, spLo, spHi, 8, ext, user);
  const nhi = frameRspHi;
  // Commit.
  frameWrite(cpu, 8, user);
  // SDM vol 3A, 6.14.4: on a privilege change SS is loaded with a null selector whose RPL is the new CPL.
  if (newCpl < cpu.cpl) loadNull(cpu, SS, newCpl);
  cpu.regs[8] = nlo | 0; cpu.regs[9] = nhi;
  desc.lo = cLo; desc.hi = cHi;
  commitCs(cpu, sel, newCpl);
  enterFlags(cpu, (gtype & 1) === 0);
  cpu.rip = (offHi & 0xffff) * TWO32 + offLo;
}

/** RFLAGS on entry to a handler: TF, NT, RF, VM cleared; IF too through an interrupt gate (SDM vol 3A, 6.12.1.3). */
function enterFlags(cpu: Cpu, interruptGate: boolean): void {
  cpu.flagsRest &= ~(TF | NT | RF | VM | (interruptGate ? IF : 0));
}

function notImplementedV86(cpu: Cpu): CpuFault {
  cpu.plat.events.diagnoseOnce('ni:v86-delivery', {
    kind: 'diagnostic', code: 'not-implemented', icount: cpu.icount, vcpu: cpu.id, rip: cpu.rip,
    message: 'not implemented: event delivery from virtual-8086 mode; the guest gets #UD',
  });
  return new CpuFault(6, -1, 0, 'not implemented: virtual-8086 mode');
}
