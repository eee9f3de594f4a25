// One row per L2 instruction intercept (AMD APM vol 2 §15.8-§15.14, App. C):
// with the VMCB12 bit the exit reaches L1 with its code, RIP = the
// instruction and the named rule; without it L2 executes the instruction.
import { strict as assert } from 'assert';
import { makeSvmRig, validVmcb12, vmrun, intercept, get, set, transitions, L2_RIP } from './svm-rig';
import { readFieldBig, vmcbInMemory } from '../../../emulator/svm/vmcb-access';

interface Row { what: string; code: number[]; ic: string; exit: number; rule: string; policy?: string }

const ROWS: Row[] = [
  { what: 'MOV from CR0', code: [0x0f, 0x20, 0xc0], ic: 'CR0_READ', exit: 0x00, rule: 'l1InterceptsCrRead' },
  { what: 'MOV to CR3', code: [0x0f, 0x22, 0xd8], ic: 'CR3_WRITE', exit: 0x13, rule: 'l1InterceptsCrWrite' },
  { what: 'CLTS (CR0 write)', code: [0x0f, 0x06], ic: 'CR0_WRITE', exit: 0x10, rule: 'l1InterceptsCrWrite' },
  { what: 'LMSW changing MP (selective CR0 write)', code: [0x0f, 0x01, 0xf0], ic: 'CR0_SEL_WRITE', exit: 0x65, rule: 'l1InterceptsCr0SelWrite' },
  { what: 'MOV from DR7', code: [0x0f, 0x21, 0xf8], ic: 'DR7_READ', exit: 0x27, rule: 'l1InterceptsDrRead' },
  { what: 'MOV to DR0', code: [0x0f, 0x23, 0xc0], ic: 'DR0_WRITE', exit: 0x30, rule: 'l1InterceptsDrWrite' },
  { what: 'RDTSC', code: [0x0f, 0x31], ic: 'RDTSC', exit: 0x6e, rule: 'l1InterceptsRdtsc' },
  { what: 'RDTSCP', code: [0x0f, 0x01, 0xf9], ic: 'RDTSCP', exit: 0x87, rule: 'l1InterceptsRdtscp', policy: 'qemu64,+svm,+rdtscp' },
  { what: 'PUSHF', code: [0x9c], ic: 'PUSHF', exit: 0x70, rule: 'l1InterceptsPushf' },
  { what: 'POPF', code: [0x9d], ic: 'POPF', exit: 0x71, rule: 'l1InterceptsPopf' },
  { what: 'IRETQ (before it executes)', code: [0x48, 0xcf], ic: 'IRET', exit: 0x74, rule: 'l1InterceptsIret' },
  { what: 'INT 0x80', code: [0xcd, 0x80], ic: 'SWINT', exit: 0x75, rule: 'l1InterceptsSwint' },
  { what: 'ICEBP', code: [0xf1], ic: 'ICEBP', exit: 0x88, rule: 'l1InterceptsIcebp' },
  { what: 'INT3 (#BP exception intercept)', code: [0xcc], ic: 'EXCP_3', exit: 0x43, rule: 'l1InterceptsException' },
  { what: 'INVLPG', code: [0x0f, 0x01, 0x38], ic: 'INVLPG', exit: 0x79, rule: 'l1InterceptsInvlpg' },
  { what: 'PAUSE', code: [0xf3, 0x90], ic: 'PAUSE', exit: 0x77, rule: 'l1InterceptsPause' },
  { what: 'WBINVD', code: [0x0f, 0x09], ic: 'WBINVD', exit: 0x89, rule: 'l1InterceptsWbinvd' },
  { what: 'INVD', code: [0x0f, 0x08], ic: 'INVD', exit: 0x76, rule: 'l1InterceptsInvd' },
  { what: 'SIDT', code: [0x0f, 0x01, 0x08], ic: 'IDTR_READ', exit: 0x66, rule: 'l1InterceptsIdtrRead' },
  { what: 'SGDT', code: [0x0f, 0x01, 0x00], ic: 'GDTR_READ', exit: 0x67, rule: 'l1InterceptsGdtrRead' },
  { what: 'SLDT', code: [0x0f, 0x00, 0xc0], ic: 'LDTR_READ', exit: 0x68, rule: 'l1InterceptsLdtrRead' },
  { what: 'STR', code: [0x0f, 0x00, 0xc8], ic: 'TR_READ', exit: 0x69, rule: 'l1InterceptsTrRead' },
  { what: 'LIDT', code: [0x0f, 0x01, 0x18], ic: 'IDTR_WRITE', exit: 0x6a, rule: 'l1InterceptsIdtrWrite' },
  { what: 'VMLOAD (intercept before the rAX alignment #GP)', code: [0x0f, 0x01, 0xda], ic: 'VMLOAD', exit: 0x82, rule: 'l1InterceptsVmload' },
  { what: 'VMSAVE', code: [0x0f, 0x01, 0xdb], ic: 'VMSAVE', exit: 0x83, rule: 'l1InterceptsVmsave' },
  { what: 'STGI', code: [0x0f, 0x01, 0xdc], ic: 'STGI', exit: 0x84, rule: 'l1InterceptsStgi' },
  { what: 'CLGI', code: [0x0f, 0x01, 0xdd], ic: 'CLGI', exit: 0x85, rule: 'l1InterceptsClgi' },
  { what: 'SKINIT', code: [0x0f, 0x01, 0xde], ic: 'SKINIT', exit: 0x86, rule: 'l1InterceptsSkinit' },
  { what: 'INVLPGA', code: [0x0f, 0x01, 0xdf], ic: 'INVLPGA', exit: 0x7a, rule: 'l1InterceptsInvlpga' },
];

