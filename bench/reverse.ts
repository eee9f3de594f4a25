// Reverse execution at the emulator API (emulator/debug/history.ts): the
// machine runs ~1e8 instructions forward (bench/kernels' intloop) taking
// periodic snapshots, then reverseTo finds the previous arrival at kmain's
// entry, 1e8 instructions back. Reports the forward overhead of history and
// the reverse time.
import * as fs from 'fs';
import * as path from 'path';
import { Machine } from '../emulator/machine/machine';
import { parseElf } from '../emulator/machine/elf';
import { History, drive } from '../emulator/debug/history';

const root = path.join(__dirname, '..', '..');

/** Times in CPU milliseconds of this process (steadier than wall time on a shared machine), and the reverse in wall time too. */
export interface ReverseBench { instructions: number; forwardMs: number; plainMs: number; reverseMs: number; reverseWallMs: number; snapshots: number; snapshotBytes: number }

function cpuMs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

/** `iters` intloop iterations (about 17 instructions each). */
export function reverseBench(iters = 6_000_000): ReverseBench {
  const file = path.join(root, 'bench', 'kernels', 'build', 'intloop.elf');
  const kernel = new Uint8Array(fs.readFileSync(file));
  const kmain = Number(parseElf(kernel).symbol('kmain')!.value);
  const boot = (): Machine => new Machine({ kernelPath: file, kernel, append: `iters=${iters}` });

  // The same run without history, for the overhead.
  const plain = boot();
  let c0 = process.cpuUsage();
  while (plain.run(100_000).kind === 'limit');
  const plainMs = cpuMs(c0);

  const m = boot();
  const h = new History(m);
  c0 = process.cpuUsage();
  for (;;) {
    // Slices as the debug adapter runs them, ending short of the final printf.
    const r = m.run(100_000);
    h.tick();
    if (r.kind !== 'limit' || m.instructions >= plain.instructions - 50_000) break;
  }
  const forwardMs = cpuMs(c0);
  c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const r = drive(h.reverseTo({ addresses: new Set([kmain]), atAddress: () => true }));
  const reverseMs = cpuMs(c0);
  const reverseWallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.kind !== 'found' || m.cpus[0].ripLinear() !== kmain) throw new Error(`reverse bench: did not land on kmain (${r.kind})`);
  return { instructions: plain.instructions, forwardMs, plainMs, reverseMs, reverseWallMs, snapshots: h.positions.length, snapshotBytes: h.bytes };
}

export function printReverseBench(b: ReverseBench): void {
  const mips = (ms: number): string => `${(b.instructions / ms / 1e3).toFixed(1)} M instr/s`;
  console.log(`history: forward ${b.instructions.toLocaleString('en-US')} instructions with snapshots ${b.forwardMs.toFixed(0)} ms CPU (${mips(b.forwardMs)}), without ${b.plainMs.toFixed(0)} ms (${mips(b.plainMs)}); ${b.snapshots} snapshots, ${(b.snapshotBytes / 1048576).toFixed(1)} MiB of pages`);
  console.log(`history: reverseTo across ${b.instructions.toLocaleString('en-US')} instructions: ${b.reverseMs.toFixed(0)} ms CPU, ${b.reverseWallMs.toFixed(0)} ms wall (target < 1000 ms)`);
}

if (require.main === module) printReverseBench(reverseBench(Number(process.env.BENCH_REVERSE_ITERS ?? 6_000_000)));
