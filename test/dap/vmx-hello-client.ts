// A DAP client on examples/build/vmx-hello.elf for the variables, edits,
// data breakpoints, evaluate and memory tests: launch to a function
// breakpoint, walk scopes and variables by name.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { parseElf, ElfFile } from '../../emulator/machine/elf';

export const ROOT = path.resolve(__dirname, '../../..');
const ADAPTER = path.join(ROOT, 'out', 'adapter', 'main.js');
export const VMX_HELLO = path.join(ROOT, 'examples', 'build', 'vmx-hello.elf');

export function buildExamples(): void {
  execFileSync('make', ['-s', '-C', path.join(ROOT, 'examples')], { stdio: 'pipe' });
}

export function vmxHelloElf(): ElfFile {
  return parseElf(new Uint8Array(fs.readFileSync(VMX_HELLO)));
}

export class HelloClient {
  readonly dc = new DebugClient('node', ADAPTER, 'nestvirt', { cwd: ROOT });
  serial = '';

  async start(): Promise<void> {
    this.dc.defaultTimeout = 30000;
    this.dc.on('output', (e: DebugProtocol.OutputEvent) => { if (e.body.category === 'stdout') this.serial += e.body.output; });
    await this.dc.start();
  }

  async stop(): Promise<void> { await this.dc.stop(); }

  /** Launches vmx-hello (cpu policy `cpu`) and waits for the stop at function breakpoint `fn`. */
  async launchTo(fn: string, cpu = 'max'): Promise<DebugProtocol.StoppedEvent> {
    const stopped = this.dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    const config = this.dc.waitForEvent('initialized').then(async () => {
      const r = await this.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: fn }] });
      assert.strictEqual(r.body.breakpoints[0].verified, true, r.body.breakpoints[0].message);
      await this.dc.configurationDoneRequest();
    });
    await Promise.all([config, this.dc.launch({ program: VMX_HELLO, cpu })]);
    return stopped;
  }

  async continueToStop(): Promise<DebugProtocol.StoppedEvent> {
    const stopped = this.dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    await this.dc.continueRequest({ threadId: 1 });
    return stopped;
  }

  async topFrame(): Promise<number> {
    return (await this.dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0].id;
  }

  async scopes(): Promise<DebugProtocol.Scope[]> {
    return (await this.dc.scopesRequest({ frameId: await this.topFrame() })).body.scopes;
  }

  async scope(prefix: string): Promise<DebugProtocol.Scope> {
    const all = await this.scopes();
    const s = all.find((x) => x.name.startsWith(prefix));
    assert.ok(s, `no ${prefix} scope in ${all.map((x) => x.name).join(', ')}`);
    return s;
  }

  async children(ref: number): Promise<DebugProtocol.Variable[]> {
    return (await this.dc.variablesRequest({ variablesReference: ref })).body.variables;
  }

  /** The variables of group `group` of the scope named `scopePrefix`. */
  async group(scopePrefix: string, group: string): Promise<{ ref: number; vars: DebugProtocol.Variable[] }> {
    const s = await this.scope(scopePrefix);
    const g = find(await this.children(s.variablesReference), group);
    return { ref: g.variablesReference, vars: await this.children(g.variablesReference) };
  }

  async evaluate(expression: string): Promise<string> {
    return (await this.dc.evaluateRequest({ expression, frameId: await this.topFrame(), context: 'repl' })).body.result;
  }
}

export function find(vars: DebugProtocol.Variable[], name: string): DebugProtocol.Variable {
  const v = vars.find((x) => x.name === name);
  assert.ok(v, `no ${name} in ${vars.map((x) => x.name).join(', ')}`);
  return v;
}

/** The number a variable's value starts with. */
export const num = (v: DebugProtocol.Variable | string): bigint => BigInt((typeof v === 'string' ? v : v.value).split(' ')[0]);

/** Asserts that a request fails and returns its error message. */
export async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail('the request succeeded');
}