describe('l0 nested SVM: instruction intercepts of L2 (APM App. C)', () => {
  for (const row of ROWS) {
    it(`${row.what}: VMCB12 ${row.ic} -> exit 0x${row.exit.toString(16)}`, () => {
      const r = makeSvmRig(row.policy);
      validVmcb12(r, row.code);
      intercept(r, row.ic);
      vmrun(r);
      assert.equal(r.s.level, 1, 'back in L1');
      assert.equal(get(r, 'EXITCODE'), row.exit);
      assert.equal(readFieldBig(vmcbInMemory(r.mem, 0x400000), 'EXITINFO1'), 0n, 'no decode assists: EXITINFO1 = 0');
      assert.equal(get(r, 'RIP'), L2_RIP);
      assert.equal(transitions(r)[1].rule, row.rule);
    });
  }

  it('without the bits, PUSHF and POPF run in L2 (L2 halts)', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x9c, 0x9d]);
    vmrun(r);
    assert.equal(r.s.level, 2);
    assert.equal(r.cpu.halted, true);
  });

  it('L2 STGI/CLGI without L1\'s intercept act on L2\'s GIF; with vGIF enabled they flip V_GIF', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x0f, 0x01, 0xdd]); // clgi
    vmrun(r);
    assert.equal(r.s.level, 2);
    assert.equal(r.s.l2Gif, false);
    assert.equal(r.s.gif, true, 'L1\'s GIF is not L2\'s');
    const v = makeSvmRig();
    validVmcb12(v, [0x0f, 0x01, 0xdd, 0x0f, 0xa2]); // clgi; cpuid
    intercept(v, 'CPUID');
    set(v, 'VINTR', (1 << 25) | (1 << 9)); // V_GIF_ENABLE | V_GIF
    vmrun(v);
    assert.equal(get(v, 'EXITCODE'), 0x72);
    assert.equal(get(v, 'VINTR') & (1 << 9), 0, 'V_GIF cleared by L2\'s CLGI and written back');
  });

  it('L2 VMSAVE without L1\'s intercept: L0 emulates it on L1-physical memory (trace: handled by L0)', () => {
    const r = makeSvmRig();
    validVmcb12(r, [0x48, 0xc7, 0xc0, 0x00, 0xa0, 0x40, 0x00, 0x0f, 0x01, 0xdb]); // mov rax, 0x40a000; vmsave
    r.cpu.star = 0x1111;
    vmrun(r);
    assert.equal(r.s.level, 2);
    assert.equal(r.mem.read(0x40a000 + 0x600, 4), 0x1111);
    assert.ok(transitions(r).some((t) => t.handledBy === 'L0' && t.reasonName === 'VMEXIT_VMSAVE'));
  });
});
