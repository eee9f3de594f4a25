// Transitions and reverse execution over DAP: nestvirt/gotoTransition and a
// step back to the previous transition land at the same documented point
// (just after the transition, at the first instruction of the level it went
// to: adapter/protocol.ts), and an edit at a past point drops the recorded
// transitions that no longer happen (TransitionLog.truncate via
// History.onRewrite).
import * as assert from 'assert';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { buildExamples, startClient, launchUntilStop, kernel, custom as customBody } from './nesting-client';
import type { TransitionsResponse, NestingResponse, TransitionRecord } from '../../adapter/protocol';

const VMX_HELLO = kernel('vmx-hello');

describe('DAP transitions under reverse execution', function () {
  this.timeout(120000);
  let dc: DebugClient;

  before(() => buildExamples());
  beforeEach(async () => { dc = await startClient(); });
  afterEach(async () => { await dc.stop(); });

  const custom = <T>(command: string, args?: unknown): Promise<T> => customBody<T>(dc, command, args);

  async function stopAfter(req: () => Promise<unknown>): Promise<DebugProtocol.StoppedEvent> {
    const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
    await req();
    return stopped;
  }

  /** Stopped on vmx-hello's VMCALL exit: the whole run's transitions are recorded. */
  async function atLastExit(): Promise<TransitionRecord[]> {
    await launchUntilStop(dc, VMX_HELLO, async () => {
      await dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'vm-exit-reflected', condition: 'reason == VMCALL' }] });
    });
    return (await custom<TransitionsResponse>('nestvirt/transitions', { count: 5000 })).transitions;
  }

  /** Where vCPU 0 stands: running level, its RIP, and the machine's position. */
  async function where(): Promise<{ level: number; rip?: string; icountNow: number }> {
    const n = await custom<NestingResponse>('nestvirt/nesting');
    const top = n.vcpus[0].levels[0];
    const icountNow = (await custom<TransitionsResponse>('nestvirt/transitions', { count: 0 })).icountNow;
    return { level: top.level, rip: top.rip, icountNow };
  }

  it('gotoTransition(seq) and a step back from just after seq + 1 both stop just after seq, in the level it went to', async () => {
    const all = await atLastExit();
    assert.ok(all.length >= 10);
    const picks = [all.length - 3, 4, 7].filter((s) => s > 0 && s + 1 < all.length);
    for (const seq of picks) {
      const ev = await stopAfter(() => custom('nestvirt/gotoTransition', { seq }));
      assert.match(ev.body.description ?? '', new RegExp(`after transition ${seq} `));
      const there = await where();
      assert.strictEqual(there.level, all[seq].to, `goto ${seq}: in the level the transition went to`);
      // From just after the next transition, one step back to the previous transition lands here.
      await stopAfter(() => custom('nestvirt/gotoTransition', { seq: seq + 1 }));
      const back = await stopAfter(() => custom('nestvirt/stepToTransition', { threadId: 1, direction: 'backward' }));
      assert.match(back.body.description ?? '', new RegExp(`after transition ${seq} `));
      assert.deepStrictEqual(await where(), there, `step back from ${seq + 1}`);
    }
  });

  it('an edit at a past point drops the recorded transitions after it; running on records the new ones', async () => {
    const all = await atLastExit();
    const seq = 5;
    await stopAfter(() => custom('nestvirt/gotoTransition', { seq }));
    // Still the whole run: going back in time keeps the known future.
    assert.strictEqual((await custom<TransitionsResponse>('nestvirt/transitions', { count: 0 })).total, all.length);
    // Any edit makes the run from here a new one (the bytes written here are the ones already there).
    const mem = (await dc.customRequest('readMemory', { memoryReference: '0x500', count: 4 })) as DebugProtocol.ReadMemoryResponse;
    await dc.customRequest('writeMemory', { memoryReference: '0x500', data: mem.body!.data });
    const cut = await custom<TransitionsResponse>('nestvirt/transitions', { count: 5000 });
    assert.deepStrictEqual(cut.transitions.map((t) => t.seq), all.slice(0, seq + 1).map((t) => t.seq));
    // Running on records the transitions anew (the edit changed nothing the guest reads, so they are the same).
    await stopAfter(() => dc.continueRequest({ threadId: 1 }));
    const again = await custom<TransitionsResponse>('nestvirt/transitions', { count: 5000 });
    assert.deepStrictEqual(again.transitions, all);
  });
});
