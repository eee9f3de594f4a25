// The disassembler's API and a few listings checked by hand against objdump
// (binutils 2.40); runs without binutils. The objdump-driven suites cover the rest.
import { strict as assert } from 'assert';
import { disassemble } from '../../../emulator/x86/decode/disasm';
import { Insn } from '../../../emulator/x86/decode/insn';
import { decodeBytes } from './judge';
import { Mode } from './objdump';

const hex = (s: string): number[] => s.split(' ').map((x) => parseInt(x, 16));
const dis = (bytes: string, mode: Mode = 64, address = 0, symbolize?: (a: number) => string | undefined): string => {
  const b = hex(bytes);
  return disassemble(decodeBytes(b, mode), address, mode, { bytes: b, symbolize }).replace(/\s+/g, ' ');
};

describe('disassembler (AT&T, objdump-compatible)', () => {
  it('prints operands in AT&T order with size suffixes only where objdump uses them', () => {
    assert.equal(dis('48 89 c3'), 'mov %rax,%rbx');
    assert.equal(dis('83 00 01'), 'addl $0x1,(%rax)');
    assert.equal(dis('48 83 c0 ff'), 'add $0xffffffffffffffff,%rax');
    assert.equal(dis('c6 04 24 05'), 'movb $0x5,(%rsp)');
    assert.equal(dis('d1 e0'), 'shl %eax');
    assert.equal(dis('0f b6 c0'), 'movzbl %al,%eax');
    assert.equal(dis('48 63 d0'), 'movslq %eax,%rdx');
    assert.equal(dis('48 98'), 'cltq');
    assert.equal(dis('48 99'), 'cqto');
    assert.equal(dis('48 b8 88 77 66 55 44 33 22 11'), 'movabs $0x1122334455667788,%rax');
  });

  it('prints memory operands, segment overrides and RIP-relative targets', () => {
    assert.equal(dis('8b 84 9d 78 56 34 12'), 'mov 0x12345678(%rbp,%rbx,4),%eax');
    assert.equal(dis('8b 44 24 f8'), 'mov -0x8(%rsp),%eax');
    assert.equal(dis('8d 74 26 00'), 'lea 0x0(%rsi,%riz,1),%esi');
    assert.equal(dis('64 48 8b 04 25 28 00 00 00'), 'mov %fs:0x28,%rax');
    assert.equal(dis('8b 05 00 10 00 00', 64, 0x1000), 'mov 0x1000(%rip),%eax # 0x2006');
    assert.equal(dis('3e 8b 00', 32), 'mov %ds:(%eax),%eax');
    assert.equal(dis('8b 46 00', 16), 'mov 0x0(%bp),%ax');
  });

  it('prints branch targets as absolute addresses, with symbols when given', () => {
    assert.equal(dis('eb fe', 64, 0x401000), 'jmp 0x401000');
    assert.equal(dis('e8 00 00 00 00', 64, 0x10), 'call 0x15');
    assert.equal(dis('75 f0', 64, 0), 'jne 0xfffffffffffffff2');
    assert.equal(dis('74 02', 32, 0x1000), 'je 0x1004');
    const sym = (a: number): string | undefined => (a >= 0x400 ? `main+0x${(a - 0x400).toString(16)}` : undefined);
    assert.equal(dis('e8 10 00 00 00', 64, 0x400, sym), 'call 415 <main+0x15>');
    assert.equal(dis('ff e0'), 'jmp *%rax');
    assert.equal(dis('ff 24 c5 00 10 00 00'), 'jmp *0x1000(,%rax,8)');
    // A folded 64-bit RIP in the upper canonical half (SDM vol 1, 3.3.7.1).
    assert.equal(dis('eb 00', 64, 0xffff_8000_0000), 'jmp 0xffffffff80000002');
  });

  it('names prefixes the instruction does not use, like objdump', () => {
    assert.equal(dis('f3 48 ab'), 'rep stos %rax,%es:(%rdi)');
    assert.equal(dis('f3 a6'), 'repz cmpsb %es:(%rdi),%ds:(%rsi)');
    assert.equal(dis('66 2e 0f 1f 84 00 00 00 00 00'), 'cs nopw 0x0(%rax,%rax,1)');
    assert.equal(dis('66 66 2e 0f 1f 84 00 00 00 00 00'), 'data16 cs nopw 0x0(%rax,%rax,1)');
    assert.equal(dis('f0 0f b1 11'), 'lock cmpxchg %edx,(%rcx)');
    assert.equal(dis('f3 0f 1e fa'), 'endbr64');
    assert.equal(dis('3e ff e0'), 'notrack jmp *%rax');
    assert.equal(dis('f2 c3'), 'bnd ret');
    assert.equal(dis('48 90'), 'rex.W nop');
    assert.equal(dis('41 90'), 'xchg %eax,%r8d');
  });

  it('follows Intel where objdump follows AMD: 66 on a near branch in 64-bit mode', () => {
    // SDM vol 2A, JMP: the operand size is 64 bits in 64-bit mode, 66 ignored.
    const i = decodeBytes(hex('66 e9 00 00 00 00'), 64);
    assert.equal(i.len, 6);
    assert.equal(dis('66 e9 00 00 00 00'), 'data16 jmp 0x6');
  });

  it('prints system and virtualization instructions', () => {
    assert.equal(dis('0f 01 c2'), 'vmlaunch');
    assert.equal(dis('0f 78 c8'), 'vmread %rcx,%rax');
    assert.equal(dis('66 0f 38 80 01'), 'invept (%rcx),%rax');
    assert.equal(dis('0f 01 d8'), 'vmrun');
    assert.equal(dis('0f 22 d8'), 'mov %rax,%cr3');
    assert.equal(dis('0f 01 15 00 00 00 00', 32), 'lgdtl 0x0');
    assert.equal(dis('dd 1c 24', 32), 'fstpl (%esp)');
    assert.equal(dis('de e9', 32), 'fsubrp %st,%st(1)');
  });

  it('prints (bad) for undefined and unimplemented encodings, and never throws', () => {
    assert.equal(dis('0f 0b'), 'ud2');
    assert.equal(dis('06'), '(bad)'); // PUSH ES is invalid in 64-bit mode
    assert.equal(dis('c5 f8 77'), '(bad)'); // VZEROUPPER: VEX is not implemented
    assert.equal(decodeBytes(hex('c5 f8 77'), 64).len, 3);
    assert.equal(disassemble(new Insn(), 0, 64), '(bad)');
    const i = decodeBytes(hex('48 89 c3'), 64);
    assert.equal(typeof disassemble(i, NaN, 64), 'string');
  });

  it('works without the instruction bytes (prefixes rebuilt from the decoded fields)', () => {
    const b = hex('f3 48 ab');
    assert.equal(disassemble(decodeBytes(b, 64), 0, 64).replace(/\s+/g, ' '), 'rep stos %rax,%es:(%rdi)');
    const c = hex('64 89 08');
    assert.equal(disassemble(decodeBytes(c, 64), 0, 64).replace(/\s+/g, ' '), 'mov %ecx,%fs:(%rax)');
  });

  it('pads the mnemonic like objdump (6 columns, then a space)', () => {
    const b = hex('89 c3');
    assert.equal(disassemble(decodeBytes(b, 64), 0, 64, { bytes: b }), 'mov    %eax,%ebx');
    const r = hex('c3');
    assert.equal(disassemble(decodeBytes(r, 64), 0, 64, { bytes: r }), 'ret');
  });
});
