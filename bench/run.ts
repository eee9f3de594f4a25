// `npm run bench`: guest instructions per second on the benchmark kernels,
// under nestvirt and — same binary, same iteration count — under QEMU TCG
// (and Bochs when it can boot them). Never part of `npm test`.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Machine } from '../emulator/machine/machine';
import { runBochs } from './bochs/run-bochs';

const root = path.join(__dirname, '..', '..');
const kdir = path.join(root, 'bench', 'kernels');

interface Result { name: string; iters: number; instructions: number; ms: number; serial: string }

function build(): void {
  const r = spawnSync('make', ['-s', '-C', kdir], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('building the benchmark kernels failed (gcc, make and binutils are needed)');
}

function runNestvirt(name: string, iters: number): Result {
  const file = path.join(kdir, 'build', `${name}.elf`);
  let serial = '';
  const m = new Machine({ kernelPath: file, kernel: new Uint8Array(fs.readFileSync(file)), append: `iters=${iters}`, serialOut: (t) => { serial += t; } });
  const t0 = process.hrtime.bigint();
  const end = m.run(5e9);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (end.kind !== 'debug-exit') throw new Error(`${name}: run ended with ${JSON.stringify(end)}; serial: ${serial}`);
  return { name, iters, instructions: m.instructions, ms, serial: serial.trim() };
}

function qemuSeconds(name: string, iters: number): { s: number; serial: string } | null {
  const file = path.join(kdir, 'build', `${name}.elf`);
  const args = ['-accel', 'tcg', '-kernel', file, '-serial', 'stdio', '-display', 'none', '-no-reboot',
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=4', '-append', `iters=${iters}`, '-m', '256M'];
  const t0 = process.hrtime.bigint();
  const r = spawnSync('qemu-system-x86_64', args, { encoding: 'utf8', timeout: 300000 });
  if (r.error) return null;
  return { s: Number(process.hrtime.bigint() - t0) / 1e9, serial: (r.stdout || '').trim() };
}

/**
 * Nested round trips per second: examples/vmx-exits runs an L2 CPUID loop
 * under a real L1 (L2 -> L0 -> L1 -> VMRESUME -> L2). Boot and set-up are
 * removed by subtracting a short run. QEMU TCG has no VMX, so no comparison.
 */
function nestedRoundTrips(): void {
  const file = path.join(root, 'examples', 'build', 'vmx-exits.elf');
  const r = spawnSync('make', ['-s', '-C', path.join(root, 'examples')], { stdio: 'inherit' });
  if (r.status !== 0 || !fs.existsSync(file)) { console.log('vmx-exits: not built'); return; }
  const timed = (iters: number): number => {
    const m = new Machine({ kernelPath: file, kernel: new Uint8Array(fs.readFileSync(file)), append: `iters=${iters}`, cpu: 'max' });
    const t0 = process.hrtime.bigint();
    const end = m.run(5e9);
    if (end.kind !== 'debug-exit' || end.value !== 0) throw new Error(`vmx-exits: run ended with ${JSON.stringify(end)}`);
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  const n = Number(process.env.BENCH_VMX_ITERS ?? 100000);
  timed(n / 10); // warm-up
  const s = timed(n) - timed(1);
  console.log(`nested VMX round trips (L2 CPUID -> L1 -> VMRESUME): ${n} in ${s.toFixed(2)} s = ${Math.round(n / s).toLocaleString('en-US')} per second (QEMU TCG: no VMX)`);
}

function fmt(ips: number): string { return `${(ips / 1e6).toFixed(1)} M instr/s`; }

function main(): void {
  build();
  const plan: [string, number][] = [['intloop', Number(process.env.BENCH_INT_ITERS ?? 3_000_000)], ['memloop', Number(process.env.BENCH_MEM_ITERS ?? 1_000_000)]];
  const haveQemu = spawnSync('qemu-system-x86_64', ['--version']).status === 0;
  const haveBochs = spawnSync('bochs', ['--help'], { stdio: 'ignore' }).status === 0;
  const bochsLines: string[] = [];
  console.log('benchmark        iterations   instructions   nestvirt            QEMU TCG            ratio');
  for (const [name, iters] of plan) {
    const small = runNestvirt(name, Math.max(1, Math.floor(iters / 20))); // also warms up the JIT
    const r = runNestvirt(name, iters);
    const ips = r.instructions / (r.ms / 1000);
    // Instructions per iteration from the two runs: the same binary retires the
    // same instructions in any emulator, so QEMU's count follows from its iterations.
    const perIter = (r.instructions - small.instructions) / (iters - small.iters);
    let qcol = 'not installed', ratio = '';
    if (haveQemu) {
      // QEMU is much faster per instruction: give it enough iterations to run for
      // seconds, and subtract its start-up time (a 1-iteration run).
      const qiters = iters * (name === 'intloop' ? 40 : 8);
      const base = qemuSeconds(name, 1);
      const full = qemuSeconds(name, qiters);
      if (base && full) {
        const qips = (perIter * (qiters - 1)) / Math.max(1e-3, full.s - base.s);
        qcol = fmt(qips);
        ratio = `${(ips / qips).toFixed(2)}x QEMU`;
      }
      const check = qemuSeconds(name, iters);
      if (check && check.serial !== r.serial) console.log(`  MISMATCH: QEMU printed "${check.serial}", nestvirt "${r.serial}"`);
    }
    console.log(`${name.padEnd(16)} ${String(iters).padStart(10)} ${String(r.instructions).padStart(14)}   ${fmt(ips).padEnd(19)} ${qcol.padEnd(19)} ${ratio}`);
    if (haveBochs) {
      // Bochs boots the same ELF through bench/bochs/loader.S; time is counted
      // from the kernel's entry (BIOS and loader excluded), by Bochs' CPU time
      // (steadier than the wall clock on a shared machine).
      const biters = iters * (name === 'intloop' ? 4 : 2);
      try {
        const b = runBochs(path.join(kdir, 'build', `${name}.elf`), `bench iters=${biters}`, { timeoutMs: 600000 });
        const bips = (perIter * biters) / Math.max(1e-3, b.cpuSeconds - b.entryCpuSeconds);
        bochsLines.push(`${name.padEnd(16)} ${String(biters).padStart(10)}   Bochs ${fmt(bips).padEnd(19)} nestvirt/Bochs ${(ips / bips).toFixed(2)}x`);
      } catch (e) {
        bochsLines.push(`${name.padEnd(16)} Bochs failed: ${(e as Error).message.split('\n')[0]}`);
      }
    }
  }
  for (const l of bochsLines) console.log(l);
  nestedRoundTrips();
  (require('./nested-svm') as typeof import('./nested-svm')).nestedSvmRoundTrips(); // bench/nested-svm.ts
  if (!haveBochs) console.log('Bochs: not installed');
}

main();
(require('./adapter') as typeof import('./adapter')).adapterBench().catch((e: Error) => { console.error(e); process.exitCode = 1; }); // bench/adapter.ts
