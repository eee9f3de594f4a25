// Exception and interrupt delivery (SDM vol 3A, chapter 6). Minimal thin-path
// version: the system module replaces it with delivery in every mode.
import type { Cpu, CpuHooks } from '../cpu';
import { Stop } from '../cpu';
import { CpuFault } from '../fault';

export const hooks: CpuHooks = {
  deliverFault(cpu: Cpu, f: CpuFault): void {
    cpu.plat.events.emit({ kind: 'exception', vcpu: cpu.id, vector: f.vector, errorCode: f.errorCode >= 0 ? f.errorCode : undefined, rip: cpu.rip, icount: cpu.icount });
    cpu.plat.events.emit({ kind: 'triple-fault', vcpu: cpu.id, rip: cpu.rip, icount: cpu.icount, reason: `exception ${f.vector} not delivered (thin path): ${f.detail}` });
    cpu.requestStop(Stop.TripleFault);
  },
  checkInterrupts(_cpu: Cpu): void {},
};
