// Shared by the nesting/transition DAP tests: a DebugClient on the adapter
// and a launch that configures breakpoints/filters before the run starts.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { parseElf } from '../../emulator/machine/elf';

export const ROOT = path.resolve(__dirname, '../../..');
export const ADAPTER = path.join(ROOT, 'out', 'adapter', 'main.js');
export const kernel = (name: string): string => path.join(ROOT, 'examples', 'build', `${name}.elf`);

export function buildExamples(): void {
  execFileSync('make', ['-s', '-C', path.join(ROOT, 'examples')], { stdio: 'pipe' });
}

export async function startClient(): Promise<DebugClient> {
  const dc = new DebugClient('node', ADAPTER, 'nestvirt', { cwd: ROOT });
  dc.defaultTimeout = 30000;
  await dc.start();
  return dc;
}

/**
 * Launches `program` (cpu max: VMX), runs `configure` between `initialized`
 * and configurationDone, and returns the first stopped event.
 */
export async function launchUntilStop(
  dc: DebugClient, program: string, configure: () => Promise<void>, args: Record<string, unknown> = {},
): Promise<DebugProtocol.StoppedEvent> {
  const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
  const config = dc.waitForEvent('initialized').then(async () => {
    await configure();
    await dc.configurationDoneRequest();
  });
  await Promise.all([config, dc.launch({ program, cpu: 'max', ...args })]);
  return stopped;
}

/** Address of an ELF symbol. */
export function symbolAddress(program: string, name: string): number {
  const elf = parseElf(new Uint8Array(fs.readFileSync(program)));
  const s = elf.symbol(name);
  assert.ok(s, `no symbol ${name} in ${program}`);
  return Number(s.value);
}

/** Address of the first occurrence of `bytes` inside function `fn` of the ELF (an instruction to stop at). */
export function instructionIn(program: string, fn: string, bytes: number[]): number {
  const elf = parseElf(new Uint8Array(fs.readFileSync(program)));
  const s = elf.symbol(fn);
  assert.ok(s, `no function ${fn}`);
  const start = Number(s.value), end = start + Number(s.size);
  for (let a = start; a < end; a++) {
    const got = bytes.map((_, k) => readByte(elf, a + k));
    if (got.every((b, k) => b === bytes[k])) return a;
  }
  throw new Error(`no ${bytes.map((b) => b.toString(16)).join(' ')} in ${fn}`);
}

function readByte(elf: ReturnType<typeof parseElf>, addr: number): number | undefined {
  for (const p of elf.segments) {
    const vaddr = Number(p.vaddr), filesz = Number(p.filesz);
    if (addr >= vaddr && addr < vaddr + filesz) return elf.bytes[Number(p.offset) + addr - vaddr];
  }
  return undefined;
}

/** The transition lines (`Lx->Ly`) of `nestvirt run --trace -`. */
export function cliTransitions(program: string): string[] {
  const out = execFileSync('node', [path.join(ROOT, 'bin', 'nestvirt'), 'run', '--trace', '-', program], { cwd: ROOT, encoding: 'utf8' });
  return out.split('\n').filter((l) => / cpu\d+ L\d->L\d /.test(l));
}

/** The body of a nestvirt custom request (adapter/protocol.ts), typed by the caller. */
export async function custom<T>(dc: DebugClient, command: string, args?: unknown): Promise<T> {
  return ((await dc.customRequest(command, args)) as DebugProtocol.Response).body as T;
}
