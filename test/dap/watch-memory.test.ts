// emulator/debug/watch-memory.ts under the CPU's fast write path: a watch
// set on a page the vCPU has already written through its TLB (page pointer
// cached) still sees the next write, and removing it leaves the page's
// writes unobserved.
import * as assert from 'assert';
import * as fs from 'fs';
import { Machine } from '../../emulator/machine/machine';
import { MemoryWatches, MemoryWatchHit } from '../../emulator/debug/watch-memory';
import { peekTranslate } from '../../emulator/debug/guest-memory';
import { buildExamples, VMX_HELLO, vmxHelloElf } from './vmx-hello-client';

describe('memory watches (emulator/debug/watch-memory.ts)', function () {
  this.timeout(120000);
  before(buildExamples);

  it('sees writes through the TLB fast path once set, and none after removal', () => {
    const elf = vmxHelloElf();
    const exitsLin = Number(elf.symbol('exits')!.value);
    const handler = Number(elf.symbol('on_vm_exit')!.value);
    const m = new Machine({ kernelPath: VMX_HELLO, kernel: new Uint8Array(fs.readFileSync(VMX_HELLO)), cpu: 'max', serialOut: () => {} });
    const cpu = m.cpus[0];
    // Run until L1 has counted two exits: `exits` was written through the TLB since.
    const exitsPhys = (): number => peekTranslate(cpu, exitsLin)!;
    while (!(m.mem.isRam(exitsLin) && m.mem.read(exitsPhys(), 4) === 2)) assert.strictEqual(m.run(1000).kind, 'limit');
    const w = new MemoryWatches(m.mem);
    const hits: (MemoryWatchHit & { rip: number })[] = [];
    w.onHit = (h) => { hits.push({ ...h, rip: cpu.rip }); m.stop(); };
    const watch = w.add('exits', [{ phys: exitsPhys(), len: 4 }]);
    m.run(10_000_000);
    assert.strictEqual(hits.length, 1);
    assert.deepStrictEqual([...hits[0].old], [2, 0, 0, 0]);
    assert.deepStrictEqual([...hits[0].now], [3, 0, 0, 0]);
    // The writing instruction is L1's `exits++` in on_vm_exit.
    assert.ok(hits[0].rip >= handler && hits[0].rip < handler + 0x400, `rip 0x${hits[0].rip.toString(16)}`);
    w.remove(watch.id);
    assert.strictEqual(w.count, 0);
    const end = m.run(10_000_000);
    assert.strictEqual(hits.length, 1, 'no hit after removal');
    assert.strictEqual(end.kind, 'debug-exit');
    assert.strictEqual(m.mem.read(exitsPhys(), 4), 7);
  });
});
