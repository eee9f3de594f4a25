// `nestvirt run KERNEL ...` (headless: serial output on stdout, exit status
// from the guest's isa-debug-exit) and `nestvirt dap` (stdio DAP server).
// Flags follow QEMU where they overlap.
import { Command, CommanderError } from 'commander';
import * as fs from 'fs';
import { Machine, RunEnd } from '../emulator/machine/machine';
import { parseMemorySize } from '../emulator/machine/options';
import { LoadError } from '../emulator/machine/load-error';
import { CpuPolicyError } from '../emulator/x86/cpu-model';
import { openTrace } from './trace-output';
import { describeEnd, exitCodeOf } from '../emulator/debug/stop';
import { StdoutWriter } from './stdout-writer';

/** QEMU spells long options with one dash (-smp, -cpu, -append, -initrd). */
function normalizeArgs(argv: string[]): string[] {
  const single = new Set(['-smp', '-cpu', '-append', '-initrd', '-trace']);
  return argv.map((a) => (single.has(a) ? '-' + a : a));
}

class UsageError extends Error {}

function readFileOrFail(path: string, what: string): Uint8Array {
  try {
    const st = fs.statSync(path);
    if (st.isDirectory()) throw new UsageError(`${what} '${path}' is a directory`);
    return new Uint8Array(fs.readFileSync(path));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${what} '${path}': ${code === 'ENOENT' ? 'no such file' : code ?? String(e)}`);
  }
}

/**
 * Exit status (emulator/debug/stop.ts, shared with the debug adapter): the
 * value the guest wrote to isa-debug-exit, so exit(0) is success; with
 * --qemu-exit-status, QEMU's (value << 1) | 1 instead.
 */
function endOfRun(end: RunEnd, qemuStatus = false): { code: number; message: string | null } {
  if (end.kind === 'debug-exit') return { code: qemuStatus ? end.status & 0xff : exitCodeOf(end), message: null };
  return { code: exitCodeOf(end), message: describeEnd(end, '--max-instructions') };
}

export interface RunOptions {
  append?: string; initrd?: string; m?: string; smp?: string; cpu?: string;
  maxInstructions?: string; trace?: string; traceJson?: string; qemuExitStatus?: boolean;
}

export function runCommand(kernel: string, o: RunOptions): number {
  const image = readFileOrFail(kernel, 'kernel');
  const modules = (o.initrd ? o.initrd.split(',') : []).filter((s) => s.length).map((spec) => {
    const file = spec.split(' ')[0];
    return { path: spec, data: readFileOrFail(file, 'initrd module') };
  });
  const smp = o.smp === undefined ? 1 : Number(o.smp);
  if (!Number.isInteger(smp) || smp < 1 || smp > 64) throw new UsageError(`bad -smp '${o.smp}': expected a whole number from 1 to 64`);
  let max = Infinity;
  if (o.maxInstructions !== undefined) {
    max = Number(o.maxInstructions);
    if (!Number.isFinite(max) || max < 1) throw new UsageError(`bad --max-instructions '${o.maxInstructions}': expected a positive number`);
  }
  const stdout = new StdoutWriter();
  const out = (t: string): void => stdout.write(t);
  const machine = new Machine({
    kernelPath: kernel,
    kernel: image,
    append: o.append,
    modules,
    memoryBytes: o.m ? parseMemorySize(o.m) : undefined,
    smp,
    cpu: o.cpu,
    serialOut: out,
  });
  const trace = openTrace(machine, o.trace, o.traceJson, stdout);
  machine.events.on((e) => {
    if (e.kind === 'diagnostic') process.stderr.write(`nestvirt: ${e.message}\n`);
  });
  const t0 = Date.now();
  const end = machine.run(max);
  trace.close();
  stdout.flush();
  const { code, message } = endOfRun(end, o.qemuExitStatus);
  if (message) process.stderr.write(`nestvirt: ${message}\n`);
  if (process.env.NESTVIRT_STATS) {
    const ms = Date.now() - t0;
    process.stderr.write(`nestvirt: ${machine.instructions} instructions in ${ms} ms\n`);
  }
  return code;
}

export function main(argv: string[]): void {
  // A reader that goes away (`nestvirt run k.elf | head`) ends the run quietly, like other CLIs.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const program = new Command();
  program
    .name('nestvirt')
    .description('A deterministic x86-64 machine with a nested-virtualization-capable L0, for debugging hypervisors')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  program
    .command('run')
    .description('boot a multiboot kernel headless, like qemu-system-x86_64 -kernel')
    .argument('<kernel>', 'multiboot ELF kernel')
    .option('--append <cmdline>', 'kernel command line (after the kernel path, as QEMU passes it)')
    .option('--initrd <files>', 'comma-separated multiboot modules ("file arg" passes arguments)')
    .option('-m <size>', 'guest RAM, e.g. 256M or 4G', '256M')
    .option('--smp <n>', 'number of vCPUs', '1')
    .option('--cpu <policy>', 'CPU model and features in QEMU -cpu syntax, e.g. max,-vmx-ept', 'max')
    .option('--max-instructions <n>', 'stop after this many guest instructions')
    .option('--trace <file>', 'write one line per VM transition and exception (- for stdout)')
    .option('--trace-json <file>', 'write Chrome/Perfetto trace events')
    .option('--qemu-exit-status', "exit with QEMU's isa-debug-exit status (value << 1) | 1 instead of the value")
    .action((kernel: string, o: RunOptions) => {
      process.exitCode = runCommand(kernel, o);
    });
  program
    .command('dap')
    .description('serve the Debug Adapter Protocol on stdin/stdout')
    .action(() => {
      // The adapter lives in adapter/; loaded lazily so `run` does not pay for it.
      let server: { runDapServer(): void };
      try {
        server = require('../adapter/main');
      } catch {
        throw new UsageError('the debug adapter is not part of this build yet');
      }
      server.runDapServer();
    });
  try {
    program.parse(normalizeArgs(argv), { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    if (e instanceof UsageError || e instanceof LoadError || e instanceof CpuPolicyError) {
      process.stderr.write(`nestvirt: ${(e as Error).message}\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
}
