// Builds vCPUs: the opcode table with handlers attached (once), the fallback
// handlers for undefined and unimplemented encodings, and the delivery hooks.
import { Cpu } from './cpu';
import { buildTables } from './decode/table';
import { installFallbackHandlers, DecodeTables } from './decode/decoder';
import { HANDLERS } from './exec/index';
import { hooks } from './exec/interrupts';
import { CpuFault } from './fault';
import { CpuPlatform } from './platform';
import { CpuModelLike } from './model';
import type { Insn } from './decode/insn';
import { hex64 } from './canon';

let tables: DecodeTables | null = null;

function bytesOf(cpu: Cpu, i: Insn): string {
  const out: string[] = [];
  try {
    const lin = cpu.ripLinear();
    for (let k = 0; k < i.len; k++) out.push(cpu.read8(lin + k).toString(16).padStart(2, '0'));
  } catch { /* unreadable: leave what we have */ }
  return out.join(' ');
}

/** Decoded but not implemented: the guest gets #UD and the user a diagnostic naming bytes, mnemonic and RIP. */
function notImplemented(cpu: Cpu, i: Insn): void {
  const what = i.invalid || `${i.entry.m}${i.entry.ops.length ? ' ' + i.entry.ops.join(',') : ''}`;
  cpu.plat.events.diagnoseOnce(`ni:${what}:${cpu.rip}`, {
    kind: 'diagnostic', code: 'not-implemented',
    message: `not implemented: ${what} (bytes ${bytesOf(cpu, i)}) at rip ${hex64(cpu.rip)}; the guest gets #UD`,
    icount: cpu.icount, vcpu: cpu.id, rip: cpu.rip,
  });
  throw new CpuFault(6, -1, 0, 'not implemented: ' + what);
}

function undefinedOpcode(_cpu: Cpu, i: Insn): void {
  throw new CpuFault(6, -1, 0, i.invalid || 'undefined opcode');
}

export function decodeTables(): DecodeTables {
  if (!tables) {
    installFallbackHandlers(notImplemented, undefinedOpcode);
    tables = buildTables(HANDLERS);
  }
  return tables;
}

export function createCpu(id: number, plat: CpuPlatform, model: CpuModelLike, apicId = id): Cpu {
  const cpu = new Cpu(id, plat, decodeTables(), model, apicId);
  cpu.hooks = hooks;
  return cpu;
}

