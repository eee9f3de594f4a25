// The VM-transition exception filters over DAP: a conditional "VM exit
// reflected to L1" stop on vmx-hello with its description and exceptionInfo,
// conditions rejected with the column of the error, the VM-entry failure
// on vmx-bad-entry naming the failed check, and "Exception in L2".
import * as assert from 'assert';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { buildExamples, startClient, launchUntilStop, kernel, symbolAddress } from './nesting-client';

const VMX_HELLO = kernel('vmx-hello');
const VMX_BAD_ENTRY = kernel('vmx-bad-entry');
const hex = (n: number): string => '0x' + n.toString(16);

describe('DAP VM-transition exception filters', function () {
  this.timeout(90000);
  let dc: DebugClient;

  before(() => buildExamples());
  beforeEach(async () => { dc = await startClient(); });
  afterEach(async () => { await dc.stop(); });

  const setFilters = (args: DebugProtocol.SetExceptionBreakpointsArguments): Promise<DebugProtocol.SetExceptionBreakpointsResponse> =>
    dc.setExceptionBreakpointsRequest(args);

  it('advertises the filters with conditions', async () => {
    const r = await dc.initializeRequest({ adapterID: 'nestvirt', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    const filters = r.body!.exceptionBreakpointFilters!;
    assert.deepStrictEqual(filters.map((f) => f.label), [
      'Exception in the guest', 'VM exit reflected to L1', 'VM exit handled by L0', 'VM-entry failure', 'Exception in L2', 'Triple fault / shutdown',
    ]);
    for (const f of filters) {
      assert.strictEqual(f.supportsCondition, true, f.filter);
      assert.match(f.conditionDescription ?? '', /docs\/conditions\.md/);
    }
    assert.strictEqual(r.body!.supportsExceptionFilterOptions, true);
  });

  it('stops on the exit the condition selects, described, with exceptionInfo', async () => {
    const ev = await launchUntilStop(dc, VMX_HELLO, async () => {
      const r = await setFilters({ filters: [], filterOptions: [{ filterId: 'vm-exit-reflected', condition: 'reason == IO_INSTRUCTION && qual.port == 0x80 && !qual.in' }] });
      assert.deepStrictEqual(r.body!.breakpoints!.map((b) => b.verified), [true]);
    });
    // The OUT to port 0x80 is the second exit; L2's OUT sits at l2_entry+8 (examples/expected/vmx-hello.txt).
    const rip = symbolAddress(VMX_HELLO, 'l2_entry') + 8;
    assert.strictEqual(ev.body.reason, 'exception');
    assert.strictEqual(ev.body.description, `VM exit IO_INSTRUCTION (30) from L2 at ${hex(rip)} — reflected to L1: l1WantsIo`);
    const info = await dc.exceptionInfoRequest({ threadId: 1 });
    assert.strictEqual(info.body.exceptionId, 'IO_INSTRUCTION');
    assert.match(info.body.details!.message!, /qualification: OUT 1-byte port 0x80/);
    // Stopped in L1's exit handler (HOST_RIP).
    const st = await dc.stackTraceRequest({ threadId: 1 });
    assert.strictEqual(st.body.stackFrames[0].instructionPointerReference, hex(symbolAddress(VMX_HELLO, 'vm_exit_entry')));
  });

  it('matches by number and skips exits the condition rejects', async () => {
    const ev = await launchUntilStop(dc, VMX_HELLO, async () => {
      await setFilters({ filters: [], filterOptions: [{ filterId: 'vm-exit-reflected', condition: 'reason == 12 || (reason == EXCEPTION_NMI && vector == UD)' }] });
    });
    assert.match(ev.body.description!, /^VM exit HLT \(12\) from L2/);
    const next = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    await dc.continueRequest({ threadId: 1 });
    assert.match((await next).body.description!, /^VM exit EXCEPTION_NMI \(0\) from L2 at 0x[0-9a-f]+ — reflected to L1: l1WantsException$/);
  });

  it('rejects a bad condition with the column of the error', async () => {
    await dc.initializeRequest();
    const r = await setFilters({
      filters: ['vm-entry-failure'],
      filterOptions: [
        { filterId: 'vm-exit-reflected', condition: 'reason == EPT_VIOLATIO' },
        { filterId: 'vm-exit-l0', condition: 'qual.port = 0x80' },
        { filterId: 'l2-exception', condition: 'vector == PF &&' },
        { filterId: 'no-such-filter' },
      ],
    });
    const bps = r.body!.breakpoints!;
    assert.strictEqual(bps[0].verified, true);
    assert.strictEqual(bps[1].verified, false);
    assert.match(bps[1].message!, /column 11: 'EPT_VIOLATIO' is not a value of reason/);
    assert.strictEqual(bps[2].verified, false);
    assert.match(bps[2].message!, /column 11: '=' is not an operator: use '=='/);
    assert.strictEqual(bps[3].verified, false);
    assert.match(bps[3].message!, /column 16: the condition ends too early/);
    assert.strictEqual(bps[4].verified, false);
    assert.match(bps[4].message!, /unknown exception filter 'no-such-filter'/);
  });

  it('names the failed VM-entry check in exceptionInfo (vmx-bad-entry)', async () => {
    const ev = await launchUntilStop(dc, VMX_BAD_ENTRY, async () => {
      await setFilters({ filters: ['vm-entry-failure'] });
    });
    assert.strictEqual(ev.body.reason, 'exception');
    assert.match(ev.body.description!, /^VM-entry failure INVALID_GUEST_STATE \(33\) in L1 at 0x[0-9a-f]+ — GUEST-CS-L-DB \(SDM 27\.3\.1\.2\): GUEST_CS_AR_BYTES = 0xe09b/);
    const info = (await dc.exceptionInfoRequest({ threadId: 1 })).body;
    assert.strictEqual(info.exceptionId, 'GUEST-CS-L-DB');
    assert.strictEqual(info.breakMode, 'always');
    const d = info.details!;
    assert.match(d.message!, /^GUEST-CS-L-DB \(SDM 27\.3\.1\.2\): GUEST_CS_AR_BYTES = 0xe09b[^;]*; allowed: D\/B \(bit 14\) = 0 when L \(bit 13\) = 1/);
    assert.strictEqual(d.evaluateName, 'GUEST_CS_AR_BYTES');
    assert.strictEqual(d.typeName, 'VM-entry failure INVALID_GUEST_STATE (33)');
    assert.strictEqual(d.fullTypeName, 'SDM 27.3.1.2 GUEST-CS-L-DB');
  });

  it('a condition on check selects one entry failure of several', async () => {
    const ev = await launchUntilStop(dc, VMX_BAD_ENTRY, async () => {
      await setFilters({ filters: [], filterOptions: [{ filterId: 'vm-entry-failure', condition: 'check == PRE-RESUME-STATE' }] });
    });
    assert.match(ev.body.description!, /^VM-entry failure VMfailValid \(5\) in L1 .* — PRE-RESUME-STATE \(SDM 27\.1\)/);
  });

  it('stops at a vCPU\'s triple fault before the run ends; continuing ends it', async () => {
    // hello.elf at its entry point has no IDT yet: a UD2 there faults, double-faults and shuts down.
    const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    const config = dc.waitForEvent('initialized').then(async () => {
      await setFilters({ filters: [], filterOptions: [{ filterId: 'triple-fault', condition: 'level == 1 && to == 0' }] });
      await dc.configurationDoneRequest();
    });
    await Promise.all([config, dc.launch({ program: kernel('hello'), stopOnEntry: true })]);
    await stopped;
    await dc.customRequest('writeMemory', { memoryReference: '0x100020', data: Buffer.from([0x0f, 0x0b]).toString('base64') });
    const fault = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    await dc.continueRequest({ threadId: 1 });
    const ev = await fault;
    assert.strictEqual(ev.body.reason, 'exception');
    assert.match(ev.body.description!, /^Triple fault on vCPU 0 at 0x100020: .*\(continuing ends the run\)$/);
    const info = (await dc.exceptionInfoRequest({ threadId: 1 })).body;
    assert.strictEqual(info.exceptionId, 'TRIPLE_FAULT');
    const exited = dc.waitForEvent('exited');
    await dc.continueRequest({ threadId: 1 });
    assert.strictEqual((await exited).body.exitCode, 3);
  });

  it('stops on an exception in L2 (#UD)', async () => {
    const ev = await launchUntilStop(dc, VMX_HELLO, async () => {
      await setFilters({ filters: [], filterOptions: [{ filterId: 'l2-exception', condition: 'vector == UD && level == 2' }] });
    });
    assert.strictEqual(ev.body.reason, 'exception');
    assert.match(ev.body.description!, /^Exception in L2: exception #UD \(vector 6\) at rip 0x[0-9a-f]+; now in L1/);
    assert.strictEqual(ev.body.text, '#UD (vector 6)');
  });
});
