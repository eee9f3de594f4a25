// The `nestvirt` launch configuration: checks every attribute and turns it
// into Machine options. Each bad value becomes a LaunchError naming the
// attribute and what was expected; the session sends it as the launch
// request's error response.
import * as fs from 'fs';
import * as path from 'path';
import type { Level } from '../emulator/events';
import { MachineOptions, parseMemorySize } from '../emulator/machine/options';
import { LoadError } from '../emulator/machine/load-error';
import { parseCpuPolicy, CpuPolicyError } from '../emulator/x86/cpu-model';
import { splitInitrdOption } from '../emulator/machine/multiboot';
import { SourceMap, parseSourceMap } from './source-paths';

export interface NestvirtLaunchArguments {
  /** The L1 kernel: a multiboot ELF. */
  program?: unknown;
  /** Kernel command line after the kernel path (QEMU -append); `args` is the same as a list. */
  append?: unknown;
  args?: unknown;
  /** Multiboot modules (QEMU -initrd): a list of "file [arguments]", or one comma-separated string. */
  initrd?: unknown;
  /** CPU policy in QEMU -cpu syntax. */
  cpu?: unknown;
  /** Guest RAM: "256M", "4G", or a number of MiB. */
  memory?: unknown;
  smp?: unknown;
  stopOnEntry?: unknown;
  maxInstructions?: unknown;
  /** VM transition trace: true = one line per transition in the debug console; a path = the same lines written to that file. */
  trace?: unknown;
  /** Extra symbol files: paths, or { path, level }. */
  symbols?: unknown;
  /** Directory relative paths are resolved against (default: the adapter's working directory). */
  cwd?: unknown;
  /**
   * Compile-time source path prefix -> local prefix (like cpptools'
   * sourceFileMap), for kernels built on another machine or in another
   * directory. Relative local prefixes are against `cwd`.
   */
  sourceMap?: unknown;
}

export class LaunchError extends Error {
  constructor(readonly attribute: string, message: string) {
    super(`${attribute}: ${message}`);
    this.name = 'LaunchError';
    Object.setPrototypeOf(this, LaunchError.prototype);
  }
}

export interface LaunchPlan {
  programPath: string;
  machine: MachineOptions;
  stopOnEntry: boolean;
  maxInstructions: number;
  /** Where the `--trace` lines of the run go: the debug console, a file, or nowhere. */
  trace: { to: 'console' } | { to: 'file'; path: string } | null;
  symbols: { path: string; level: Level; bytes: Uint8Array }[];
  sourceMap: SourceMap;
  /** Where a missing DWARF source path is looked for by its trailing components (source-paths.ts). */
  sourceRoots: string[];
}

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'string' ? `'${v}'` : `${typeof v} ${JSON.stringify(v)}`);

