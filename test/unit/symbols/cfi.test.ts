// Call frame information and unwinding: every CFI row against readelf
// --debug-dump=frames-interp; real stacks captured from programs built and
// run here (gcc with and without frame pointers, .debug_frame only, clang,
// and with the CFI stripped to exercise the rbp-chain fallback), checked
// against the return addresses objdump -d shows after each call; and
// hand-assembled CIEs/FDEs for the rules compilers rarely emit.

import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CallFrameInfo, MemoryReader, Registers, UnwindRow, Unwinder, executeInstructions } from '../../../adapter/symbols/cfi';
import { DW_OP, evaluate } from '../../../adapter/symbols/dwarf-expr';
import { SymbolError } from '../../../adapter/symbols/errors';
import { dwarfSections } from '../../../adapter/symbols/sections';
import { SymbolFile } from '../../../adapter/symbols/symbols';
import { parseElf } from '../../../emulator/machine/elf';
import { disassemble, exampleKernels, have, memoryReader, readelfFrames, returnAddress, sizeScaled } from './helpers';
import { buildProgram, buildUnwind, programToolchains, unwindBuilds } from './programs';

const X64_NAMES = ['rax', 'rdx', 'rcx', 'rbx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'ra'];
const I386_NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'ra'];

/** Our row in readelf's notation: CFA "rsp+8", registers "c-16", "u", "s", "v+8", "exp", or a register name. */
function readelfNotation(row: UnwindRow, names: string[]): { cfa: string; regs: Map<string, string> } {
  const sign = (n: number) => (n >= 0 ? `+${n}` : `${n}`);
  const cfa = row.cfa.type === 'expression' ? 'exp' : `${names[row.cfa.register] ?? `r${row.cfa.register}`}${sign(row.cfa.offset)}`;
  const regs = new Map<string, string>();
  for (const [n, r] of row.registers) {
    const name = n === row.fde.cie.returnAddressRegister ? 'ra' : names[n] ?? `r${n}`;
    const v =
      r.type === 'undefined' ? 'u'
      : r.type === 'sameValue' ? 's'
      : r.type === 'offset' ? `c${sign(r.offset)}`
      : r.type === 'valOffset' ? `v${sign(r.offset)}`
      : r.type === 'register' ? names[r.register] ?? `r${r.register}`
      : r.type === 'expression' ? 'exp'
      : 'vexp';
    regs.set(name, v);
  }
  return { cfa, regs };
}

function assertCfiMatchesReadelf(file: string): number {
  const elf = parseElf(fs.readFileSync(file));
  const cfi = new CallFrameInfo(dwarfSections(elf), { addressSize: elf.is64 ? 8 : 4 });
  assert.deepEqual(cfi.warnings, []);
  const names = elf.is64 ? X64_NAMES : I386_NAMES;
  const fdes = readelfFrames(file);
  assert.ok(fdes.length > 0, `readelf shows no FDEs in ${file}`);
  let rows = 0;
  for (const want of fdes) {
    const fde = cfi.fdes.find((f) => f.section === want.section && f.start === want.start);
    assert.ok(fde, `no FDE for ${want.section} pc=0x${want.start.toString(16)}`);
    assert.equal(fde.end, want.end, `end of FDE at 0x${want.start.toString(16)}`);
    for (const r of want.rows) {
      const ours = readelfNotation(executeInstructions(fde, r.loc, elf.is64 ? 8 : 4), names);
      const where = `${path.basename(file)} ${want.section} FDE 0x${want.start.toString(16)} at 0x${r.loc.toString(16)}`;
      assert.equal(ours.cfa, r.cfa, `${where}: CFA`);
      for (const [reg, v] of Object.entries(r.regs)) assert.equal(ours.regs.get(reg) ?? 'u', v, `${where}: ${reg}`);
      rows++;
    }
  }
  return rows;
}

