// nestvirt's custom requests (adapter/protocol.ts) over DAP: the recorded
// transitions equal those `nestvirt run --trace` prints, paged and
// filtered; stats, nesting, lint, exportTrace, stepToTransition, the
// transitionsChanged event, and clear errors for bad arguments.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { buildExamples, startClient, launchUntilStop, kernel, cliTransitions, custom as customBody } from './nesting-client';
import type {
  TransitionsResponse, StatsResponse, NestingResponse, LintResponse, ExportTraceResponse, TransitionsChangedBody,
} from '../../adapter/protocol';

const VMX_HELLO = kernel('vmx-hello');
const VMX_EXITS = kernel('vmx-exits');
const VMX_BAD_ENTRY = kernel('vmx-bad-entry');

describe('DAP nestvirt custom requests', function () {
  this.timeout(120000);
  let dc: DebugClient;

  before(() => buildExamples());
  beforeEach(async () => { dc = await startClient(); });
  afterEach(async () => { await dc.stop(); });

  const custom = <T>(command: string, args?: unknown): Promise<T> => customBody<T>(dc, command, args);

  async function customError(command: string, args: unknown): Promise<string> {
    try {
      await dc.customRequest(command, args);
    } catch (e) {
      return (e as Error).message;
    }
    assert.fail(`${command} ${JSON.stringify(args)} succeeded`);
  }

  /** Stopped on vmx-hello's last exit (VMCALL): every transition of the run has happened. */
  async function atLastExit(): Promise<{ changed: TransitionsChangedBody }> {
    const changed = dc.waitForEvent('nestvirt/transitionsChanged');
    await launchUntilStop(dc, VMX_HELLO, async () => {
      await dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'vm-exit-reflected', condition: 'reason == VMCALL' }] });
    });
    return { changed: (await changed).body as TransitionsChangedBody };
  }

  it('records exactly the transitions of `nestvirt run --trace` (vmx-hello)', async () => {
    const cli = cliTransitions(VMX_HELLO);
    const { changed } = await atLastExit();
    assert.strictEqual(changed.total, cli.length);
    const r = await custom<TransitionsResponse>('nestvirt/transitions', { count: 5000 });
    assert.strictEqual(r.total, cli.length);
    const lines = r.transitions.map((t) => `[${String(t.icount).padStart(12)}] cpu${t.vcpu} L${t.from}->L${t.to} ${t.type} ${t.reasonName}(${t.reason})`);
    assert.deepStrictEqual(lines, cli.map((l) => l.replace(/\)( .*)?$/, ')')));
    const cpuid = r.transitions.find((t) => t.reasonName === 'CPUID')!;
    assert.match(cpuid.rip!, /^0x[0-9a-f]+$/);
    assert.strictEqual(cpuid.qual, '0x0');
    assert.strictEqual(cpuid.rule, 'l1WantsCpuid');

    const page = await custom<TransitionsResponse>('nestvirt/transitions', { start: 2, count: 3 });
    assert.deepStrictEqual(page.transitions.map((t) => t.seq), r.transitions.slice(2, 5).map((t) => t.seq));
    assert.strictEqual(page.total, cli.length);
    const io = await custom<TransitionsResponse>('nestvirt/transitions', { filter: { condition: 'type == reflect && qual.port == 0x80' } });
    assert.deepStrictEqual(io.transitions.map((t) => t.reasonName), ['IO_INSTRUCTION']);
    const entries = await custom<TransitionsResponse>('nestvirt/transitions', { filter: { type: ['entry'] } });
    assert.strictEqual(entries.total, cli.filter((l) => / entry /.test(l)).length);

    const stats = await custom<StatsResponse>('nestvirt/stats');
    assert.strictEqual(stats.total, cli.length);
    assert.strictEqual(stats.reasons.reduce((n, x) => n + x.count, 0), cli.length);
    const row = stats.reasons.find((x) => x.reasonName === 'CPUID')!;
    assert.deepStrictEqual([row.count, row.reflected, row.handledByL0], [1, 1, 0]);
    assert.ok(row.handlingInstructions > 0);
    assert.strictEqual(stats.reasons.find((x) => x.reasonName === 'VMRESUME')!.count, cli.filter((l) => /VMRESUME/.test(l)).length);
  });

  it('counts every transition of a longer run (vmx-exits), also after the run ended', async () => {
    const cli = cliTransitions(VMX_EXITS);
    const terminated = dc.waitForEvent('terminated');
    await Promise.all([dc.configurationSequence(), dc.launch({ program: VMX_EXITS, cpu: 'max' })]);
    await terminated;
    const r = await custom<TransitionsResponse>('nestvirt/transitions', { start: cli.length - 1, count: 10 });
    assert.strictEqual(r.total, cli.length);
    assert.strictEqual(r.transitions.length, 1);
    assert.strictEqual(r.transitions[0].reasonName, 'VMCALL');
    const stats = await custom<StatsResponse>('nestvirt/stats');
    assert.strictEqual(stats.total, cli.length);
    assert.strictEqual(stats.reasons.find((x) => x.reasonName === 'CPUID')!.count, cli.filter((l) => / CPUID\(10\)/.test(l)).length);
  });

  it('nesting, lint and exportTrace at a stop in L1\'s exit handler', async () => {
    await atLastExit();
    const n = await custom<NestingResponse>('nestvirt/nesting');
    assert.strictEqual(n.vcpus.length, 1);
    const v = n.vcpus[0];
    assert.strictEqual(v.arch, 'vmx');
    assert.deepStrictEqual(v.levels.map((l) => [l.level, l.activity]), [[1, 'handling-exit'], [0, 'running']]);
    assert.strictEqual(v.lastTransition!.reasonName, 'VMCALL');
    assert.match(v.levels[0].description, /^L1 — handling VMCALL, at 0x[0-9a-f]+ in vm_exit_entry/);

    const lint = await custom<LintResponse>('nestvirt/lint', { threadId: 1 });
    assert.strictEqual(lint.available, true, lint.message);
    assert.ok(lint.checksRun > 50, String(lint.checksRun));
    assert.deepStrictEqual(lint.failures, []);
    assert.match(lint.message, /^VMRESUME passes all \d+ checks$/);

    const file = path.join(os.tmpdir(), `nestvirt-trace-${process.pid}.json`);
    try {
      const out = await custom<ExportTraceResponse>('nestvirt/exportTrace', { path: file });
      const trace = JSON.parse(fs.readFileSync(file, 'utf8')) as { traceEvents: { ph: string; name: string }[] };
      assert.strictEqual(out.events, trace.traceEvents.length);
      assert.strictEqual(trace.traceEvents.filter((e) => e.ph === 'i').length, cliTransitions(VMX_HELLO).length);
      assert.ok(trace.traceEvents.some((e) => e.ph === 'X' && e.name === 'L2'));
    } finally {
      fs.rmSync(file, { force: true });
    }
    const inline = await custom<ExportTraceResponse>('nestvirt/exportTrace', {});
    assert.strictEqual(JSON.parse(inline.json!).traceEvents.length, inline.events);
  });

  it('lint lists every failing check of a bad VMCS12 (vmx-bad-entry)', async () => {
    await launchUntilStop(dc, VMX_BAD_ENTRY, async () => {
      await dc.setExceptionBreakpointsRequest({ filters: ['vm-entry-failure'] });
    });
    const lint = await custom<LintResponse>('nestvirt/lint', { threadId: 1, instruction: 'vmlaunch' });
    assert.strictEqual(lint.available, true);
    const f = lint.failures.find((x) => x.id === 'GUEST-CS-L-DB');
    assert.ok(f, lint.failures.map((x) => x.id).join(', '));
    assert.strictEqual(f.section, 'SDM 27.3.1.2');
    assert.strictEqual(f.field, 'GUEST_CS_AR_BYTES');
    assert.match(f.outcome, /VM-entry failure, exit reason 0x80000021 \(33\)/);
    assert.match(lint.message, /^VMLAUNCH would fail \d+ of \d+ checks/);
  });

  it('stepToTransition runs to the next transition of the vCPU', async () => {
    await launchUntilStop(dc, VMX_HELLO, async () => {
      await dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'vm-exit-reflected', condition: 'reason == CPUID' }] });
    });
    const before = (await custom<TransitionsResponse>('nestvirt/transitions', {})).total;
    let stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    await custom('nestvirt/stepToTransition', { threadId: 1 });
    let ev = await stopped;
    assert.strictEqual(ev.body.reason, 'step');
    assert.match(ev.body.description!, /VM entry VMRESUME L1 → L2 at 0x[0-9a-f]+; now in L2 at/);
    assert.strictEqual((await custom<TransitionsResponse>('nestvirt/transitions', {})).total, before + 1);
    stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    await custom('nestvirt/stepToTransition', { threadId: 1, direction: 'forward' });
    ev = await stopped;
    assert.match(ev.body.description!, /VM exit IO_INSTRUCTION \(30\) from L2/);
  });

  it('answers bad arguments with errors that name them', async () => {
    await atLastExit();
    assert.match(await customError('nestvirt/transitions', { count: -1 }), /count must be an integer from 0 to 5000/);
    assert.match(await customError('nestvirt/transitions', { filter: { condition: 'reason ==' } }), /filter\.condition: column 10/);
    assert.match(await customError('nestvirt/transitions', { filter: { vcpu: 'x' } }), /filter\.vcpu must be a list of numbers/);
    assert.match(await customError('nestvirt/lint', { threadId: 7 }), /no thread 7/);
    assert.match(await customError('nestvirt/stepToTransition', { direction: 'sideways' }), /direction must be 'forward' or 'backward'/);
    assert.match(await customError('nestvirt/gotoTransition', {}), /seq .* is required/);
    assert.match(await customError('nestvirt/exportTrace', { path: 'relative.json' }), /path must be an absolute file path/);
    assert.match(await customError('nestvirt/noSuchThing', {}), /unknown request 'nestvirt\/noSuchThing'/);
  });
});
