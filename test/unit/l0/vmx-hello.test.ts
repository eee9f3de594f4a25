// examples/vmx-hello booted in a Machine: a real L1 (gcc-built) launches a
// 64-bit L2 under EPT that runs CPUID, OUT, RDMSR, HLT, UD2, a load from a
// page EPT does not map (an EPT violation: L1 maps the page, INVEPT, resumes)
// and VMCALL; L1 prints each exit and VMRESUMEs. Serial output must equal
// examples/expected/vmx-hello.txt, and the transition stream must alternate
// entry L1->L2 / reflect L2->L1 with the rule that decided each exit.
import { strict as assert } from 'assert';
import { buildKernels } from '../../support/kernels';
import { runExample } from '../../support/example-run';
import { formatTraceLine } from '../../../emulator/debug/trace-format';

describe('examples/vmx-hello (a real L1 runs L2; exits reflected to L1)', function () {
  this.timeout(120000);
  before(() => buildKernels());

  it('prints the expected serial output, exits 0, and traces every entry and reflected exit', () => {
    const { out, expected, opts, end, transitions } = runExample('vmx-hello');
    assert.equal(opts.qemu, false, 'QEMU TCG has no VMX: not a parity kernel');
    assert.equal(out, expected);
    assert.deepEqual(end, { kind: 'debug-exit', status: opts.status, value: 0 });
    const lines = transitions.map((t) => (formatTraceLine(t) ?? '').replace(/^\[ *\d+\] /, ''));
    assert.deepEqual(lines, [
      'cpu0 L1->L2 entry VMLAUNCH(0) handled-by=L0',
      'cpu0 L2->L1 reflect CPUID(10) qual=0 handled-by=L1 rule=l1WantsCpuid',
      'cpu0 L1->L2 entry VMRESUME(0) handled-by=L0',
      'cpu0 L2->L1 reflect IO_INSTRUCTION(30) qual=OUT 1-byte port 0x80 (immediate) handled-by=L1 rule=l1WantsIo',
      'cpu0 L1->L2 entry VMRESUME(0) handled-by=L0',
      'cpu0 L2->L1 reflect MSR_READ(31) qual=0 handled-by=L1 rule=l1WantsMsr',
      'cpu0 L1->L2 entry VMRESUME(0) handled-by=L0',
      'cpu0 L2->L1 reflect HLT(12) qual=0 handled-by=L1 rule=l1WantsHlt',
      'cpu0 L1->L2 entry VMRESUME(0) handled-by=L0',
      'cpu0 L2->L1 reflect EXCEPTION_NMI(0) qual=0 handled-by=L1 rule=l1WantsException',
      'cpu0 L1->L2 entry VMRESUME(0) handled-by=L0',
      'cpu0 L2->L1 reflect EPT_VIOLATION(48) qual=data read; EPT permissions ---; linear address valid (access to the translation) handled-by=L1 rule=ept12Violation: PTE at 0x108830 not present',
      'cpu0 L1->L2 entry VMRESUME(0) handled-by=L0',
      'cpu0 L2->L1 reflect VMCALL(18) qual=0 handled-by=L1 rule=l1WantsVmcall',
    ]);
    // The EPT violation: exit qualification 0x181 and the guest-physical address of the load, in the event too.
    const ept = transitions.find((t) => t.reason === 48)!;
    assert.deepEqual([ept.qualLo, ept.qualHi], [0x181, 0]);
    assert.equal(ept.gpa, 0x106000 + 0x10, 'l2_page (0x106000 in this build; its PTE is entry 0x106 of ept_pt at 0x108000) + 0x10');
    // Determinism: the same run gives the same event stream, instruction counts included.
    const again = runExample('vmx-hello').transitions;
    assert.deepEqual(again.map((t) => [t.seq, t.icount]), transitions.map((t) => [t.seq, t.icount]));
  });
});
