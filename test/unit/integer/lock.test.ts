// LOCK prefix acceptance (SDM vol 2A, LOCK): allowed only on the listed
// read-modify-write instructions with a memory destination; anything else
// is #UD. Checked on the emulator (the native differential test covers the
// same rules against hardware).
import { strict as assert } from 'assert';
import { emu } from './rig';

const RAX = 0, RCX = 1, RDX = 2, RBX = 3;
const DATA = 0x200000;

/** Runs `bytes` with RBX -> DATA; returns the exception vector or -1. */
function run(bytes: number[]): number {
  const e = emu('long64');
  e.set(RBX, BigInt(DATA)); e.set(RAX, 1n); e.set(RCX, 2n); e.set(RDX, 0n);
  e.run(bytes);
  return e.fault ? e.fault.vector : -1;
}

describe('integer: LOCK prefix', () => {
  const accepted: [string, number[]][] = [
    ['lock add [rbx], eax', [0xf0, 0x01, 0x03]],
    ['lock or byte [rbx], 1', [0xf0, 0x80, 0x0b, 0x01]],
    ['lock adc [rbx], eax', [0xf0, 0x11, 0x03]],
    ['lock sbb qword [rbx], 5', [0xf0, 0x48, 0x83, 0x1b, 0x05]],
    ['lock and [rbx], ax', [0xf0, 0x66, 0x21, 0x03]],
    ['lock sub [rbx], eax', [0xf0, 0x29, 0x03]],
    ['lock xor [rbx], eax', [0xf0, 0x31, 0x03]],
    ['lock inc dword [rbx]', [0xf0, 0xff, 0x03]],
    ['lock dec byte [rbx]', [0xf0, 0xfe, 0x0b]],
    ['lock neg dword [rbx]', [0xf0, 0xf7, 0x1b]],
    ['lock not dword [rbx]', [0xf0, 0xf7, 0x13]],
    ['lock xchg [rbx], eax', [0xf0, 0x87, 0x03]],
    ['lock cmpxchg [rbx], ecx', [0xf0, 0x0f, 0xb1, 0x0b]],
    ['lock cmpxchg8b [rbx]', [0xf0, 0x0f, 0xc7, 0x0b]],
    ['lock cmpxchg16b [rbx]', [0xf0, 0x48, 0x0f, 0xc7, 0x0b]],
    ['lock xadd [rbx], eax', [0xf0, 0x0f, 0xc1, 0x03]],
    ['lock bts [rbx], eax', [0xf0, 0x0f, 0xab, 0x03]],
    ['lock btr dword [rbx], 3', [0xf0, 0x0f, 0xba, 0x33, 0x03]],
    ['lock btc [rbx], eax', [0xf0, 0x0f, 0xbb, 0x03]],
  ];
  for (const [name, bytes] of accepted) it(`accepts ${name}`, () => assert.equal(run(bytes), -1));

  const refused: [string, number[]][] = [
    ['lock add eax, ecx (register destination)', [0xf0, 0x01, 0xc8]],
    ['lock add eax, [rbx] (memory source only)', [0xf0, 0x03, 0x03]],
    ['lock mov [rbx], eax', [0xf0, 0x89, 0x03]],
    ['lock cmp [rbx], eax', [0xf0, 0x39, 0x03]],
    ['lock test [rbx], eax', [0xf0, 0x85, 0x03]],
    ['lock bt [rbx], eax', [0xf0, 0x0f, 0xa3, 0x03]],
    ['lock inc eax', [0xf0, 0xff, 0xc0]],
    ['lock xchg eax, ecx', [0xf0, 0x87, 0xc8]],
    ['lock shl dword [rbx], 1', [0xf0, 0xd1, 0x23]],
    ['lock nop', [0xf0, 0x90]],
    ['lock movsb', [0xf0, 0xa4]],
  ];
  for (const [name, bytes] of refused) it(`refuses ${name} with #UD`, () => assert.equal(run(bytes), 6));

  it('a locked RMW computes the same result as the unlocked one', () => {
    const e = emu('long64');
    e.rig.mem.write(DATA, 4, 40);
    e.set(RBX, BigInt(DATA)); e.set(RAX, 2n);
    e.run([0xf0, 0x0f, 0xc1, 0x03]); // lock xadd [rbx], eax
    assert.equal(e.rig.mem.read(DATA, 4), 42);
    assert.equal(e.get(RAX), 40n);
  });
});
