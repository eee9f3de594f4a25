import { strict as assert } from 'assert';
import {
  SVM_EXIT_CODES, VMEXIT_INVALID, decodeEventInfo, decodeExitInfo, decodeIoioInfo, describeExit, encodeIoioInfo, exitCodeFromHalves,
  exitCodeName, svmExit, svmExitByName,
} from '../../../emulator/svm/exit-codes';
import { readTsv } from './reference';

describe('svm/exit-codes: the table', () => {
  it('has every code of svm-exit-codes.tsv with its name and NRIP column', () => {
    for (const r of readTsv('svm-exit-codes.tsv')) {
      const name = r.name.split(' ')[0];
      const range = /^0x([0-9A-F]+)-0x([0-9A-F]+)$/i.exec(r.code);
      if (range) {
        const first = parseInt(range[1], 16);
        const last = parseInt(range[2], 16);
        for (let c = first; c <= last; c++) {
          const e = svmExit(c);
          assert.ok(e, `code 0x${c.toString(16)} (${name})`);
          const n = c - first;
          // VMEXIT_CRn_READ -> VMEXIT_CR3_READ, VMEXIT_EXCP_n -> VMEXIT_EXCP_14.
          assert.equal(e.name, name.replace(/n(_|$)/, `${n}$1`), `code 0x${c.toString(16)}`);
          assert.equal(e.nrip, r.nrip === 'yes', e.name);
        }
      } else {
        const code = r.code.startsWith('0x') ? parseInt(r.code, 16) : parseInt(r.code, 10);
        const e = svmExit(code);
        assert.ok(e, `code ${r.code}`);
        assert.equal(e.name, name);
        assert.equal(e.nrip, r.nrip === 'yes', e.name);
      }
    }
  });

  it('is sorted, unique, and every entry carries an APM section and EXITINFO text', () => {
    const codes = SVM_EXIT_CODES.map((e) => e.code);
    assert.equal(new Set(codes).size, codes.length);
    assert.equal(new Set(SVM_EXIT_CODES.map((e) => e.name)).size, codes.length);
    for (const e of SVM_EXIT_CODES) {
      assert.match(e.apm, /§\d+\.\d+/, e.name);
      assert.ok(e.exitInfo1 && e.exitInfo2 && e.exitIntInfo, e.name);
    }
    assert.equal(svmExitByName('VMEXIT_NPF')?.code, 0x400);
    assert.equal(svmExit(0x7b)?.qemuTcg, 'yes');
    assert.equal(svmExit(0x65)?.qemuTcg, 'no');
  });

  it('names exit codes given as numbers, halves or BigInt (all-ones = VMEXIT_INVALID)', () => {
    assert.equal(exitCodeName(0x7b), 'VMEXIT_IOIO');
    assert.equal(exitCodeName(-1), 'VMEXIT_INVALID');
    assert.equal(exitCodeName(0xffffffffffffffffn), 'VMEXIT_INVALID');
    assert.equal(exitCodeName({ lo: 0xffffffff, hi: 0xffffffff }), 'VMEXIT_INVALID');
    assert.equal(exitCodeName({ lo: 0xfffffffe, hi: 0xffffffff }), 'VMEXIT_BUSY');
    assert.equal(exitCodeName({ lo: 0xffffffff, hi: 0 }), 'VMEXIT_UNKNOWN(0xffffffff)', 'only 32 bits set is not VMEXIT_INVALID');
    assert.equal(exitCodeName(0x7b + 0x100000000), 'VMEXIT_UNKNOWN(0x10000007b)', 'high half must be clear');
    assert.equal(exitCodeFromHalves(0xffffffff, 0xffffffff), VMEXIT_INVALID);
    assert.ok(Number.isNaN(exitCodeFromHalves(1, 1)));
    assert.equal(exitCodeName(0xa7), 'VMEXIT_UNKNOWN(0xa7)');
  });
});

