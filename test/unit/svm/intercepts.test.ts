import { strict as assert } from 'assert';
import {
  MSRPM_RANGES, SVM_INTERCEPTS, cr0WriteExit, crReadIntercepted, crWriteIntercepted, drReadIntercepted, drWriteIntercepted,
  exceptionIntercepted, exitCodeIntercepted, interceptBitOf, interceptByName, interceptForExitCode, interceptNames, iopmIntercepts,
  ioioExitTaken, isIntercepted, msrExitTaken, msrpmBit, msrpmIntercepts, vmcbIopmBase, vmcbMsrpmBase,
} from '../../../emulator/svm/intercepts';
import { ByteRegion } from '../../../emulator/svm/phys';
import { VMCB_OFF } from '../../../emulator/svm/vmcb-layout';
import { vmcbImage, writeField } from '../../../emulator/svm/vmcb-access';
import { svmExit } from '../../../emulator/svm/exit-codes';
import { readTsv } from './reference';

function setBit(v: ByteRegion, g: number): void {
  const off = (g >>> 5) * 4;
  v.write(off, 4, (v.read(off, 4) | (1 << (g & 31))) >>> 0);
}

describe('svm/intercepts: the table', () => {
  it('matches svm-intercepts.tsv row for row (word offset, bit, global bit, name, exit code, QEMU)', () => {
    const rows = readTsv('svm-intercepts.tsv').filter((r) => /^\d+$/.test(r.bit));
    assert.equal(rows.length, SVM_INTERCEPTS.length);
    rows.forEach((r, i) => {
      const x = SVM_INTERCEPTS[i];
      assert.equal(x.wordOffset, parseInt(r.word_offset, 16), r.name);
      assert.equal(x.bit, parseInt(r.bit, 10), r.name);
      assert.equal(x.globalBit, parseInt(r.global_bit, 10), r.name);
      assert.equal(x.name, r.name);
      assert.equal(x.exitCode, parseInt(r.exit_code, 16), r.name);
      assert.equal(x.qemuTcg, r.qemu_tcg.split(/[\s(]/)[0], r.name);
    });
  });

  it('every intercept names the exit code it produces, and that exit exists', () => {
    for (const x of SVM_INTERCEPTS) {
      assert.equal(x.exitCode, x.globalBit);
      assert.equal(interceptForExitCode(x.exitCode), x);
      assert.ok(svmExit(x.exitCode), `exit code 0x${x.exitCode.toString(16)} (${x.name}) in the exit table`);
    }
    assert.equal(interceptForExitCode(0xa7), undefined);
    assert.equal(interceptForExitCode(0x400), undefined);
    assert.equal(interceptBitOf('VMRUN'), 128);
    assert.equal(interceptByName('IOIO_PROT')?.globalBit, 123);
    assert.throws(() => interceptBitOf('VMRUNN'), /no SVM intercept/);
  });
});

describe('svm/intercepts: decoding a VMCB', () => {
  it('lists set intercepts by name, reserved bits included', () => {
    const v = vmcbImage();
    assert.deepEqual(interceptNames(v), []);
    writeField(v, 'INTERCEPT_CR_READ', 1 << 3);
    writeField(v, 'INTERCEPT_CR_WRITE', (1 << 0) | (1 << 8));
    writeField(v, 'INTERCEPT_EXCEPTIONS', (1 << 14) | (1 << 6));
    writeField(v, 'INTERCEPT_MISC1', (1 << 18) | (1 << 27) | (1 << 28) | (1 << 31));
    writeField(v, 'INTERCEPT_MISC2', 0b11);
    writeField(v, 'INTERCEPT_MISC3', 1 << 9);
    assert.deepEqual(interceptNames(v), [
      'CR3_READ', 'CR0_WRITE', 'CR8_WRITE', 'EXCP_6', 'EXCP_14', 'CPUID', 'IOIO_PROT', 'MSR_PROT', 'SHUTDOWN', 'VMRUN', 'VMMCALL', 'reserved(5.9)',
    ]);
    assert.ok(isIntercepted(v, 'CPUID'));
    assert.ok(!isIntercepted(v, 'HLT'));
  });

  it('answers the L0 predicates: exceptions, CR/DR reads and writes, the exit-code rule', () => {
    const v = vmcbImage();
    setBit(v, interceptBitOf('EXCP_14'));
    setBit(v, interceptBitOf('CR4_READ'));
    setBit(v, interceptBitOf('CR3_WRITE'));
    setBit(v, interceptBitOf('DR7_READ'));
    setBit(v, interceptBitOf('DR0_WRITE'));
    setBit(v, interceptBitOf('HLT'));
    setBit(v, interceptBitOf('IDLE_HLT'));
    assert.ok(exceptionIntercepted(v, 14));
    assert.ok(!exceptionIntercepted(v, 13));
    assert.ok(!exceptionIntercepted(v, 32));
    assert.ok(crReadIntercepted(v, 4) && !crReadIntercepted(v, 3));
    assert.ok(crWriteIntercepted(v, 3) && !crWriteIntercepted(v, 4));
    assert.ok(drReadIntercepted(v, 7) && !drReadIntercepted(v, 0));
    assert.ok(drWriteIntercepted(v, 0) && !drWriteIntercepted(v, 7));
    assert.ok(exitCodeIntercepted(v, 0x4e)); // #PF
    assert.ok(exitCodeIntercepted(v, 0x78)); // HLT
    assert.ok(exitCodeIntercepted(v, 0xa6)); // IDLE_HLT, word 5
    assert.ok(!exitCodeIntercepted(v, 0x72));
    assert.ok(!exitCodeIntercepted(v, 0x400));
    assert.ok(!exitCodeIntercepted(v, -1));
  });

  it('CR0 writes: the plain intercept wins; the selective one ignores TS/MP for MOV, not for LMSW; never CLTS', () => {
    const v = vmcbImage();
    const PE = 1, MP = 2, TS = 8, PG = 0x80000000 | 0;
    const base = PE | PG;
    assert.equal(cr0WriteExit(v, base, base | TS, 'mov'), null);
    setBit(v, interceptBitOf('CR0_SEL_WRITE'));
    assert.equal(cr0WriteExit(v, base, base | TS | MP, 'mov'), null);
    assert.equal(cr0WriteExit(v, base, base | 0x10000, 'mov'), 0x65); // WP
    assert.equal(cr0WriteExit(v, base, base & ~PG, 'mov'), 0x65);
    assert.equal(cr0WriteExit(v, base | TS, base, 'clts'), null);
    assert.equal(cr0WriteExit(v, base, base | MP, 'lmsw'), 0x65);
    assert.equal(cr0WriteExit(v, base, base & ~PE, 'lmsw'), null, 'LMSW cannot clear PE: no change');
    assert.equal(cr0WriteExit(v, base, base, 'lmsw'), null);
    setBit(v, interceptBitOf('CR0_WRITE'));
    assert.equal(cr0WriteExit(v, base, base | 0x10000, 'mov'), 0x10);
    assert.equal(cr0WriteExit(v, base, base, 'mov'), 0x10);
    assert.equal(cr0WriteExit(v, base | TS, base, 'clts'), 0x10);
  });
});

describe('svm/intercepts: I/O permission map', () => {
  const IOPM = 0x10000;
  const mem = () => new ByteRegion(new Uint8Array(0x3000), IOPM);

  it('checks one bit per byte of the access, within and across IOPM bytes', () => {
    const m = mem();
    m.write(IOPM + (0x3f8 >>> 3), 1, 1 << (0x3f8 & 7)); // port 0x3f8
    assert.ok(iopmIntercepts(m, IOPM, 0x3f8, 1));
    assert.ok(!iopmIntercepts(m, IOPM, 0x3f9, 1));
    assert.ok(iopmIntercepts(m, IOPM, 0x3f7, 2), '0x3f7..0x3f8 touches 0x3f8 (next IOPM byte)');
    assert.ok(iopmIntercepts(m, IOPM, 0x3f5, 4), '0x3f5..0x3f8');
    assert.ok(!iopmIntercepts(m, IOPM, 0x3f4, 4), '0x3f4..0x3f7');
    assert.ok(!iopmIntercepts(m, IOPM, 0x3f9, 4));
    m.write(IOPM + 0, 1, 0x80); // port 7
    assert.ok(iopmIntercepts(m, IOPM, 6, 2));
    assert.ok(iopmIntercepts(m, IOPM, 7, 4), 'crosses from byte 0 into byte 1');
    assert.ok(!iopmIntercepts(m, IOPM, 8, 4));
  });

  it('an access crossing port 0xFFFF reads bits 0x10000.. at IOPM byte 0x2000 (no wrap to port 0)', () => {
    const m = mem();
    assert.ok(!iopmIntercepts(m, IOPM, 0xffff, 1));
    m.write(IOPM + 0x2000, 1, 0x01); // "port" 0x10000
    assert.ok(!iopmIntercepts(m, IOPM, 0xffff, 1));
    assert.ok(iopmIntercepts(m, IOPM, 0xffff, 2));
    assert.ok(iopmIntercepts(m, IOPM, 0xfffe, 4));
    assert.ok(!iopmIntercepts(m, IOPM, 0xfffc, 4));
    m.write(IOPM + 0x2000, 1, 0x04); // "port" 0x10002
    assert.ok(iopmIntercepts(m, IOPM, 0xffff, 4));
    assert.ok(!iopmIntercepts(m, IOPM, 0xffff, 2));
    m.write(IOPM, 1, 0x01); // port 0 must not be consulted by the wrap
    m.write(IOPM + 0x2000, 1, 0);
    assert.ok(!iopmIntercepts(m, IOPM, 0xffff, 4));
    m.write(IOPM + 0x1fff, 1, 0x80); // port 0xffff
    assert.ok(iopmIntercepts(m, IOPM, 0xfffe, 2));
  });

  it('IOIO exits need IOIO_PROT; the base ignores bits 11:0', () => {
    const v = vmcbImage();
    const m = mem();
    m.write(IOPM + (0x80 >>> 3), 1, 1);
    writeField(v, 'IOPM_BASE_PA', IOPM | 0xabc);
    assert.equal(vmcbIopmBase(v), IOPM);
    assert.ok(!ioioExitTaken(v, m, 0x80, 1));
    setBit(v, interceptBitOf('IOIO_PROT'));
    assert.ok(ioioExitTaken(v, m, 0x80, 1));
    assert.ok(!ioioExitTaken(v, m, 0x81, 1));
  });
});

describe('svm/intercepts: MSR permission map', () => {
  const MSRPM = 0x20000;
  const mem = () => new ByteRegion(new Uint8Array(0x2000), MSRPM);

  it('places 2 bits per MSR in three ranges and nothing outside them', () => {
    assert.deepEqual(MSRPM_RANGES.map((r) => r.byteOffset), [0x000, 0x800, 0x1000]);
    assert.equal(msrpmBit(0, false), 0);
    assert.equal(msrpmBit(0, true), 1);
    assert.equal(msrpmBit(0x1fff, true), 0x7ff * 8 + 7);
    assert.equal(msrpmBit(0x2000, false), -1);
    assert.equal(msrpmBit(0xbfffffff, false), -1);
    assert.equal(msrpmBit(0xc0000000, false), 0x800 * 8);
    assert.equal(msrpmBit(0xc0000080, true), 0x800 * 8 + 0x80 * 2 + 1); // EFER write
    assert.equal(msrpmBit(0xc0001fff, true), 0xfff * 8 + 7);
    assert.equal(msrpmBit(0xc0002000, false), -1);
    assert.equal(msrpmBit(0xc000ffff, false), -1);
    assert.equal(msrpmBit(0xc0010000, false), 0x1000 * 8);
    assert.equal(msrpmBit(0xc0011fff, true), 0x17ff * 8 + 7);
    assert.equal(msrpmBit(0xc0012000, false), -1);
    assert.equal(msrpmBit(0xffffffff, false), -1);
    assert.equal(msrpmBit(-1, false), -1, 'ECX is unsigned');
  });

  it('looks up read and write bits separately; MSRs outside the ranges always exit', () => {
    const m = mem();
    const set = (msr: number, write: boolean) => {
      const b = msrpmBit(msr, write);
      const a = MSRPM + (b >>> 3);
      m.write(a, 1, m.read(a, 1) | (1 << (b & 7)));
    };
    set(0xc0000080, true);
    set(0x10, false); // TSC read
    set(0xc0011fff, false);
    assert.ok(msrpmIntercepts(m, MSRPM, 0xc0000080, true));
    assert.ok(!msrpmIntercepts(m, MSRPM, 0xc0000080, false));
    assert.ok(msrpmIntercepts(m, MSRPM, 0x10, false));
    assert.ok(!msrpmIntercepts(m, MSRPM, 0x10, true));
    assert.ok(!msrpmIntercepts(m, MSRPM, 0x11, false));
    assert.ok(msrpmIntercepts(m, MSRPM, 0xc0011fff, false));
    assert.ok(!msrpmIntercepts(m, MSRPM, 0xc0011ffe, false));
    assert.ok(msrpmIntercepts(m, MSRPM, 0x2000, false), 'outside: always');
    assert.ok(msrpmIntercepts(m, MSRPM, 0xc0010117 + 0x2000, true));
  });

  it('MSR exits need MSR_PROT', () => {
    const v = vmcbImage();
    const m = mem();
    writeField(v, 'MSRPM_BASE_PA', MSRPM + 0x123);
    assert.equal(vmcbMsrpmBase(v), MSRPM);
    assert.ok(!msrExitTaken(v, m, 0x2000, false), 'no MSR_PROT: nothing exits');
    setBit(v, interceptBitOf('MSR_PROT'));
    assert.ok(msrExitTaken(v, m, 0x2000, false));
    assert.ok(!msrExitTaken(v, m, 0x10, false));
    assert.equal(VMCB_OFF.MSRPM_BASE_PA, 0x48);
  });
});
