// Every opcode of the one-byte and 0F maps (and the non-SIMD rows of 0F 38 /
// 0F 3A) with every register-form ModRM and the memory forms of every ModRM.reg,
// including the opcodes the table leaves undefined: objdump's "(bad)" must be
// #UD here, and everything objdump decodes must decode alike.
import { strict as assert } from 'assert';
import { objdumpAvailable, Mode } from './objdump';
import { runCases, trimToDecoded, Case, Summary, describe_, missingSummary } from './batch';

const PATTERN = [0x25, 0x78, 0x56, 0x34, 0x12, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33];
/** All 64 register forms and, for each reg field, three memory shapes (plain, SIB, disp32/RIP). */
const MODRMS: number[] = [];
for (let m = 0; m < 256; m++) if (m >= 0xc0 || [0, 4, 5].includes(m & 7) && (m >> 6) !== 1) MODRMS.push(m);

function sweep(mode: Mode, prefix: number[], escape: number[], opcodes: number[]): Case[] {
  const out: Case[] = [];
  for (const op of opcodes) {
    for (const modrm of MODRMS) out.push(trimToDecoded({ bytes: [...prefix, ...escape, op, modrm, ...PATTERN].slice(0, 15), mode }));
  }
  return out;
}

const ALL = [...Array(256).keys()];
const LEGACY_PREFIX = new Set([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x0f]);
const ONE_BYTE = ALL.filter((b) => !LEGACY_PREFIX.has(b));
const NON_SIMD_38 = [0x80, 0x81, 0x82, 0xf0, 0xf1, 0xf5, 0xf6, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc];

describe('decoder: opcode × ModRM sweep against objdump', function () {
  this.timeout(120000);
  let sum: Summary;
  before(async function () {
    if (!objdumpAvailable()) this.skip();
    const cases: Case[] = [
      ...sweep(64, [], [], ONE_BYTE.filter((b) => (b & 0xf0) !== 0x40)),
      ...sweep(32, [], [], ONE_BYTE),
      ...sweep(16, [], [], ONE_BYTE),
      ...sweep(64, [], [0x0f], ALL),
      ...sweep(32, [], [0x0f], ALL),
      ...sweep(64, [0x66], [0x0f], ALL),
      ...sweep(64, [0xf3], [0x0f], ALL),
      ...sweep(64, [0xf2], [0x0f], ALL),
      ...sweep(64, [0x48], [0x0f], ALL),
      ...[[], [0x66], [0xf3], [0xf2]].flatMap((p) => sweep(64, p, [0x0f, 0x38], NON_SIMD_38)),
      ...[[], [0x66], [0xf3], [0xf2]].flatMap((p) => sweep(64, p, [0x0f, 0x3a], [0xf0])),
    ];
    sum = await runCases(cases);
  });

  it('agrees with objdump outside table/simd.ts', () => {
    assert.equal(sum.failures.length, 0, describe_(sum));
  });

  it('agrees with objdump on the opcodes of table/simd.ts', () => {
    if (sum.simdMissing.length) console.log(`      (table/simd.ts lacks ${sum.simdMissing.length} encodings objdump decodes: ${missingSummary(sum)})`);
    assert.equal(sum.simdFailures.length, 0, describe_({ ...sum, failures: sum.simdFailures }));
  });
});