function readFile(attr: string, file: string, what: string): Uint8Array {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new LaunchError(attr, `cannot read ${what} '${file}': ${code === 'ENOENT' ? 'no such file' : code ?? String(e)}`);
  }
  if (st.isDirectory()) throw new LaunchError(attr, `${what} '${file}' is a directory, expected a file`);
  try {
    return new Uint8Array(fs.readFileSync(file));
  } catch (e) {
    throw new LaunchError(attr, `cannot read ${what} '${file}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

function stringList(attr: string, v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw new LaunchError(attr, `expected a string or a list of strings, got ${describe(v)}`);
}

/** Validates launch arguments; throws LaunchError. Reads the files it names. */
export function planLaunch(a: NestvirtLaunchArguments): LaunchPlan {
  let cwd = process.cwd();
  if (a.cwd !== undefined) {
    if (typeof a.cwd !== 'string' || !a.cwd) throw new LaunchError('cwd', `expected a directory path, got ${describe(a.cwd)}`);
    cwd = path.resolve(a.cwd);
    if (!fs.existsSync(cwd) || !fs.statSync(cwd).isDirectory()) throw new LaunchError('cwd', `'${a.cwd}' is not a directory`);
  }
  const resolve = (p: string): string => path.resolve(cwd, p);

  if (a.program === undefined) throw new LaunchError('program', 'missing: expected the path of a multiboot ELF kernel');
  if (typeof a.program !== 'string' || !a.program) throw new LaunchError('program', `expected the path of a multiboot ELF kernel, got ${describe(a.program)}`);
  const programPath = resolve(a.program);
  const kernel = readFile('program', programPath, 'kernel');

  if (a.append !== undefined && a.args !== undefined) throw new LaunchError('args', "give the command line either as 'append' or as 'args', not both");
  let append: string | undefined;
  if (a.append !== undefined) {
    if (typeof a.append !== 'string') throw new LaunchError('append', `expected a string, got ${describe(a.append)}`);
    append = a.append;
  } else if (a.args !== undefined) {
    append = stringList('args', a.args).join(' ');
  }

  const modules: { path: string; data: Uint8Array }[] = [];
  if (a.initrd !== undefined) {
    const specs = typeof a.initrd === 'string' ? splitInitrdOption(a.initrd).map((s) => (s.cmdline ? `${s.file} ${s.cmdline}` : s.file)) : stringList('initrd', a.initrd);
    for (const spec of specs) {
      if (!spec.trim()) throw new LaunchError('initrd', 'empty module entry: expected "file [arguments]"');
      const sp = spec.indexOf(' ');
      const file = sp < 0 ? spec : spec.slice(0, sp);
      const data = readFile('initrd', resolve(file), 'module');
      modules.push({ path: spec, data });
    }
  }

  let cpu: string | undefined;
  if (a.cpu !== undefined) {
    if (typeof a.cpu !== 'string') throw new LaunchError('cpu', `expected a QEMU -cpu policy string such as "max,-vmx-ept", got ${describe(a.cpu)}`);
    try {
      parseCpuPolicy(a.cpu);
    } catch (e) {
      if (e instanceof CpuPolicyError) throw new LaunchError('cpu', e.message);
      throw e;
    }
    cpu = a.cpu;
  }

  let memoryBytes: number | undefined;
  if (a.memory !== undefined) {
    const text = typeof a.memory === 'number' ? String(a.memory) : a.memory;
    if (typeof text !== 'string') throw new LaunchError('memory', `expected a size such as "256M" or "4G" (or a number of MiB), got ${describe(a.memory)}`);
    try {
      memoryBytes = parseMemorySize(text);
    } catch (e) {
      if (e instanceof LoadError) throw new LaunchError('memory', e.message);
      throw e;
    }
  }

  let smp = 1;
  if (a.smp !== undefined) {
    if (typeof a.smp !== 'number' || !Number.isInteger(a.smp) || a.smp < 1 || a.smp > 64) {
      throw new LaunchError('smp', `expected a whole number of vCPUs from 1 to 64, got ${describe(a.smp)}`);
    }
    smp = a.smp;
  }

  let stopOnEntry = false;
  if (a.stopOnEntry !== undefined) {
    if (typeof a.stopOnEntry !== 'boolean') throw new LaunchError('stopOnEntry', `expected true or false, got ${describe(a.stopOnEntry)}`);
    stopOnEntry = a.stopOnEntry;
  }

  let maxInstructions = Infinity;
  if (a.maxInstructions !== undefined) {
    if (typeof a.maxInstructions !== 'number' || !(a.maxInstructions >= 1) || !Number.isFinite(a.maxInstructions)) {
      throw new LaunchError('maxInstructions', `expected a positive number of instructions, got ${describe(a.maxInstructions)}`);
    }
    maxInstructions = Math.floor(a.maxInstructions);
  }

  let trace: LaunchPlan['trace'] = null;
  if (a.trace !== undefined && a.trace !== false) {
    if (a.trace === true) trace = { to: 'console' };
    else if (typeof a.trace === 'string' && a.trace) {
      const file = resolve(a.trace);
      if (!fs.existsSync(path.dirname(file)) || !fs.statSync(path.dirname(file)).isDirectory()) {
        throw new LaunchError('trace', `expected true, false or a file path in an existing directory; '${path.dirname(file)}' is not a directory`);
      }
      trace = { to: 'file', path: file };
    } else throw new LaunchError('trace', `expected true (debug console), false, or a file path, got ${describe(a.trace)}`);
  }

  const symbols: LaunchPlan['symbols'] = [];
  if (a.symbols !== undefined) {
    if (!Array.isArray(a.symbols)) throw new LaunchError('symbols', `expected a list of ELF paths or { "path": ..., "level": 1 | 2 }, got ${describe(a.symbols)}`);
    for (const s of a.symbols as unknown[]) {
      let p: unknown, level: unknown = 1;
      if (typeof s === 'string') p = s;
      else if (s && typeof s === 'object') ({ path: p, level = 1 } = s as { path?: unknown; level?: unknown });
      if (typeof p !== 'string' || !p) throw new LaunchError('symbols', `expected an ELF path or { "path": ..., "level": 1 | 2 }, got ${describe(s)}`);
      if (level !== 1 && level !== 2) throw new LaunchError('symbols', `level of '${p}' must be 1 (the hypervisor) or 2 (a guest), got ${describe(level)}`);
      const file = resolve(p);
      symbols.push({ path: file, level: level as Level, bytes: readFile('symbols', file, 'symbol file') });
    }
  }

  let sourceMap: SourceMap = [];
  if (a.sourceMap !== undefined) {
    const m = parseSourceMap(a.sourceMap);
    if (typeof m === 'string') throw new LaunchError('sourceMap', m);
    sourceMap = m.map(([from, to]) => [from, resolve(to)]);
  }
  const sourceRoots = [...new Set([cwd, path.dirname(path.dirname(programPath))])];

  return {
    programPath,
    sourceMap,
    sourceRoots,
    machine: { kernelPath: programPath, kernel, append, modules, memoryBytes, smp, cpu },
    stopOnEntry,
    maxInstructions,
    trace,
    symbols,
  };
}

/**
 * Attributes a Machine construction error to `program` or `initrd` (the
 * multiboot loader names the file it refused) and wraps it as a LaunchError.
 */
export function machineError(e: unknown, plan: LaunchPlan): Error {
  if (e instanceof LoadError) {
    const mod = plan.machine.modules?.find((m) => e.message.includes(m.path.split(' ')[0]));
    return new LaunchError(mod ? 'initrd' : 'program', e.message);
  }
  if (e instanceof CpuPolicyError) return new LaunchError('cpu', e.message);
  return e instanceof Error ? e : new Error(String(e));
}
