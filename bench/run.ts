// `npm run bench`: guest instructions per second on the benchmark kernels,
// under nestvirt and — same binary, same iteration count — under QEMU TCG
// (and Bochs when it can boot them). Never part of `npm test`.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Machine } from '../emulator/machine/machine';

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

function fmt(ips: number): string { return `${(ips / 1e6).toFixed(1)} M instr/s`; }

function main(): void {
  build();
  const plan: [string, number][] = [['intloop', Number(process.env.BENCH_INT_ITERS ?? 3_000_000)], ['memloop', Number(process.env.BENCH_MEM_ITERS ?? 1_000_000)]];
  const haveQemu = spawnSync('qemu-system-x86_64', ['--version']).status === 0;
  console.log('benchmark        iterations   instructions   nestvirt            QEMU TCG            ratio');
  for (const [name, iters] of plan) {
    runNestvirt(name, Math.max(1, Math.floor(iters / 20))); // warm up the JIT
    const r = runNestvirt(name, iters);
    const ips = r.instructions / (r.ms / 1000);
    let qcol = 'not installed', ratio = '';
    if (haveQemu) {
      // QEMU's start-up time is measured with a 1-iteration run and subtracted;
      // QEMU runs the same binary, so it retires the same instruction count.
      const base = qemuSeconds(name, 1);
      const full = qemuSeconds(name, iters);
      if (base && full) {
        if (full.serial !== r.serial) console.log(`  note: QEMU printed "${full.serial}", nestvirt "${r.serial}"`);
        const qips = r.instructions / Math.max(1e-3, full.s - base.s);
        qcol = fmt(qips);
        ratio = `${(ips / qips).toFixed(2)}x QEMU`;
      }
    }
    console.log(`${name.padEnd(16)} ${String(iters).padStart(10)} ${String(r.instructions).padStart(14)}   ${fmt(ips).padEnd(19)} ${qcol.padEnd(19)} ${ratio}`);
  }
  console.log('Bochs: not run — it has no multiboot -kernel loader; booting these kernels needs a disk image with a boot loader.');
}

main();