describe('symbols: call frame information', function () {
  this.timeout(120000);

  describe('CFI rows match readelf --debug-dump=frames-interp', () => {
    for (const k of exampleKernels()) it(path.basename(k), () => assert.ok(assertCfiMatchesReadelf(k) > sizeScaled(k, 50)));
    for (const t of programToolchains()) {
      it(`program ${t.name}`, function () {
        if (!have('gcc') || !have('readelf')) this.skip();
        assertCfiMatchesReadelf(buildProgram(t));
      });
    }
    for (const b of unwindBuilds().filter((x) => !x.stripCfi)) {
      it(`unwind program ${b.name} (${b.cfiSection})`, function () {
        if (!have('gcc') || !have('readelf')) this.skip();
        assertCfiMatchesReadelf(buildUnwind(b));
      });
    }
  });

  describe('unwinding stacks captured from running programs', () => {
    const native = process.platform === 'linux' && process.arch === 'x64';
    for (const b of unwindBuilds()) {
      it(`${b.name}: capture <- level3 <- level2 <- level1 <- main`, function () {
        if (!native || !have(b.cc)) this.skip();
        let exe = buildUnwind(b);
        if (b.stripCfi) {
          const stripped = exe + '-nocfi';
          execFileSync('objcopy', ['--remove-section=.eh_frame', '--remove-section=.eh_frame_hdr', '--remove-section=.debug_frame', exe, stripped]);
          exe = stripped;
        }
        const { regs, read } = runCapture(exe);
        const sf = SymbolFile.load(exe);
        if (b.stripCfi) assert.equal(sf.cfi, undefined);
        else {
          const fde = sf.cfi!.fdeFor(sf.lookup('level2')!);
          assert.equal(fde?.section, b.cfiSection);
        }
        const fns = disassemble(exe);
        const expected = [
          ['level3', 'capture'],
          ['level2', 'level3'],
          ['level1', 'level2'],
          ['main', 'level1'],
        ].map(([caller, callee]) => returnAddress(fns, caller, callee));
        const frames = sf.backtrace(regs, read, 16);
        assert.ok(frames.length >= 5, `only ${frames.length} frames: ${frames.map((f) => f.symbol).join(' <- ')}`);
        assert.equal(frames[0].function, 'capture');
        assert.equal(frames[0].method, 'context');
        assert.deepEqual(
          frames.slice(1, 5).map((f) => [f.function, '0x' + f.registers.rip.toString(16)]),
          ['level3', 'level2', 'level1', 'main'].map((n, i) => [n, '0x' + expected[i].toString(16)]),
        );
        for (const f of frames.slice(1, 5)) assert.equal(f.method, b.stripCfi ? 'frame-pointer' : 'cfi');
        // Each caller's stack pointer is above its callee's.
        for (let i = 1; i < 5; i++) assert.ok(frames[i].registers.rsp > frames[i - 1].registers.rsp);
        // The call sites' source lines.
        const src = fs.readFileSync(path.join(path.dirname(exe), 'unwind.c'), 'utf8').split('\n');
        const lineOf = (text: string) => src.findIndex((l) => l.includes(text)) + 1;
        assert.equal(frames[4].location?.line, lineOf('return level1(3) == 12345;'));
        assert.equal(frames[2].location?.line, lineOf('int v = level3(x + 1);'));
        assert.equal(frames[1].symbol, `level3+0x${(expected[0] - sf.lookup('level3')!).toString(16)}`);
        // main's caller is libc, outside the captured stack: the unwind stops there or one frame later.
        assert.ok(frames.length <= 6);
      });
    }
  });

  describe('hand-assembled CFI', () => {
    it('.debug_frame: def_cfa, offset, advance_loc*, remember/restore_state, restore, def_cfa_register/offset', () => {
      const cie = debugFrameCie({ codeAlign: 1, dataAlign: -8, ra: 16, instructions: [CFA.def_cfa, 7, 8, CFA.offset | 16, 1] });
      const fde = debugFrameFde(0, 0x1000n, 0x100n, [
        CFA.advance_loc | 1, // 0x1001: push %rbp
        CFA.def_cfa_offset, 16,
        CFA.offset | 6, 2, // rbp at CFA-16
        CFA.advance_loc1, 3, // 0x1004: mov %rsp,%rbp
        CFA.def_cfa_register, 6,
        CFA.advance_loc2, ...u16(0x10), // 0x1014
        CFA.offset_extended_sf, 3, ...sleb(3), // rbx at CFA-24 (3 x data_alignment_factor -8)
        CFA.remember_state,
        CFA.advance_loc4, ...u32(0x20), // 0x1034: epilogue
        CFA.restore | 6, // rbp back to its CIE rule: none
        CFA.def_cfa, 7, 8,
        CFA.advance_loc | 1, // 0x1035
        CFA.restore_state,
        CFA.GNU_args_size, 16,
      ]);
      const cfi = new CallFrameInfo({ frame: Uint8Array.from([...cie, ...fde]) }, { addressSize: 8 });
      assert.deepEqual(cfi.warnings, []);
      const at = (pc: number) => {
        const r = cfi.rowFor(BigInt(pc))!;
        return readelfNotation(r, X64_NAMES);
      };
      assert.equal(cfi.fdeFor(0xfff), undefined);
      assert.equal(cfi.fdeFor(0x1100), undefined);
      assert.deepEqual([at(0x1000).cfa, at(0x1000).regs.get('ra'), at(0x1000).regs.get('rbp')], ['rsp+8', 'c-8', undefined]);
      assert.deepEqual([at(0x1001).cfa, at(0x1001).regs.get('rbp')], ['rsp+16', 'c-16']);
      assert.deepEqual([at(0x1004).cfa, at(0x1013).cfa], ['rbp+16', 'rbp+16']);
      assert.equal(at(0x1014).regs.get('rbx'), 'c-24');
      assert.deepEqual([at(0x1034).cfa, at(0x1034).regs.get('rbp'), at(0x1034).regs.get('rbx')], ['rsp+8', undefined, 'c-24']);
      // restore_state brings back the remembered CFA and rbp rule.
      assert.deepEqual([at(0x1035).cfa, at(0x1035).regs.get('rbp')], ['rbp+16', 'c-16']);
      const row = cfi.rowFor(0x1020n)!;
      assert.equal(row.location, 0x1014n);
      assert.equal(row.end, 0x1034n);
    });

    it('rules: undefined, same_value, register, val_offset, expression, val_expression, def_cfa_expression', () => {
      const breg7 = (off: number) => [DW_OP.breg0 + 7, ...sleb(off)];
      const cie = debugFrameCie({ codeAlign: 1, dataAlign: -8, ra: 16, instructions: [CFA.def_cfa, 7, 8, CFA.offset | 16, 1] });
      const fde = debugFrameFde(0, 0x2000n, 0x10n, [
        CFA.undefined, 0, // rax
        CFA.same_value, 3, // rbx
        CFA.register, 12, 13, // r12 is in r13
        CFA.val_offset, 14, 2, // r14 = CFA - 16
        CFA.expression, 15, 2, ...breg7(8), // r15 saved at [rsp + 8] (the CFA pushed first stays below)
        CFA.val_expression, 6, 3, DW_OP.lit0 + 5, DW_OP.plus, DW_OP.nop, // rbp = CFA + 5
        CFA.def_cfa_expression, 2, ...breg7(24),
      ]);
      const cfi = new CallFrameInfo({ frame: Uint8Array.from([...cie, ...fde]) }, { addressSize: 8 });
      const row = cfi.rowFor(0x2000n)!;
      assert.deepEqual(readelfNotation(row, X64_NAMES), {
        cfa: 'exp',
        regs: new Map([
          ['ra', 'c-8'],
          ['rax', 'u'],
          ['rbx', 's'],
          ['r12', 'r13'],
          ['r14', 'v-16'],
          ['r15', 'exp'],
          ['rbp', 'vexp'],
        ]),
      });
      // Unwind: rsp 0x8000, CFA = rsp + 24 = 0x8018; RA at 0x8010.
      const mem = new Map<bigint, bigint>([
        [0x8010n, 0x401234n],
        [0x8000n + 8n, 0xabcdn], // r15's slot: the expression ignores the pushed CFA and computes rsp+8
      ]);
      const read: MemoryReader = (a) => mem.get(a);
      const u = new Unwinder(cfi);
      const step = u.unwind({ rip: 0x2000n, rsp: 0x8000n, rax: 1n, rbx: 2n, r12: 3n, r13: 4n, rbp: 5n }, read)!;
      assert.equal(step.cfa, 0x8018n);
      assert.equal(step.method, 'cfi');
      // r13 has no rule: callee-saved, so unchanged in the caller; rax (undefined) is dropped.
      assert.deepEqual(step.registers, { rip: 0x401234n, rsp: 0x8018n, rbx: 2n, r12: 4n, r13: 4n, r14: 0x8008n, r15: 0xabcdn, rbp: 0x8018n + 5n });
    });

    it('an undefined return address ends the stack', () => {
      const cie = debugFrameCie({ codeAlign: 1, dataAlign: -8, ra: 16, instructions: [CFA.def_cfa, 7, 8, CFA.undefined, 16] });
      const fde = debugFrameFde(0, 0x3000n, 0x10n, []);
      const u = new Unwinder(new CallFrameInfo({ frame: Uint8Array.from([...cie, ...fde]) }, { addressSize: 8 }));
      assert.equal(u.unwind({ rip: 0x3004n, rsp: 0x9000n }, () => 0n), undefined);
      assert.equal(u.backtrace({ rip: 0x3004n, rsp: 0x9000n }, () => 0n).length, 1);
    });

    it('.debug_frame v4 (address_size in the CIE), 64-bit DWARF, and DW_CFA_set_loc', () => {
      const cie = debugFrameCie({ version: 4, dwarf64: true, codeAlign: 4, dataAlign: -4, ra: 8, addressSize: 4, instructions: [CFA.def_cfa, 4, 4, CFA.offset | 8, 1] });
      const fde = debugFrameFde(0, 0x8048000n, 0x40n, [CFA.set_loc, ...u32(0x8048010), CFA.def_cfa_offset, 8, CFA.advance_loc | 2, CFA.def_cfa_sf, 5, ...sleb(-2)], { dwarf64: true, addressSize: 4 });
      const cfi = new CallFrameInfo({ frame: Uint8Array.from([...cie, ...fde]) }, { addressSize: 4 });
      assert.deepEqual(cfi.warnings, []);
      const at = (pc: number) => readelfNotation(cfi.rowFor(BigInt(pc))!, I386_NAMES).cfa;
      assert.deepEqual([at(0x8048000), at(0x8048010), at(0x8048017), at(0x8048018)], ['esp+4', 'esp+8', 'esp+8', 'ebp+8']);
      // i386 unwinding: ra at CFA-4.
      const u = new Unwinder(cfi, { arch: 'i386' });
      const step = u.unwind({ rip: 0x8048018n, rsp: 0x1000n, rbp: 0x2000n }, (a, n) => (a === 0x2004n && n === 4 ? 0x8049999n : undefined))!;
      assert.deepEqual([step.registers.rip, step.registers.rsp], [0x8049999n, 0x2008n]);
    });

    it('.eh_frame: zPLR augmentation, pc-relative sdata4 pointers, signal frames (S)', () => {
      const ehAddr = 0x500000n;
      const bytes: number[] = [];
      // CIE "zPLR": personality (absptr udata8), LSDA encoding, FDE encoding pcrel|sdata4.
      const cieBody = [...u32(0), 1, ...cstr('zPLRS'), ...uleb(1), ...sleb(-8), 16];
      const aug = [0x04, ...u64(0xdead0000n), 0x1b, 0x1b];
      cieBody.push(...uleb(aug.length), ...aug, CFA.def_cfa, 7, 8, CFA.offset | 16, 1);
      bytes.push(...u32(cieBody.length), ...cieBody);
      const fdeStart = bytes.length;
      const pcBegin = 0x401000n;
      // FDE: CIE pointer, pc_begin (pcrel sdata4 relative to its own field), range, aug data (LSDA pcrel sdata4).
      const fieldAddr = ehAddr + BigInt(fdeStart + 8);
      const fdeBody = [...u32(fdeStart + 4), ...s32(Number(pcBegin - fieldAddr)), ...u32(0x20), ...uleb(4), ...s32(0x100), CFA.advance_loc | 4, CFA.def_cfa_offset, 16];
      bytes.push(...u32(fdeBody.length), ...fdeBody, ...u32(0));
      const cfi = new CallFrameInfo({ ehFrame: Uint8Array.from(bytes), ehFrameAddr: ehAddr }, { addressSize: 8 });
      assert.deepEqual(cfi.warnings, []);
      const fde = cfi.fdeFor(0x401010n)!;
      assert.equal(fde.start, pcBegin);
      assert.equal(fde.end, pcBegin + 0x20n);
      assert.equal(fde.cie.augmentation, 'zPLRS');
      assert.equal(fde.cie.personality, 0xdead0000n);
      assert.equal(fde.cie.signalFrame, true);
      assert.equal(fde.lsda, ehAddr + BigInt(fdeStart + 17) + 0x100n);
      assert.equal(readelfNotation(cfi.rowFor(0x401004n)!, X64_NAMES).cfa, 'rsp+16');
      // A signal frame's caller pc is exact: the next lookup is not rip - 1.
      const u = new Unwinder(cfi);
      const frames = u.backtrace({ rip: 0x401008n, rsp: 0x7000n }, (a) => (a === 0x7008n ? 0x401001n : a === 0x7018n ? 0n : undefined));
      assert.equal(frames[1].lookupAddress, 0x401001n);
    });

    it('malformed entries become warnings; the rest of the section still loads', () => {
      const cie = debugFrameCie({ codeAlign: 1, dataAlign: -8, ra: 16, instructions: [CFA.def_cfa, 7, 8] });
      const bad = debugFrameFde(999, 0x1000n, 0x10n, []); // points to no CIE
      const good = debugFrameFde(0, 0x2000n, 0x10n, []);
      const cfi = new CallFrameInfo({ frame: Uint8Array.from([...cie, ...bad, ...good]) }, { addressSize: 8 });
      assert.equal(cfi.warnings.length, 1);
      assert.match(cfi.warnings[0], /points to a CIE at 0x3e7|not a CIE/);
      assert.ok(cfi.fdeFor(0x2004n));
      // An unknown instruction: rowFor throws SymbolError, the unwinder falls back to the frame pointer.
      const weird = debugFrameFde(0, 0x3000n, 0x10n, [0x3f]);
      const cfi2 = new CallFrameInfo({ frame: Uint8Array.from([...cie, ...weird]) }, { addressSize: 8 });
      assert.throws(() => cfi2.rowFor(0x3000n), SymbolError);
      const step = new Unwinder(cfi2).unwind({ rip: 0x3004n, rsp: 0x100n, rbp: 0x200n }, (a) => (a === 0x200n ? 0x300n : a === 0x208n ? 0x4444n : undefined));
      assert.deepEqual(step && [step.method, step.registers.rip, step.registers.rbp, step.registers.rsp], ['frame-pointer', 0x4444n, 0x300n, 0x210n]);
    });
  });

  describe('frame-pointer fallback (no FDE)', () => {
    const u = new Unwinder(undefined, { functionStart: (pc) => (pc >= 0x1000n && pc < 0x1100n ? 0x1000n : undefined) });
    // Code at 0x1000: push %rbp; mov %rsp,%rbp.
    const code = new Map<bigint, bigint>([
      [0x1000n, 0x55n],
      [0x1001n, 0x48n],
      [0x1002n, 0x89n],
      [0x1003n, 0xe5n],
    ]);
    const withStack = (stack: Record<string, bigint>): MemoryReader => (a, n) => (n === 1 ? code.get(a) : stack[a.toString(16)]);

    it('at the first instruction the return address is on top of the stack', () => {
      const s = u.unwind({ rip: 0x1000n, rsp: 0x7000n, rbp: 0x7100n }, withStack({ '7000': 0x2222n }))!;
      assert.deepEqual([s.method, s.registers.rip, s.registers.rsp, s.registers.rbp], ['entry', 0x2222n, 0x7008n, 0x7100n]);
    });
    it('right after push %rbp it is one slot up', () => {
      const s = u.unwind({ rip: 0x1001n, rsp: 0x6ff8n, rbp: 0x7100n }, withStack({ '6ff8': 0x7100n, '7000': 0x2222n }))!;
      assert.deepEqual([s.method, s.registers.rip, s.registers.rsp, s.registers.rbp], ['entry', 0x2222n, 0x7008n, 0x7100n]);
    });
    it('in the body the rbp chain gives caller rbp, return address and stack pointer', () => {
      const s = u.unwind({ rip: 0x1050n, rsp: 0x6f00n, rbp: 0x6ff8n }, withStack({ '6ff8': 0x7100n, '7000': 0x2222n }))!;
      assert.deepEqual([s.method, s.registers.rip, s.registers.rsp, s.registers.rbp], ['frame-pointer', 0x2222n, 0x7008n, 0x7100n]);
    });
    it('a broken chain stops the backtrace instead of looping', () => {
      // rbp points below rsp, then to itself.
      assert.equal(u.unwind({ rip: 0x5000n, rsp: 0x7000n, rbp: 0x6000n }, () => 0n), undefined);
      const selfLoop: MemoryReader = (a) => (a === 0x7000n ? 0x7000n : a === 0x7008n ? 0x5000n : undefined);
      const frames = u.backtrace({ rip: 0x5000n, rsp: 0x6f00n, rbp: 0x7000n }, selfLoop, 100);
      assert.ok(frames.length <= 3, `${frames.length} frames`);
      assert.equal(u.backtrace({ rip: 0x5000n, rsp: 0x6f00n }, () => undefined).length, 1);
    });
  });

  describe('DWARF expressions', () => {
    const ctx = { readRegister: (n: number) => (n === 7 ? 0x1000n : undefined), readMemory: (a: bigint) => (a === 0x1010n ? 0x77n : undefined), addressSize: 8 };
    const ev = (bytes: number[], init: bigint[] = []) => evaluate(Uint8Array.from(bytes), ctx, init);
    it('stack, arithmetic, memory and branches', () => {
      assert.equal(ev([DW_OP.breg0 + 7, 0x10, DW_OP.deref]), 0x77n);
      assert.equal(ev([DW_OP.lit0 + 3, DW_OP.lit0 + 4, DW_OP.mul, DW_OP.const1s, 0xfe, DW_OP.plus]), 10n);
      assert.equal(ev([DW_OP.constu, ...uleb(100), DW_OP.lit0 + 7, DW_OP.mod]), 2n);
      assert.equal(ev([DW_OP.lit0 + 1, DW_OP.lit0 + 2, DW_OP.swap, DW_OP.minus]), 1n);
      assert.equal(ev([DW_OP.lit0 + 1, DW_OP.bra, ...u16(1), DW_OP.lit0 + 9, DW_OP.lit0 + 5]), 5n);
      assert.equal(ev([DW_OP.lit0 + 2, DW_OP.lit0 + 3, DW_OP.lt]), 1n);
      assert.equal(ev([DW_OP.const1s, 0xff, DW_OP.lit0 + 1, DW_OP.shra]), (1n << 64n) - 1n);
      assert.equal(ev([DW_OP.plus_uconst, 8], [0x20n]), 0x28n);
      // rot: the top becomes second, the second third, the third the top: [1 2 3] -> [2 3 1].
      assert.equal(ev([DW_OP.lit0 + 1, DW_OP.lit0 + 2, DW_OP.lit0 + 3, DW_OP.rot, DW_OP.drop, DW_OP.drop]), 2n);
      assert.equal(ev([DW_OP.lit0 + 1, DW_OP.lit0 + 2, DW_OP.lit0 + 3, DW_OP.rot, DW_OP.drop]), 3n);
      assert.equal(ev([DW_OP.lit0 + 7, DW_OP.stack_value]), 7n);
    });
    it('unknown registers or memory give undefined; malformed bytes and loops throw SymbolError', () => {
      assert.equal(ev([DW_OP.breg0 + 3, 0]), undefined);
      assert.equal(ev([DW_OP.lit0, DW_OP.deref]), undefined);
      assert.equal(ev([DW_OP.lit0, DW_OP.lit0, DW_OP.div]), undefined);
      assert.throws(() => ev([DW_OP.plus]), SymbolError);
      assert.throws(() => ev([DW_OP.const4u, 1]), SymbolError);
      assert.throws(() => ev([DW_OP.skip, ...u16(0xfffd)]), SymbolError); // skip -3: back to itself forever
      assert.throws(() => ev([DW_OP.skip, ...u16(100)]), SymbolError);
    });
  });
});

