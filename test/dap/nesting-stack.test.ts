// Nesting-aware run control over DAP on examples/build/vmx-hello.elf (L1
// runs L2; L2's code is in the same ELF, loaded as the level-2 symbols):
// stepIn at VMLAUNCH lands at L2's first instruction, the call stack is the
// nesting stack (L2 frames, "L1 — waiting in VMLAUNCH", L1's frame, L0),
// selecting L1's frame shows L1's registers, stepOut from L2 lands at L1's
// HOST_RIP, level-scoped breakpoints.
import * as assert from 'assert';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { NestingResponse } from '../../adapter/protocol';
import { buildExamples, startClient, launchUntilStop, kernel, symbolAddress, instructionIn, custom } from './nesting-client';

const VMX_HELLO = kernel('vmx-hello');
const hex = (n: number): string => '0x' + n.toString(16);

describe('DAP nesting: stack and stepping across levels', function () {
  this.timeout(90000);
  let dc: DebugClient;
  const vmlaunchAt = (): number => instructionIn(VMX_HELLO, 'kmain', [0x0f, 0x01, 0xc2]);

  before(() => buildExamples());
  beforeEach(async () => { dc = await startClient(); });
  afterEach(async () => { await dc.stop(); });

  /** Stopped at L1's VMLAUNCH (an instruction breakpoint), L2 symbols loaded. */
  async function atVmlaunch(): Promise<void> {
    const ev = await launchUntilStop(dc, VMX_HELLO, async () => {
      const r = await setInstructionBreakpoints(dc, [hex(vmlaunchAt())]);
      assert.strictEqual(r[0].verified, true, r[0].message);
    }, { symbols: [{ path: VMX_HELLO, level: 2 }] });
    assert.strictEqual(ev.body.reason, 'instruction breakpoint');
  }

  async function stack(): Promise<DebugProtocol.StackFrame[]> {
    return (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  }

  async function step(kind: 'in' | 'out' | 'next', granularity?: DebugProtocol.SteppingGranularity): Promise<DebugProtocol.StoppedEvent> {
    const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    if (kind === 'in') await dc.stepInRequest({ threadId: 1, granularity });
    else if (kind === 'out') await dc.stepOutRequest({ threadId: 1, granularity });
    else await dc.nextRequest({ threadId: 1, granularity });
    return stopped;
  }

  it('steps into VMLAUNCH to L2\'s first instruction and shows the nesting stack', async () => {
    await atVmlaunch();
    const before = await stack();
    assert.strictEqual(before[0].instructionPointerReference, hex(vmlaunchAt()));
    assert.deepStrictEqual(before.filter((f) => f.presentationHint === 'label').map((f) => f.name), ['L0 — nestvirt']);

    const ev = await step('in', 'instruction');
    assert.strictEqual(ev.body.reason, 'step');
    assert.match(ev.body.description ?? '', /VM entry VMLAUNCH L1 → L2/);
    const frames = await stack();
    assert.strictEqual(frames[0].instructionPointerReference, hex(symbolAddress(VMX_HELLO, 'l2_entry')));
    assert.match(frames[0].name, /l2_entry/);
    const labels = frames.filter((f) => f.presentationHint === 'label').map((f) => f.name);
    assert.strictEqual(labels.length, 2, labels.join(' | '));
    assert.match(labels[0], /^L1 — waiting in VMLAUNCH, (main\.c|vmx\.h):\d+$/);
    assert.strictEqual(labels[1], 'L0 — nestvirt');
    // L1's frame follows its label: the VMLAUNCH it waits in, inside kmain.
    const li = frames.findIndex((f) => f.name.startsWith('L1 —'));
    const l1 = frames[li + 1];
    assert.strictEqual(l1.instructionPointerReference, hex(vmlaunchAt()));
    assert.match(l1.name, /kmain|vmlaunch/);
    assert.strictEqual(frames[frames.length - 1].name, 'L0 — nestvirt');

    const n = await custom<NestingResponse>(dc, 'nestvirt/nesting');
    const levels = n.vcpus[0].levels;
    assert.deepStrictEqual(levels.map((l) => [l.level, l.activity]), [[2, 'running'], [1, 'waiting-in-vmentry'], [0, 'running']]);
    assert.match(levels[1].description, /^L1 — waiting in VMLAUNCH at 0x[0-9a-f]+ in kmain/);
    assert.strictEqual(levels[1].rip, hex(vmlaunchAt()));
    assert.match(levels[1].controlBlock ?? '', /^0x[0-9a-f]+$/);
  });

  it('unwinds L1\'s callers below the waiting VMLAUNCH while L2 runs (RSP/RBP kept at the entry)', async () => {
    await atVmlaunch();
    // L1's own stack at its VMLAUNCH, minus the L0 label.
    const before = (await stack()).filter((f) => f.presentationHint !== 'label');
    assert.ok(before.length >= 2, `L1 has callers at VMLAUNCH: ${before.map((f) => f.name).join(' | ')}`);
    await step('in', 'instruction');
    const frames = await stack();
    const li = frames.findIndex((f) => f.name.startsWith('L1 —'));
    const l1 = frames.slice(li + 1, frames.length - 1);
    // The same frames, read through L1's paging from the RSP/RBP of its VMLAUNCH.
    assert.deepStrictEqual(l1.map((f) => [f.name, f.instructionPointerReference, f.line]),
      before.map((f) => [f.name, f.instructionPointerReference, f.line]));
    // A caller frame of L1 shows its frame (pc/cfa), not the vCPU's (L2's) registers.
    const scopes = (await dc.scopesRequest({ frameId: l1[1].id })).body.scopes;
    assert.deepStrictEqual(scopes.map((x) => x.name), ['Frame']);
  });

  it('reads and disassembles L2 virtual memory through L1\'s EPT while stopped in L2', async () => {
    await atVmlaunch();
    await step('in', 'instruction');
    const page = symbolAddress(VMX_HELLO, 'l2_page');
    // vmx-hello's EPT leaves l2_page out until L2's first load from it (an EPT violation):
    // L2 has no memory there, L1 (its own physical memory) does.
    const read = async (ref: string): Promise<NonNullable<DebugProtocol.ReadMemoryResponse['body']>> =>
      ((await dc.customRequest('readMemory', { memoryReference: ref, count: 16 })) as DebugProtocol.ReadMemoryResponse).body!;
    assert.strictEqual((await read(hex(page))).unreadableBytes, 16);
    assert.strictEqual((await read(`l2:${hex(page)}`)).unreadableBytes, 16);
    assert.ok(!(await read(`l1:${hex(page)}`)).unreadableBytes, 'L1 reads its own l2_page');
    const dis = async (ref: number): Promise<DebugProtocol.DisassembledInstruction[]> =>
      (await dc.disassembleRequest({ memoryReference: hex(ref), instructionCount: 2 })).body!.instructions;
    assert.strictEqual((await dis(page))[0].instruction, '(no memory)');
    // Mapped by the EPT: L2's code disassembles (xor %eax,%eax first).
    assert.match((await dis(symbolAddress(VMX_HELLO, 'l2_entry')))[0].instruction, /^xor\s+%eax,\s*%eax/);
  });

  it('steps into VMLAUNCH by line too', async () => {
    await atVmlaunch();
    const ev = await step('in');
    assert.strictEqual(ev.body.reason, 'step');
    assert.strictEqual((await stack())[0].instructionPointerReference, hex(symbolAddress(VMX_HELLO, 'l2_entry')));
  });

  it('shows L1\'s registers (from the VMCS12 host area) on L1\'s frame while L2 runs', async () => {
    await atVmlaunch();
    await step('in', 'instruction');
    const frames = await stack();
    const l1 = frames[frames.findIndex((f) => f.name.startsWith('L1 —')) + 1];
    const scopes = (await dc.scopesRequest({ frameId: l1.id })).body.scopes;
    const regs = scopes.find((s) => s.name.startsWith('L1 registers'));
    assert.ok(regs, scopes.map((s) => s.name).join(', '));
    const vars = (await dc.variablesRequest({ variablesReference: regs.variablesReference })).body.variables;
    const rip = vars.find((v) => v.name === 'rip');
    assert.ok(rip);
    assert.match(rip.value, new RegExp(`^${hex(vmlaunchAt())} \\(waiting in VMLAUNCH\\)`));
    const resume = vars.find((v) => v.name === 'resumes at');
    assert.strictEqual(BigInt(resume!.value.split(' ')[0]), BigInt(symbolAddress(VMX_HELLO, 'vm_exit_entry')));
    // The innermost (L2) frame shows the vCPU's own registers: L2's RIP.
    const top = (await dc.scopesRequest({ frameId: frames[0].id })).body.scopes;
    const own = (await dc.variablesRequest({ variablesReference: top[0].variablesReference })).body.variables;
    assert.strictEqual(BigInt(own.find((v) => v.name === 'rip')!.value.split(' ')[0]), BigInt(symbolAddress(VMX_HELLO, 'l2_entry')));
  });

  it('steps out of L2 to the next exit reflected to L1, at L1\'s HOST_RIP', async () => {
    await atVmlaunch();
    await step('in', 'instruction');
    const ev = await step('out');
    assert.strictEqual(ev.body.reason, 'step');
    assert.match(ev.body.description ?? '', /VM exit CPUID \(10\) from L2 at 0x[0-9a-f]+ — reflected to L1: l1WantsCpuid/);
    const frames = await stack();
    assert.strictEqual(frames[0].instructionPointerReference, hex(symbolAddress(VMX_HELLO, 'vm_exit_entry')));
    assert.deepStrictEqual(frames.filter((f) => f.presentationHint === 'label').map((f) => f.name), ['L0 — nestvirt']);
  });

  it('steps over VMLAUNCH: L2 runs until L1 runs again', async () => {
    await atVmlaunch();
    const ev = await step('next', 'instruction');
    assert.strictEqual(ev.body.reason, 'step');
    const frames = await stack();
    assert.strictEqual(frames[0].instructionPointerReference, hex(symbolAddress(VMX_HELLO, 'vm_exit_entry')));
  });

  it('fires a breakpoint only while its level runs', async () => {
    // l2_entry+4 (CPUID) runs only in L2. With the ELF as L1's symbols only, a breakpoint there is L1's and never
    // fires: the first stop is L1's exit handler.
    const target = hex(symbolAddress(VMX_HELLO, 'l2_entry') + 4);
    const ev = await launchUntilStop(dc, VMX_HELLO, async () => {
      const r = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'on_vm_exit' }] });
      assert.strictEqual(r.body.breakpoints[0].verified, true);
      assert.strictEqual((await setInstructionBreakpoints(dc, [target]))[0].verified, true);
    });
    assert.strictEqual(ev.body.reason, 'function breakpoint');
    assert.match((await stack())[0].name, /on_vm_exit/);
  });

  it('fires a level-2 breakpoint in L2 when the level-2 symbols know the address', async () => {
    const target = hex(symbolAddress(VMX_HELLO, 'l2_entry') + 4);
    const ev = await launchUntilStop(dc, VMX_HELLO, async () => {
      await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'on_vm_exit' }] });
      assert.strictEqual((await setInstructionBreakpoints(dc, [target]))[0].verified, true);
    }, { symbols: [{ path: VMX_HELLO, level: 2 }] });
    assert.strictEqual(ev.body.reason, 'instruction breakpoint');
    const frames = await stack();
    assert.strictEqual(frames[0].instructionPointerReference, target);
    assert.ok(frames.some((f) => /^L1 — waiting in VMLAUNCH/.test(f.name)), frames.map((f) => f.name).join(' | '));
  });
});

async function setInstructionBreakpoints(dc: DebugClient, refs: string[]): Promise<DebugProtocol.Breakpoint[]> {
  const r = await dc.send('setInstructionBreakpoints', { breakpoints: refs.map((instructionReference) => ({ instructionReference })) });
  return (r as DebugProtocol.SetInstructionBreakpointsResponse).body.breakpoints;
}
