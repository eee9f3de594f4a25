// Runs a kernel under QEMU (TCG) the way the examples and fixtures are
// checked: serial on stdout, isa-debug-exit at 0xf4, no reboot. Tests compare
// `nestvirt run` with this. QEMU's exit status is (code << 1) | 1 for a
// kernel's exit(code); 0 means QEMU was shut down some other way.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export interface QemuOptions {
  smp?: number;
  append?: string;
  initrd?: string[];   // module paths; text after a space is the module's arguments
  memory?: string;     // QEMU -m syntax, default "256M"
  cpu?: string;        // QEMU -cpu syntax, e.g. "max"
  timeoutMs?: number;  // default 60 s
}

export interface QemuResult {
  stdout: string;
  status: number;      // -1 if QEMU was killed (timeout) or did not start
  stderr: string;
  timedOut: boolean;
}

export const QEMU = process.env.NESTVIRT_QEMU || 'qemu-system-x86_64';

let available: boolean | undefined;
export function qemuAvailable(): boolean {
  if (available === undefined) {
    const r = spawnSync(QEMU, ['--version'], { stdio: 'ignore' });
    available = r.status === 0;
  }
  return available;
}

export function qemuArgs(kernel: string, opts: QemuOptions = {}): string[] {
  const args = [
    '-accel', 'tcg',
    '-kernel', kernel,
    '-serial', 'stdio',
    '-display', 'none',
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
    '-no-reboot',
    '-m', opts.memory ?? '256M',
  ];
  if (opts.smp !== undefined) args.push('-smp', String(opts.smp));
  if (opts.cpu !== undefined) args.push('-cpu', opts.cpu);
  if (opts.append !== undefined) args.push('-append', opts.append);
  // QEMU splits -initrd at commas; a literal comma is written twice.
  if (opts.initrd?.length) args.push('-initrd', opts.initrd.map((m) => m.replace(/,/g, ',,')).join(','));
  return args;
}

export function runInQemu(kernel: string, opts: QemuOptions = {}): QemuResult {
  const r = spawnSync(QEMU, qemuArgs(kernel, opts), {
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: opts.timeoutMs ?? 60000,
    encoding: 'latin1',   // serial output is bytes; keep them one char each
    maxBuffer: 64 << 20,
  });
  const timedOut = r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
  return {
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
    status: r.status ?? -1,
    timedOut,
  };
}

/** The repository root: the nearest directory above this file with a package.json. */
export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('repository root not found from ' + __dirname);
    dir = up;
  }
  return dir;
}

/**
 * A line where QEMU TCG deviates from the architecture (NAME.json
 * "qemuDiffers"): NAME.txt holds what the manual says on line `line`
 * (counted from 1), QEMU prints `qemu` there instead, `why` names the manual
 * section and the reason. examples/check.js applies the same rule.
 */
export interface QemuDifference {
  line: number;
  qemu: string;
  why: string;
}

export interface Expectation {
  kernel: string;      // absolute path of the built ELF
  opts: QemuOptions;   // from NAME.json; initrd paths made absolute
  stdout: string;      // NAME.txt
  status: number;
  qemuDiffers: QemuDifference[];   // [] unless NAME.json declares some
}

/**
 * QEMU's serial output with each declared difference replaced by the
 * expected line, and the declarations QEMU did not bear out (it printed
 * something other than `qemu` on that line): a declared difference is checked,
 * never a silent skip, and one that QEMU stops showing is reported.
 */
export function applyQemuDiffers(qemuStdout: string, e: Pick<Expectation, 'stdout' | 'qemuDiffers'>): { stdout: string; problems: string[] } {
  const lines = qemuStdout.split('\n');
  const want = e.stdout.split('\n');
  const problems: string[] = [];
  for (const d of e.qemuDiffers) {
    const got = lines[d.line - 1];
    if (got !== d.qemu) {
      problems.push(`declared QEMU difference on line ${d.line} does not hold: QEMU printed ${JSON.stringify(got)}, declared ${JSON.stringify(d.qemu)}`);
    } else {
      lines[d.line - 1] = want[d.line - 1];
    }
  }
  return { stdout: lines.join('\n'), problems };
}

/**
 * Loads expected/NAME.json + NAME.txt. `set` is "examples" (examples/build,
 * examples/expected) or "fixtures" (test/fixtures/build, test/fixtures/expected).
 * initrd paths in the JSON are relative to the repository root.
 */
export function readExpected(name: string, set: 'examples' | 'fixtures' = 'examples'): Expectation {
  const root = repoRoot();
  const base = set === 'examples' ? path.join(root, 'examples') : path.join(root, 'test', 'fixtures');
  const json = JSON.parse(fs.readFileSync(path.join(base, 'expected', name + '.json'), 'utf8'));
  const { status, initrd, qemuDiffers, ...rest } = json;
  const opts: QemuOptions = { ...rest };
  if (initrd) opts.initrd = (initrd as string[]).map((m) => path.resolve(root, m));
  return {
    kernel: path.join(base, 'build', name + '.elf'),
    opts,
    stdout: fs.readFileSync(path.join(base, 'expected', name + '.txt'), 'latin1'),
    status,
    qemuDiffers: (qemuDiffers as QemuDifference[] | undefined) ?? [],
  };
}
