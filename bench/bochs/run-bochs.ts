// run-bochs: boots a multiboot benchmark kernel in Bochs (via make-image's
// disk image and loader.S) and times it until the kernel's result line
// appears on COM1. Bochs has no isa-debug-exit device, so the kernel halts
// forever after printing; we watch the serial file and kill Bochs.
//
// Synchronous on purpose (like spawnSync for QEMU in bench/run.ts): Bochs
// writes to files, we poll them between short sleeps, so no event loop is
// needed while it runs.
//
// CLI: node out/bench/bochs/run-bochs.js KERNEL.elf [CMDLINE] [--floppy]
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DISK_HEADS, DISK_SPT, makeImage } from './make-image';

export interface BochsOptions {
  timeoutMs?: number;     // default 600 s
  until?: RegExp;         // serial text that ends the run; default: the bench kernels' result line
  floppy?: boolean;       // boot a 1.44 MB floppy (the loader's CHS path) instead of a hard disk
  cpuModel?: string;      // bochsrc `cpu: model=`; needs long mode + SSE2
  ips?: number;           // bochsrc `cpu: ips=`: virtual instructions per second for the timers
  bochs?: string;         // executable; default $BOCHS or "bochs"
  keepDir?: boolean;      // keep the temporary directory (bochsrc, image, logs) for debugging
}

export interface BochsResult {
  serial: string;         // everything the kernel wrote to COM1
  seconds: number;        // wall clock from starting Bochs until `until` matched
  entrySeconds: number;   // ... until the loader jumped to the kernel (BIOS + loader time); NaN if not seen
  // Bochs' own CPU time (user + system, from /proc, 10 ms resolution) at the
  // same two moments: steadier than wall clock on a busy machine. NaN off Linux.
  cpuSeconds: number;
  entryCpuSeconds: number;
}

const RESULT_LINE = /iterations, checksum [0-9a-f]+\r?\n/;
const ENTRY_MARK = 'nvboot: jumping to kernel';

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// utime + stime of a process, fields 14 and 15 of /proc/PID/stat (proc(5)),
// in clock ticks of sysconf(_SC_CLK_TCK), which is 100 on Linux.
function cpuSecondsOf(pid: number): number {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return NaN;
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');   // f[0] is field 3 (state)
  return (Number(f[11]) + Number(f[12])) / 100;
}

function readText(file: string): string {
  try { return fs.readFileSync(file, 'latin1'); } catch { return ''; }
}

// Debian's Bochs is built with the internal debugger, which stops at the
// first instruction and reads commands from stdin; `-rc FILE` with "c"
// (continue) starts the run without a terminal. Builds without the debugger
// do not document -rc in their usage text.
const debuggerCache = new Map<string, boolean>();
function hasDebugger(bochs: string): boolean {
  let v = debuggerCache.get(bochs);
  if (v === undefined) {
    const r = spawnSync(bochs, ['--help'], { encoding: 'utf8', timeout: 10000 });
    if (r.error) throw new Error(`cannot run ${bochs}: ${r.error.message}`);
    v = /^\s*-rc\b/m.test(`${r.stdout}${r.stderr}`);
    debuggerCache.set(bochs, v);
  }
  return v;
}

// The "nogui" display is not compiled into Debian's Bochs; "rfb" (a VNC
// server, told not to wait for a client) runs headless too. We try nogui
// first and remember when Bochs refuses it.
let noguiMissing = false;

function bochsrc(dir: string, image: string, opts: BochsOptions, display: string): string {
  const lines = [
    'megs: 256',
    // Sandy Bridge: long mode, NX, SSE2..AVX. With sync=none Bochs runs as
    // fast as it can and ips only converts instructions to virtual time; a
    // low value makes the BIOS's timed waits (IDE probe, ...) cost fewer
    // instructions, so it boots faster (measured: ~0.7 s at 4M, ~1 s at
    // 100M, ~3.7 s at 1000M). The benchmark kernels use no timers.
    `cpu: model=${opts.cpuModel ?? 'corei7_sandy_bridge_2600k'}, count=1, ips=${opts.ips ?? 4000000}`,
    'clock: sync=none, time0=946681200',
    `display_library: ${display}`,
    'log: /dev/null',
    'panic: action=fatal',
    'error: action=report',
    'speaker: enabled=0',
    'sound: driver=dummy',            // otherwise the ALSA driver is probed (and crashed here)
    `com1: enabled=1, mode=file, dev=${path.join(dir, 'com1.txt')}`,
    'port_e9_hack: enabled=1',        // loader messages go to Bochs' stdout
  ];
  if (opts.floppy) {
    lines.push(`floppya: type=1_44, 1_44=${image}, status=inserted`, 'boot: floppy');
  } else {
    const cyl = fs.statSync(image).size / (DISK_HEADS * DISK_SPT * 512);
    lines.push(`ata0-master: type=disk, path=${image}, mode=flat, cylinders=${cyl}, heads=${DISK_HEADS}, spt=${DISK_SPT}`, 'boot: disk');
  }
  const rc = path.join(dir, 'bochsrc');
  fs.writeFileSync(rc, lines.join('\n') + '\n');
  return rc;
}

