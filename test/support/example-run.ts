// Boots an example kernel from examples/build in a Machine with the options
// recorded in examples/expected/NAME.json, collecting its serial output and
// VM transitions (for the kernels QEMU cannot run, such as the VMX ones).
import * as fs from 'fs';
import * as path from 'path';
import { Machine, RunEnd } from '../../emulator/machine/machine';
import type { TransitionEvent } from '../../emulator/events';
import { repoRoot } from './qemu';

export interface ExampleRun {
  out: string;
  expected: string;
  opts: { cpu?: string; status: number; qemu?: boolean };
  end: RunEnd;
  transitions: TransitionEvent[];
}

export function runExample(name: string, append?: string, maxInstructions = 5e7): ExampleRun {
  const root = repoRoot();
  const elf = path.join(root, 'examples', 'build', `${name}.elf`);
  const expectedDir = path.join(root, 'examples', 'expected');
  const expected = fs.readFileSync(path.join(expectedDir, `${name}.txt`), 'latin1');
  const opts = JSON.parse(fs.readFileSync(path.join(expectedDir, `${name}.json`), 'utf8'));
  let out = '';
  const m = new Machine({ kernelPath: elf, kernel: new Uint8Array(fs.readFileSync(elf)), cpu: opts.cpu, append, serialOut: (t) => { out += t; } });
  const transitions: TransitionEvent[] = [];
  m.events.on((e) => { if (e.kind === 'transition') transitions.push(e); });
  const end = m.run(maxInstructions);
  return { out, expected, opts, end, transitions };
}