/** Runs a capture program: its registers and its stack from rsp up. */
function runCapture(exe: string): { regs: Registers; read: MemoryReader } {
  const out = execFileSync(exe, { encoding: 'utf8' }).split('\n');
  const r = out.find((l) => l.startsWith('R '))!.split(' ').slice(1).map((x) => BigInt('0x' + x));
  const m = out.find((l) => l.startsWith('M '))!.split(' ');
  const regs: Registers = { rip: r[0], rsp: r[1], rbp: r[2], rbx: r[3], r12: r[4], r13: r[5], r14: r[6], r15: r[7] };
  return { regs, read: memoryReader(BigInt('0x' + m[1]), Buffer.from(m[2], 'hex')) };
}

// ---------------------------------------------------------------------------
// A small CFI assembler (DWARF5 6.4.1 layouts).

const CFA = {
  advance_loc: 0x40, offset: 0x80, restore: 0xc0, set_loc: 0x01, advance_loc1: 0x02, advance_loc2: 0x03, advance_loc4: 0x04,
  offset_extended_sf: 0x11, undefined: 0x07, same_value: 0x08, register: 0x09, remember_state: 0x0a, restore_state: 0x0b,
  def_cfa: 0x0c, def_cfa_register: 0x0d, def_cfa_offset: 0x0e, def_cfa_expression: 0x0f, expression: 0x10, def_cfa_sf: 0x12,
  val_offset: 0x14, val_expression: 0x16, GNU_args_size: 0x2e,
};
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
}
const u16 = (n: number) => [n & 0xff, (n >> 8) & 0xff];
const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const s32 = (n: number) => u32(n >>> 0);
const u64 = (n: bigint) => Array.from({ length: 8 }, (_, i) => Number((BigInt.asUintN(64, n) >> BigInt(8 * i)) & 0xffn));
const cstr = (s: string) => [...Buffer.from(s), 0];

