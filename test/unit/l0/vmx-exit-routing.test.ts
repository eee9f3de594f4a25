// Every instruction exit of L2 routed by its rule (SDM vol 3C §26.1, §28.2):
// with L1's control on the exit reaches L1 with exact VMCS12 exit fields;
// with it off L2 runs the instruction (with its VMX non-root behaviour), or
// L0 takes the exit for itself (VMCS01) and resumes L2.
import { strict as assert } from 'assert';
import { VMCS } from '../../../emulator/vmx/fields';
import { PRIMARY, SECONDARY } from '../../../emulator/vmx/controls';
import { setupL2, launch, exitSeen, transitions, L2_RIP } from './l2rig';

const CPUID = [0x0f, 0xa2];
const movRaxImm = (v: number): number[] => [0x48, 0xc7, 0xc0, v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const movEcx = (v: number): number[] => [0xb9, v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

describe('l0 nested VMX: instruction exits routed by rule (SDM 26.1, 28.2)', () => {
  it('RDTSC: reason 16 with RDTSC exiting; otherwise L2 reads L1\'s TSC + VMCS12 TSC_OFFSET and L1\'s TSC is intact after the exit', () => {
    const on = setupL2([0x0f, 0x31], { primary: PRIMARY.RDTSC_EXITING });
    launch(on);
    assert.deepEqual([exitSeen(on).reason, exitSeen(on).len, exitSeen(on).ripOff, exitSeen(on).rule], [16, 2, 0, 'l1WantsRdtsc']);
    const off = setupL2([0x0f, 0x31, ...CPUID], { primary: PRIMARY.USE_TSC_OFFSETTING });
    off.s.vmcs12.set(VMCS.TSC_OFFSET, 0x10000000);
    launch(off);
    assert.equal(exitSeen(off).reason, 10);
    const tsc = off.cpu.regs[0] >>> 0;
    assert.ok(tsc >= 0x10000000 && tsc < 0x10000000 + 200, `L2 TSC 0x${tsc.toString(16)}`);
    assert.equal(off.cpu.tscOffset, 0, 'L1\'s TSC offset restored');
    assert.equal(off.s.vmcs02.lo(VMCS.TSC_OFFSET), 0x10000000, 'VMCS02 offset = VMCS01 (0) + VMCS12');
  });

  it('RDTSCP: #UD in L2 without "enable RDTSCP"; reason 51 with it and RDTSC exiting', () => {
    const off = setupL2([0x0f, 0x01, 0xf9], { bitmap: 1 << 6 });
    launch(off);
    assert.deepEqual([exitSeen(off).reason, off.s.vmcs12.lo(VMCS.VM_EXIT_INTR_INFO)], [0, 0x80000306]);
    const on = setupL2([0x0f, 0x01, 0xf9], { primary: PRIMARY.RDTSC_EXITING, secondary: SECONDARY.ENABLE_RDTSCP });
    launch(on);
    assert.deepEqual([exitSeen(on).reason, exitSeen(on).len], [51, 3]);
  });

  it('RDPMC: reason 15 with RDPMC exiting', () => {
    const r = setupL2([0x31, 0xc9, 0x0f, 0x33], { primary: PRIMARY.RDPMC_EXITING }); // xor ecx, ecx; rdpmc
    launch(r);
    assert.deepEqual([exitSeen(r).reason, exitSeen(r).len, exitSeen(r).ripOff], [15, 2, 2]);
  });

  it('INVLPG: reason 14, qualification = the linear address; without INVLPG exiting L2 flushes and goes on', () => {
    const code = [...movRaxImm(0x12345000), 0x0f, 0x01, 0x38, ...CPUID]; // invlpg [rax]
    const on = setupL2(code, { primary: PRIMARY.INVLPG_EXITING });
    launch(on);
    assert.deepEqual([exitSeen(on).reason, exitSeen(on).qual, exitSeen(on).len, exitSeen(on).ripOff], [14, 0x12345000, 3, 7]);
    const off = setupL2(code);
    launch(off);
    assert.equal(exitSeen(off).reason, 10);
  });

  it('MOV to CR0: exits iff an owned bit changes vs the read shadow; reads of owned bits return the shadow; owned bits keep their value', () => {
    // mov rax, cr0; mov rcx, rax; mov cr0, rcx (TS as in the shadow: no exit); cpuid
    const keep = setupL2([0x0f, 0x20, 0xc0, 0x48, 0x89, 0xc1, 0x0f, 0x22, 0xc1, ...CPUID]);
    const v = keep.s.vmcs12;
    v.set(VMCS.GUEST_CR0, (keep.cpu.cr0 | 8) >>> 0); // TS = 1 in L2's real CR0
    v.set(VMCS.CR0_GUEST_HOST_MASK, 8);
    v.set(VMCS.CR0_READ_SHADOW, 0);
    launch(keep);
    assert.equal(exitSeen(keep).reason, 10);
    assert.equal(keep.cpu.regs[0] & 8, 0, 'L2 read TS from the shadow');
    assert.equal(v.lo(VMCS.GUEST_CR0) & 8, 8, 'the write left the owned TS alone');
    // mov rcx, cr0 | 8 (TS differs from the shadow): exit 28, qualification CR0, MOV to, RCX.
    const chg = setupL2([0x0f, 0x20, 0xc1, 0x48, 0x83, 0xc9, 0x08, 0x0f, 0x22, 0xc1]); // mov rcx, cr0; or rcx, 8; mov cr0, rcx
    chg.s.vmcs12.set(VMCS.CR0_GUEST_HOST_MASK, 8);
    chg.s.vmcs12.set(VMCS.CR0_READ_SHADOW, 0);
    launch(chg);
    assert.deepEqual([exitSeen(chg).reason, exitSeen(chg).qual, exitSeen(chg).len, exitSeen(chg).ripOff, exitSeen(chg).rule], [28, 0x100, 3, 7, 'l1WantsCrAccess']);
    assert.match(transitions(chg).find((t) => t.type === 'reflect')?.qualification ?? '', /MOV to CR0 from RCX/);
  });

  it('MOV to CR3: CR3-load exiting spares the CR3-target values; MOV from CR3 exits with CR3-store exiting', () => {
    const code = [0x0f, 0x20, 0xd8, 0x0f, 0x22, 0xd8, 0x48, 0x83, 0xc0, 0x00, ...CPUID]; // mov rax, cr3; mov cr3, rax; add rax, 0; cpuid
    const target = setupL2(code, { primary: PRIMARY.CR3_LOAD_EXITING });
    target.s.vmcs12.set(VMCS.CR3_TARGET_COUNT, 1);
    target.s.vmcs12.set(VMCS.CR3_TARGET_VALUE0, target.cpu.cr3 >>> 0);
    launch(target);
    assert.equal(exitSeen(target).reason, 10, 'a target value does not exit');
    const load = setupL2(code, { primary: PRIMARY.CR3_LOAD_EXITING });
    launch(load);
    assert.deepEqual([exitSeen(load).reason, exitSeen(load).qual, exitSeen(load).ripOff], [28, 3, 3]);
    const store = setupL2(code, { primary: PRIMARY.CR3_STORE_EXITING });
    launch(store);
    assert.deepEqual([exitSeen(store).reason, exitSeen(store).qual, exitSeen(store).ripOff], [28, 0x13, 0]);
  });

  it('MOV CR8: load / store exiting (qualification CR8, access type, GPR)', () => {
    const ld = setupL2([0x31, 0xc0, 0x44, 0x0f, 0x22, 0xc0], { primary: PRIMARY.CR8_LOAD_EXITING }); // xor eax,eax; mov cr8, rax
    launch(ld);
    assert.deepEqual([exitSeen(ld).reason, exitSeen(ld).qual, exitSeen(ld).len], [28, 8, 4]);
    const st = setupL2([0x44, 0x0f, 0x20, 0xc1], { primary: PRIMARY.CR8_STORE_EXITING }); // mov rcx, cr8
    launch(st);
    assert.deepEqual([exitSeen(st).reason, exitSeen(st).qual], [28, 0x118]);
  });

  it('CLTS exits iff TS is owned and its shadow is 1; LMSW exits iff it changes an owned bit vs the shadow', () => {
    const clts = setupL2([0x0f, 0x06]);
    clts.s.vmcs12.set(VMCS.CR0_GUEST_HOST_MASK, 8);
    clts.s.vmcs12.set(VMCS.CR0_READ_SHADOW, 8);
    launch(clts);
    assert.deepEqual([exitSeen(clts).reason, exitSeen(clts).qual, exitSeen(clts).rule], [28, 0x20, 'l1WantsClts']);
    const keep = setupL2([0x0f, 0x06, ...CPUID]);
    keep.s.vmcs12.set(VMCS.GUEST_CR0, (keep.cpu.cr0 | 8) >>> 0);
    keep.s.vmcs12.set(VMCS.CR0_GUEST_HOST_MASK, 8);
    launch(keep);
    assert.equal(exitSeen(keep).reason, 10);
    assert.equal(keep.s.vmcs12.lo(VMCS.GUEST_CR0) & 8, 8, 'owned TS with shadow 0: CLTS leaves it');
    const lmsw = setupL2([0xb8, 0x0b, 0, 0, 0, 0x0f, 0x01, 0xf0]); // mov eax, 0xb; lmsw ax (sets TS)
    lmsw.s.vmcs12.set(VMCS.CR0_GUEST_HOST_MASK, 8);
    launch(lmsw);
    assert.deepEqual([exitSeen(lmsw).reason, exitSeen(lmsw).qual, exitSeen(lmsw).len], [28, (0xb << 16) | 0x30, 3]);
  });

  it('MOV DR: reason 29 with MOV-DR exiting (qualification DR, direction, GPR), before DR7.GD', () => {
    const to = setupL2([0x0f, 0x23, 0xf9], { primary: PRIMARY.MOV_DR_EXITING }); // mov dr7, rcx
    launch(to);
    assert.deepEqual([exitSeen(to).reason, exitSeen(to).qual, exitSeen(to).len], [29, 0x107, 3]);
    const from = setupL2([0x0f, 0x21, 0xf2], { primary: PRIMARY.MOV_DR_EXITING }); // mov rdx, dr6
    launch(from);
    assert.deepEqual([exitSeen(from).reason, exitSeen(from).qual], [29, 0x216]);
  });

  it('PAUSE exits with PAUSE exiting (MONITOR/MWAIT are #UD before any exit: the CPU model has no MONITOR)', () => {
    const mon = setupL2([0x0f, 0x01, 0xc8], { primary: PRIMARY.MONITOR_EXITING, bitmap: 1 << 6 });
    launch(mon);
    assert.deepEqual([exitSeen(mon).reason, mon.s.vmcs12.lo(VMCS.VM_EXIT_INTR_INFO)], [0, 0x80000306], '#UD has priority over the exit (SDM 26.1.1)');
    const pause = setupL2([0xf3, 0x90], { primary: PRIMARY.PAUSE_EXITING });
    launch(pause);
    assert.deepEqual([exitSeen(pause).reason, exitSeen(pause).len], [40, 2]);
    const nopause = setupL2([0xf3, 0x90, ...CPUID]);
    launch(nopause);
    assert.equal(exitSeen(nopause).reason, 10);
  });

  it('WBINVD (secondary WBINVD exiting), INVD and XSETBV (unconditional)', () => {
    const wb = setupL2([0x0f, 0x09], { secondary: SECONDARY.WBINVD_EXITING });
    launch(wb);
    assert.deepEqual([exitSeen(wb).reason, exitSeen(wb).rule], [54, 'l1WantsWbinvd']);
    const nowb = setupL2([0x0f, 0x09, ...CPUID]);
    launch(nowb);
    assert.equal(exitSeen(nowb).reason, 10);
    const invd = setupL2([0x0f, 0x08]);
    launch(invd);
    assert.deepEqual([exitSeen(invd).reason, exitSeen(invd).len], [13, 2]);
    const xs = setupL2([0x0f, 0x01, 0xd1]);
    xs.s.vmcs12.set(VMCS.GUEST_CR4, (xs.cpu.cr4 | 0x40000) >>> 0); // CR4.OSXSAVE, else XSETBV is #UD
    launch(xs);
    assert.deepEqual([exitSeen(xs).reason, exitSeen(xs).len], [55, 3]);
  });

  it('descriptor-table exiting: SGDT reason 46 and SLDT reason 47 with instruction information (tables 28-10, 28-11)', () => {
    const sg = setupL2([0x0f, 0x01, 0x43, 0x10], { secondary: SECONDARY.DESCRIPTOR_TABLE_EXITING }); // sgdt [rbx+0x10]
    launch(sg);
    // 64-bit address size (2 << 7), DS (3 << 15), no index (bit 22), base RBX (3 << 23), 32-bit operand (bit 11), SGDT (0).
    assert.deepEqual([exitSeen(sg).reason, exitSeen(sg).qual, exitSeen(sg).len, exitSeen(sg).info],
      [46, 0x10, 4, (0x100 | 0x18000 | 0x400000 | (3 << 23) | 0x800) >>> 0]);
    const sl = setupL2([0x0f, 0x00, 0xc1], { secondary: SECONDARY.DESCRIPTOR_TABLE_EXITING }); // sldt ecx
    launch(sl);
    assert.deepEqual([exitSeen(sl).reason, exitSeen(sl).qual, exitSeen(sl).info & 0x30000478], [47, 0, (1 << 3) | 0x400]);
    const li = setupL2([0x0f, 0x01, 0x18], { secondary: SECONDARY.DESCRIPTOR_TABLE_EXITING }); // lidt [rax]
    launch(li);
    assert.equal(exitSeen(li).info >>> 28 & 3, 3, 'LIDT identity');
  });

  it('VMX instructions in L2: VMPTRLD reason 21 (displacement, table 28-13 info); VMREAD reason 23 with register operands', () => {
    const p = setupL2([0x0f, 0xc7, 0x73, 0x10]); // vmptrld [rbx+0x10]
    launch(p);
    assert.deepEqual([exitSeen(p).reason, exitSeen(p).qual, exitSeen(p).len, exitSeen(p).info, exitSeen(p).rule],
      [21, 0x10, 4, (0x100 | 0x18000 | 0x400000 | (3 << 23)) >>> 0, 'l1WantsVmxInstruction']);
    const rd = setupL2([0x0f, 0x78, 0xc8]); // vmread rax, rcx
    launch(rd);
    assert.deepEqual([exitSeen(rd).reason, exitSeen(rd).qual, exitSeen(rd).info], [23, 0, (0x400 | 0x100 | (1 << 28)) >>> 0]);
  });
});

describe('l0 nested VMX: I/O and MSR bitmaps in L1 memory (SDM 25.6.4, 25.6.9)', () => {
  const IOA = 0x410000, IOB = 0x411000, MSRB = 0x412000;

  function bitmaps(r: ReturnType<typeof setupL2>): void {
    const v = r.s.vmcs12;
    for (let a = IOA; a < MSRB + 4096; a += 4) r.mem.write(a, 4, 0);
    v.set(VMCS.IO_BITMAP_A, IOA);
    v.set(VMCS.IO_BITMAP_B, IOB);
    v.set(VMCS.MSR_BITMAP, MSRB);
  }

  it('I/O: the port\'s bit in bitmap A / B decides; a clear bit is L0\'s exit (it performs the I/O) and L2 goes on', () => {
    const code = [0xb0, 0x42, 0xe6, 0x80, 0x66, 0xba, 0x00, 0x90, 0xee]; // mov al,0x42; out 0x80,al; mov dx,0x9000; out dx,al
    const r = setupL2(code, { primary: PRIMARY.USE_IO_BITMAPS | PRIMARY.UNCONDITIONAL_IO_EXITING });
    bitmaps(r);
    r.mem.write8(IOB + (0x1000 >> 3), 1); // port 0x9000
    launch(r);
    assert.deepEqual([exitSeen(r).reason, exitSeen(r).qual, exitSeen(r).ripOff], [30, 0x90000000, 8]);
    assert.ok(r.ports.some((p) => p.port === 0x80 && p.value === 0x42), 'port 0x80 went to L0\'s device model');
    const l0 = transitions(r).filter((t) => t.handledBy === 'L0' && t.type === 'exit');
    assert.deepEqual(l0.map((t) => [t.reasonName, t.rule, t.qualLo]), [['IO_INSTRUCTION', 'l0WantsIo', 0x800040]]);
  });

  it('I/O: a 2-byte access exits by the bit of its second port; a bitmap at an address without RAM reads all ones (exit + diagnostic)', () => {
    const r = setupL2([0x66, 0xe7, 0x7f], { primary: PRIMARY.USE_IO_BITMAPS }); // out 0x7f, ax
    bitmaps(r);
    r.mem.write8(IOA + (0x80 >> 3), 1); // port 0x80
    launch(r);
    assert.deepEqual([exitSeen(r).reason, exitSeen(r).qual], [30, 0x7f0041]);
    const bad = setupL2([0xe6, 0x80], { primary: PRIMARY.USE_IO_BITMAPS });
    bad.s.vmcs12.set(VMCS.IO_BITMAP_A, 0xf0000000);
    bad.s.vmcs12.set(VMCS.IO_BITMAP_B, 0xf0001000);
    launch(bad);
    assert.equal(exitSeen(bad).reason, 30);
    assert.ok(bad.events.some((e) => e.kind === 'diagnostic' && e.code === 'vmx-bitmap' && /I\/O bitmap A at 0xf0000000/.test(e.message)));
  });

  it('MSR: read-low / write-high bits decide; MSRs outside both ranges always exit; clear bits are L0\'s', () => {
    const rd = setupL2([...movEcx(0x174), 0x0f, 0x32], { primary: PRIMARY.USE_MSR_BITMAPS });
    bitmaps(rd);
    rd.mem.write8(MSRB + (0x174 >> 3), 1 << (0x174 & 7));
    launch(rd);
    assert.deepEqual([exitSeen(rd).reason, exitSeen(rd).len, exitSeen(rd).rule], [31, 2, 'l1WantsMsr']);
    const pass = setupL2([...movEcx(0x175), 0x0f, 0x32, ...CPUID], { primary: PRIMARY.USE_MSR_BITMAPS });
    bitmaps(pass);
    pass.mem.write8(MSRB + (0x174 >> 3), 1 << (0x174 & 7));
    launch(pass);
    assert.equal(exitSeen(pass).reason, 10);
    assert.ok(transitions(pass).some((t) => t.type === 'exit' && t.reasonName === 'MSR_READ' && t.rule === 'l0WantsMsr'));
    // wrmsr IA32_KERNEL_GS_BASE (C0000102H): write-high bitmap at offset 3072.
    const wr = setupL2([...movEcx(0xc0000102), 0x31, 0xc0, 0x31, 0xd2, 0x0f, 0x30], { primary: PRIMARY.USE_MSR_BITMAPS });
    bitmaps(wr);
    wr.mem.write8(MSRB + 3072 + (0x102 >> 3), 1 << (0x102 & 7));
    launch(wr);
    assert.deepEqual([exitSeen(wr).reason, exitSeen(wr).ripOff], [32, 9]);
    const out = setupL2([...movEcx(0x40000000), 0x0f, 0x32], { primary: PRIMARY.USE_MSR_BITMAPS });
    bitmaps(out);
    launch(out);
    assert.equal(exitSeen(out).reason, 31);
    assert.equal(L2_RIP, 0x1a0000);
  });
});
