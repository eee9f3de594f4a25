import { strict as assert } from 'assert';
import {
  EXIT_REASONS, EXIT_REASON, exitReason, exitReasonName, decodeQualification, describeExitReason, entryFailureExitReason,
} from '../../../emulator/vmx/exit-reasons';
import { readTsv } from './helpers';

const ROWS = readTsv('vmx-exit-reasons.tsv').filter((r) => !r.name.startsWith('('));

describe('VMX exit reasons (vmx-exit-reasons.tsv)', () => {
  it('has every TSV reason with its name, qualification text and nested rule', () => {
    assert.equal(EXIT_REASONS.length, ROWS.length);
    for (const r of ROWS) {
      const d = exitReason(Number(r.number));
      assert.ok(d, r.number);
      assert.equal(d.name, r.name.split(' ')[0]);
      assert.equal(d.nestedRule, r.nested_rule);
      if (d.number !== 33) assert.equal(d.qualification, r.exit_qualification, d.name);
    }
    assert.equal(exitReason(35), undefined);
  });

  it('reason 33 qualification 3 is NMI injection under STI blocking (SDM 27.8; corrects the TSV text)', () => {
    assert.match(exitReason(33)!.qualification, /3 NMI injection while blocking by STI/);
    assert.equal(decodeQualification(33, 3, 0), '3: NMI injection while blocking by STI');
  });

  it('marks the unconditional exits and the VM-entry failures', () => {
    const uncond = EXIT_REASONS.filter((d) => d.unconditional).map((d) => d.name);
    for (const n of ['CPUID', 'GETSEC', 'INVD', 'XSETBV', 'VMCALL', 'VMLAUNCH', 'VMRESUME', 'INVEPT', 'INVVPID', 'TASK_SWITCH', 'TRIPLE_FAULT', 'INIT_SIGNAL']) {
      assert.ok(uncond.includes(n), n);
    }
    for (const n of ['HLT', 'IO_INSTRUCTION', 'MSR_READ', 'EPT_VIOLATION', 'EXCEPTION_NMI']) assert.ok(!uncond.includes(n), n);
    assert.deepEqual(EXIT_REASONS.filter((d) => d.entryFailure).map((d) => d.number), [33, 34, 41]);
    assert.equal(entryFailureExitReason(33), 0x80000021);
    assert.equal(entryFailureExitReason(34), 0x80000022);
  });

  it('names reasons by number and number by name', () => {
    assert.equal(EXIT_REASON.CPUID, 10);
    assert.equal(EXIT_REASON.EPT_VIOLATION, 48);
    assert.equal(EXIT_REASON.NOTIFY, 75);
    assert.equal(exitReasonName(0x80000021), 'INVALID_GUEST_STATE');
    assert.equal(exitReasonName(38), 'RESERVED_38');
    assert.equal(exitReasonName(200), 'UNKNOWN_200');
    assert.equal(describeExitReason(0x80000021), 'INVALID_GUEST_STATE (33, VM-entry failure)');
    assert.equal(describeExitReason(48 | (1 << 26)), 'EPT_VIOLATION (48, bus lock)');
    assert.equal(describeExitReason(10), 'CPUID (10)');
  });

  describe('decodeQualification', () => {
    const cases: [string, number, number, number, string, number?][] = [
      ['no qualification', 10, 0, 0, '0'],
      ['#PF address', 0, 0xdead000, 0xffff8000, '#PF linear address 0xffff80000dead000', 0x80000b0e],
      ['#DB bits', 0, 0x4001, 0, '#DB B0 BS', 0x80000301],
      ['exception without info', 0, 0x4001, 0, '0x4001 (#PF: linear address; #DB: B0 BS)'],
      ['other exception', 0, 0, 0, '0', 0x80000306],
      ['SIPI vector', 4, 0x9a, 0, 'SIPI vector 0x9a'],
      ['task switch via IRET', 9, 0x40000028, 0, 'task switch to selector 0x28 by IRET'],
      ['task switch via task gate', 9, 0xc0000030, 0, 'task switch to selector 0x30 by task gate in IDT'],
      ['INVLPG', 14, 0x1000, 0xffffffff, 'linear address 0xffffffff00001000'],
      ['VMPTRLD displacement', 21, 0x10, 0, 'displacement 0x10'],
      ['MOV to CR0', 28, 0x0000, 0, 'MOV to CR0 from RAX'],
      ['MOV from CR3 to R12', 28, 0x0c13, 0, 'MOV from CR3 to R12'],
      ['MOV to CR8 from RCX', 28, 0x0108, 0, 'MOV to CR8 from RCX'],
      ['CLTS', 28, 0x20, 0, 'CLTS'],
      ['LMSW memory', 28, 0x00050070, 0, 'LMSW 0x5 (memory operand)'],
      ['MOV to DR7', 29, 0x0307, 0, 'MOV to DR7 from RBX'],
      ['MOV from DR6', 29, 0x0016, 0, 'MOV from DR6 to RAX'],
      ['OUT imm8 byte', 30, 0x00800040, 0, 'OUT 1-byte port 0x80 (immediate)'],
      ['IN dword DX', 30, 0x03f8000b, 0, 'IN 4-byte port 0x3f8 (DX)'],
      ['REP OUTSW', 30, 0x00600031, 0, 'REP OUTS 2-byte port 0x60 (DX)'],
      ['entry failure link', 33, 4, 0, '4: invalid VMCS link pointer'],
      ['entry failure PDPTE', 33, 2, 0, '2: PDPTE load failure'],
      ['MSR-load entry', 34, 3, 0, 'MSR-load entry 3 (1-based)'],
      ['MWAIT armed', 36, 1, 0, 'monitor hardware armed'],
      ['APIC access', 44, 0x10b0, 0, 'linear data write at offset 0xb0'],
      ['APIC access gpa', 44, 0x1a000, 0, 'guest-physical access during event delivery (asynchronous)'],
      ['virtualized EOI', 45, 0x31, 0, 'EOI of vector 0x31'],
      ['EPT violation write', 48, 0x18a, 0, 'data write; EPT permissions r--; linear address valid (access to the translation)'],
      ['EPT violation fetch', 48, 0x1004, 0, 'instruction fetch; EPT permissions ---; no linear address; NMI unblocking due to IRET'],
      ['APIC write', 56, 0x380, 0, 'APIC register 0x380 written'],
      ['PML full', 62, 0x1000, 0, 'NMI unblocking due to IRET'],
      ['SPP misconfig', 66, 0x800, 0, 'SPPT misconfiguration'],
      ['notify', 75, 1, 0, 'VM context invalid'],
      ['unknown reason', 200, 5, 0, '0x5'],
    ];
    for (const [name, reason, lo, hi, want, info] of cases) {
      it(name, () => assert.equal(decodeQualification(reason, lo, hi, info), want));
    }
    it('decodes something for every reason', () => {
      for (const d of EXIT_REASONS) assert.equal(typeof decodeQualification(d.number, 0x1234, 0), 'string');
    });
  });
});
