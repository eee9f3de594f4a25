// Debug-adapter latency, as a user feels it: the adapter runs in this
// process (a DAP server on a local socket, no Node start-up counted) and a
// DebugClient drives it.
//   launch -> first stop        vmx-hello to L1's VM-exit handler (target < 500 ms)
//   stop -> views               stackTrace + scopes + VMCS12 variables (target < 50 ms)
//   reverseContinue             across ~1e8 instructions of intloop (target < 1 s)
// plus the emulator-level reverse benchmark (bench/reverse.ts).
import * as net from 'net';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { NestvirtSession } from '../adapter/session';
import { reverseBench, printReverseBench } from './reverse';

const root = path.join(__dirname, '..', '..');

function ms(t0: bigint): number { return Number(process.hrtime.bigint() - t0) / 1e6; }

async function withAdapter<T>(f: (dc: DebugClient) => Promise<T>): Promise<T> {
  const server = net.createServer((socket) => {
    const s = new NestvirtSession();
    s.setRunAsServer(true);
    s.start(socket, socket);
  }).listen(0);
  await new Promise<void>((r) => server.once('listening', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const dc = new DebugClient('node', '', 'nestvirt');
  dc.defaultTimeout = 60000;
  await dc.start(port);
  try {
    return await f(dc);
  } finally {
    await dc.stop().catch(() => undefined);
    server.close();
  }
}

async function launchTo(dc: DebugClient, program: string, functions: string[], args: Record<string, unknown> = {}): Promise<number> {
  await dc.initializeRequest();
  const t0 = process.hrtime.bigint();
  const stopped = dc.waitForEvent('stopped');
  const config = dc.waitForEvent('initialized').then(async () => {
    await dc.setFunctionBreakpointsRequest({ breakpoints: functions.map((name) => ({ name })) });
    await dc.configurationDoneRequest();
  });
  await Promise.all([config, dc.launch({ program, ...args })]);
  await stopped;
  return ms(t0);
}

/** What the editor asks at a stop: the stack, the scopes, and the VMCS12 variables (all groups opened). */
async function views(dc: DebugClient): Promise<{ ms: number; fields: number }> {
  const t0 = process.hrtime.bigint();
  const st = await dc.stackTraceRequest({ threadId: 1 });
  const scopes = (await dc.scopesRequest({ frameId: st.body.stackFrames[0].id })).body.scopes;
  const vmcs = scopes.find((s) => s.name.startsWith('VMCS12'));
  if (!vmcs) throw new Error(`no VMCS12 scope in ${scopes.map((s) => s.name).join(', ')}`);
  let fields = 0;
  const groups = (await dc.variablesRequest({ variablesReference: vmcs.variablesReference })).body.variables;
  for (const g of groups) {
    if (!g.variablesReference) { fields++; continue; }
    fields += (await dc.variablesRequest({ variablesReference: g.variablesReference })).body.variables.length;
  }
  return { ms: ms(t0), fields };
}

async function resume(dc: DebugClient, req: () => Promise<unknown>): Promise<DebugProtocol.StoppedEvent> {
  const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
  await req();
  return stopped;
}

export async function adapterBench(): Promise<void> {
  spawnSync('make', ['-s', '-C', path.join(root, 'examples')], { stdio: 'inherit' });
  spawnSync('make', ['-s', '-C', path.join(root, 'bench', 'kernels')], { stdio: 'inherit' });
  const vmxHello = path.join(root, 'examples', 'build', 'vmx-hello.elf');
  // Warm-up (module loading, V8 compiling the adapter), then the measured runs.
  await withAdapter(async (dc) => { await launchTo(dc, vmxHello, ['on_vm_exit'], { cpu: 'max' }); await views(dc); });
  const launch: number[] = [], view: number[] = [];
  let fields = 0;
  for (let i = 0; i < 3; i++) {
    await withAdapter(async (dc) => {
      launch.push(await launchTo(dc, vmxHello, ['on_vm_exit'], { cpu: 'max' }));
      const v = await views(dc);
      view.push(v.ms);
      fields = v.fields;
    });
  }
  const best = (xs: number[]): string => `${Math.min(...xs).toFixed(0)} ms (median ${xs.sort((a, b) => a - b)[xs.length >> 1].toFixed(0)})`;
  console.log(`adapter: launch -> first stop (vmx-hello, on_vm_exit): ${best(launch)} (target < 500 ms)`);
  console.log(`adapter: stop -> stackTrace + scopes + VMCS12 variables (${fields} fields): ${best(view)} (target < 50 ms)`);

  const iters = Number(process.env.BENCH_REVERSE_ITERS ?? 6_000_000);
  const intloop = path.join(root, 'bench', 'kernels', 'build', 'intloop.elf');
  await withAdapter(async (dc) => {
    await launchTo(dc, intloop, ['kmain', 'printf'], { append: `iters=${iters}`, maxInstructions: 1e10 });
    await resume(dc, () => dc.continueRequest({ threadId: 1 }));
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    const ev = await resume(dc, () => dc.customRequest('reverseContinue', { threadId: 1 }));
    const wall = ms(t0);
    const u = process.cpuUsage(c0);
    const top = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0].name;
    if (!/kmain/.test(top)) throw new Error(`reverseContinue stopped in ${top} (${ev.body.description})`);
    console.log(`adapter: reverseContinue printf -> kmain across ~${(iters * 17 / 1e6).toFixed(0)}M instructions: ${wall.toFixed(0)} ms wall, ${((u.user + u.system) / 1000).toFixed(0)} ms CPU (target < 1000 ms)`);
  });
  printReverseBench(reverseBench(iters));
}

if (require.main === module) adapterBench().catch((e) => { console.error(e); process.exitCode = 1; });
