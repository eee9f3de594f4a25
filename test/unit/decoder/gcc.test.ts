// Real compiler output: a hypervisor-shaped C file built with gcc -O2 for 64-,
// 32- and 16-bit code, and the example kernels in examples/build (when built),
// disassemble to exactly what `objdump -d` prints.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { objdumpAvailable, Mode } from './objdump';
import { compareListing, toolAvailable } from './listing';

const ROOT = path.join(__dirname, '..', '..', '..', '..');
const SAMPLE = path.join(ROOT, 'test', 'unit', 'decoder', 'sample.c');

describe('decoder: gcc -O2 output against objdump -d', function () {
  this.timeout(60000);
  let dir = '';
  before(function () {
    if (!objdumpAvailable() || !toolAvailable('gcc') || !toolAvailable('objcopy') || !toolAvailable('nm')) this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nestvirt-gcc-'));
  });
  after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

  for (const mode of [64, 32, 16] as Mode[]) {
    it(`disassembles gcc -m${mode} -O2 code like objdump`, function () {
      const obj = path.join(dir, `sample${mode}.o`);
      const r = spawnSync('gcc', [`-m${mode}`, '-O2', '-c', '-ffreestanding', '-mno-red-zone', '-fcf-protection=full', SAMPLE, '-o', obj],
        { encoding: 'utf8' });
      if (r.status !== 0) { if (mode !== 64) this.skip(); assert.fail(`gcc failed: ${r.stderr}`); }
      const res = compareListing(obj, mode);
      assert.ok(res.compared > 200, `only ${res.compared} instructions`);
      assert.deepEqual(res.mismatches.slice(0, 30), [], `${res.mismatches.length} mismatches of ${res.compared}`);
    });
  }

  it('disassembles examples/build/*.elf like objdump', function () {
    const build = path.join(ROOT, 'examples', 'build');
    const elfs = fs.existsSync(build) ? fs.readdirSync(build).filter((f) => f.endsWith('.elf')).map((f) => path.join(build, f)) : [];
    if (!elfs.length) this.skip();
    const problems: string[] = [];
    let compared = 0;
    for (const f of elfs) {
      const res = compareListing(f, 64);
      compared += res.compared;
      problems.push(...res.mismatches);
    }
    assert.ok(compared > 1000, `only ${compared} instructions`);
    assert.deepEqual(problems.slice(0, 30), [], `${problems.length} mismatches of ${compared}`);
  });
});