function debugFrameCie(o: { version?: number; dwarf64?: boolean; codeAlign: number; dataAlign: number; ra: number; addressSize?: number; instructions: number[] }): number[] {
  const version = o.version ?? 1;
  const body = [
    ...(o.dwarf64 ? u64(-1n) : u32(0xffffffff)),
    version,
    ...cstr(''),
    ...(version >= 4 ? [o.addressSize ?? 8, 0] : []),
    ...uleb(o.codeAlign),
    ...sleb(o.dataAlign),
    ...(version === 1 ? [o.ra] : uleb(o.ra)),
    ...o.instructions,
  ];
  return o.dwarf64 ? [0xff, 0xff, 0xff, 0xff, ...u64(BigInt(body.length)), ...body] : [...u32(body.length), ...body];
}
function debugFrameFde(cieOffset: number, start: bigint, range: bigint, instructions: number[], o: { dwarf64?: boolean; addressSize?: number } = {}): number[] {
  const addr = (v: bigint) => (o.addressSize === 4 ? u32(Number(v)) : u64(v));
  const body = [...(o.dwarf64 ? u64(BigInt(cieOffset)) : u32(cieOffset)), ...addr(start), ...addr(range), ...instructions];
  return o.dwarf64 ? [0xff, 0xff, 0xff, 0xff, ...u64(BigInt(body.length)), ...body] : [...u32(body.length), ...body];
}