export function runBochs(kernelElf: string, cmdline: string, opts: BochsOptions = {}): BochsResult {
  const bochs = opts.bochs ?? process.env.BOCHS ?? 'bochs';
  const timeoutMs = opts.timeoutMs ?? 600000;
  const until = opts.until ?? RESULT_LINE;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nestvirt-bochs-'));
  try {
    const image = makeImage(kernelElf, cmdline, { out: path.join(dir, opts.floppy ? 'floppy.img' : 'disk.img'), floppy: opts.floppy });
    for (;;) {
      const display = noguiMissing ? 'rfb, options="timeout=0"' : 'nogui';
      const rc = bochsrc(dir, image, opts, display);
      const args = ['-q', '-f', rc];
      if (hasDebugger(bochs)) {
        fs.writeFileSync(path.join(dir, 'cmds'), 'c\n');
        args.push('-rc', path.join(dir, 'cmds'));
      }
      const outFile = path.join(dir, 'stdout.txt'), com1 = path.join(dir, 'com1.txt');
      fs.rmSync(com1, { force: true });
      const out = fs.openSync(outFile, 'w');
      const t0 = process.hrtime.bigint();
      const secs = () => Number(process.hrtime.bigint() - t0) / 1e9;
      // stdin from /dev/null: if the debugger ever stops, it reads EOF and quits.
      const child = spawn(bochs, args, { cwd: dir, stdio: ['ignore', out, out] });
      fs.closeSync(out);
      if (child.pid === undefined) throw new Error(`cannot start ${bochs}`);
      const pid = child.pid;
      let entrySeconds = NaN, entryCpuSeconds = NaN;
      try {
        for (;;) {
          sleep(5);
          const serial = readText(com1);
          if (until.test(serial)) return { serial, seconds: secs(), entrySeconds, cpuSeconds: cpuSecondsOf(pid), entryCpuSeconds };
          const stdout = readText(outFile);
          if (Number.isNaN(entrySeconds) && stdout.includes(ENTRY_MARK)) { entrySeconds = secs(); entryCpuSeconds = cpuSecondsOf(pid); }
          const alive = isAlive(pid);
          if (!alive || /nvboot: (?!loading|jumping)[^\n]*\n/.test(stdout)) {
            if (/display library 'nogui' not available/.test(stdout) && !noguiMissing) { noguiMissing = true; break; }
            throw new Error(`bochs stopped before the result line.\n--- serial:\n${serial}\n--- bochs output (tail):\n${stdout.slice(-3000)}`);
          }
          if (secs() * 1000 > timeoutMs)
            throw new Error(`bochs: no result line after ${timeoutMs} ms.\n--- serial:\n${serial}`);
        }
      } finally {
        try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
      }
    }
  } finally {
    if (!opts.keepDir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

// A finished child stays a zombie until the (blocked) event loop reaps it,
// and signal 0 still reaches zombies: on Linux, also look at its state.
function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); } catch { return false; }
  const stat = readText(`/proc/${pid}/stat`);
  return !stat || !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const floppy = args.includes('--floppy');
  const [kernel, cmdline = 'bench'] = args.filter((a) => a !== '--floppy');
  if (!kernel) {
    console.error('usage: node out/bench/bochs/run-bochs.js KERNEL.elf [CMDLINE] [--floppy]');
    process.exit(2);
  }
  const r = runBochs(kernel, cmdline, { floppy, ips: process.env.BOCHS_IPS ? Number(process.env.BOCHS_IPS) : undefined });
  process.stdout.write(r.serial);
  console.log(`bochs: result after ${r.seconds.toFixed(3)} s (kernel entered after ${r.entrySeconds.toFixed(3)} s); ` +
    `Bochs CPU time ${r.cpuSeconds.toFixed(2)} s (${r.entryCpuSeconds.toFixed(2)} s at kernel entry)`);
}