describe('svm/exit-codes: EXITINFO decoding', () => {
  it('IOIO: direction, size, port, string/rep, address size, segment, next RIP', () => {
    const out = encodeIoioInfo({ in: false, string: false, rep: false, size: 1, addrSize: 64, seg: 0, port: 0x3f8 });
    assert.equal(out, 0x03f80210);
    assert.equal(decodeExitInfo(0x7b, out, 0x100234), 'OUT 1 byte to port 0x3f8, a64, next RIP 0x100234');
    const ins = encodeIoioInfo({ in: true, string: true, rep: true, size: 2, addrSize: 32, seg: 3, port: 0x1f0 });
    assert.deepEqual(decodeIoioInfo(ins), { in: true, string: true, rep: true, size: 2, addrSize: 32, seg: 3, port: 0x1f0 });
    assert.equal(decodeExitInfo(0x7b, ins, 0x8000), 'REP INS 2 bytes from port 0x1f0, a32, DS, next RIP 0x8000');
    assert.equal(decodeExitInfo(0x7b, 0xf40241, 0x10), 'IN 4 bytes from port 0xf4, a64, next RIP 0x10');
  });

  it('NPF: error-code bits and the guest-physical address', () => {
    assert.equal(decodeExitInfo(0x400, { lo: 0x6, hi: 0x1 }, 0x123000),
      'GPA 0x123000: not present, write, user, final guest-physical address (error code 0x100000006)');
    assert.equal(decodeExitInfo(0x400, { lo: 0x15, hi: 0x2 }, { lo: 0, hi: 1 }),
      'GPA 0x100000000: protection, read, user, instruction fetch, guest page-table walk (error code 0x200000015)');
    assert.equal(decodeExitInfo(0x400, { lo: 0xd, hi: 0x1 }, 0x5000),
      'GPA 0x5000: protection, read, user, reserved bit, final guest-physical address (error code 0x10000000d)');
  });

  it('CR and DR accesses, with and without decode assists', () => {
    assert.equal(decodeExitInfo(0x03, { lo: 0x2, hi: 0x80000000 }, 0), 'MOV from CR3 to rdx');
    assert.equal(decodeExitInfo(0x10, { lo: 0xb, hi: 0x80000000 }, 0), 'MOV to CR0 from r11');
    assert.equal(decodeExitInfo(0x10, 0, 0), 'CR0 write (LMSW/CLTS, or no decode assists)');
    assert.equal(decodeExitInfo(0x18, 0, 0), 'CR8 write (no decode assists)');
    assert.equal(decodeExitInfo(0x27, 0, 0), 'MOV from DR7 (GPR rax with decode assists)');
    assert.equal(decodeExitInfo(0x30, 3, 0), 'MOV to DR0 (GPR rbx with decode assists)');
    assert.equal(decodeExitInfo(0x93, 0x80000011, 0), 'CR3 written: 0x80000011');
    assert.equal(decodeExitInfo(0x8f, 0x1d01, 0), 'EFER written: 0x1d01');
  });

  it('exceptions: vector, error code, #PF address', () => {
    assert.equal(decodeExitInfo(0x4e, 0x2, 0xdead000), '#PF at 0xdead000, error code 0x2 (not present, write, supervisor)');
    assert.equal(decodeExitInfo(0x4e, 0x15, { lo: 0x1000, hi: 0xffff8000 }),
      '#PF at 0xffff800000001000, error code 0x15 (protection, read, user, instruction fetch)');
    assert.equal(decodeExitInfo(0x4d, 0, 0), '#GP error code 0');
    assert.equal(decodeExitInfo(0x4d, 0x12, 0), '#GP error code 0x12 (IDT index 0x2)');
    assert.equal(decodeExitInfo(0x4b, 0x2c, 0), '#NP error code 0x2c (LDT index 0x5)');
    assert.equal(decodeExitInfo(0x46, 0, 0), '#UD (invalid opcode)');
    assert.equal(decodeExitInfo(0x51, 0, 0), '#AC error code 0x0');
    assert.equal(decodeExitInfo(0x48, 0, 0), '#DF error code 0x0');
  });

  it('MSR, task switch, INTn, INVLPG and exits without information', () => {
    assert.equal(decodeExitInfo(0x7c, 0, 0), 'RDMSR');
    assert.equal(decodeExitInfo(0x7c, 1, 0), 'WRMSR');
    assert.equal(decodeExitInfo(0x7d, 0x28, { lo: 0x1c, hi: (1 << 12) | (1 << 6) }), 'task switch to TSS 0x28 by far JMP, error code 0x1c');
    assert.equal(decodeExitInfo(0x7d, 0x30, { lo: 0, hi: 1 << 4 }), 'task switch to TSS 0x30 by IRET');
    assert.equal(decodeExitInfo(0x75, 0x80, 0), 'INT 0x80');
    assert.equal(decodeExitInfo(0x79, { lo: 0x1000, hi: 0xffffffff }, 0), 'INVLPG 0xffffffff00001000 (with decode assists)');
    assert.equal(decodeExitInfo(0x78, 0, 0), 'HLT');
    assert.equal(decodeExitInfo(0x72, 0, 0), 'CPUID');
    assert.equal(decodeExitInfo(0x60, 0, 0), 'physical maskable interrupt (at an instruction boundary; stays pending)');
    assert.equal(decodeExitInfo(-1, 0, 0), 'VMRUN consistency check failed; the guest never ran');
    assert.equal(describeExit(0x81, 0, 0), 'VMEXIT_VMMCALL: VMMCALL');
    assert.equal(describeExit(0x7c, 1, 0), 'VMEXIT_MSR: WRMSR');
  });

  it('EVENTINJ / EXITINTINFO text', () => {
    assert.equal(decodeEventInfo(0), 'none');
    assert.equal(decodeEventInfo({ lo: 0x80000b0e, hi: 0x2 }), 'exception #PF (vector 14), error code 0x2');
    assert.equal(decodeEventInfo(0x80000202), 'NMI');
    assert.equal(decodeEventInfo(0x80000020), 'external interrupt vector 0x20');
    assert.equal(decodeEventInfo(0x80000480), 'software interrupt vector 0x80');
    assert.equal(decodeEventInfo(0x80000100), 'reserved type 1 vector 0x0');
    assert.equal(decodeEventInfo(0x80001306), 'exception #UD (vector 6), reserved bits 0x1000 set');
  });
});
