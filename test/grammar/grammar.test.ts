// The TextMate grammars of syntaxes/, tested with vscode-tmgrammar-test:
// - unit/*: `# SYNTAX TEST` files with ^^^ scope assertions (one mocha test each),
// - snap/*: whole files against their committed .snap token dumps.
// The tool's CLIs are spawned (their exit status is the verdict) and their
// output becomes the failure message.
//
// After an intended grammar change, regenerate and review the snapshots with
//   NESTVIRT_UPDATE_GRAMMAR_SNAPSHOTS=1 node test/run.js grammar
// (also rewrites snap/nested-vmx-run.nvtrace from trace-sample.ts), then
// `git diff test/grammar/snap`.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { traceSampleText } from './trace-sample';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const HERE = path.join(ROOT, 'test', 'grammar');
const CONFIG = path.join(HERE, 'grammars.json');
const SYNTAXES = path.join(ROOT, 'syntaxes');
const UPDATE = process.env.NESTVIRT_UPDATE_GRAMMAR_SNAPSHOTS === '1';

const toolDir = path.dirname(require.resolve('vscode-tmgrammar-test/package.json'));
const toolBin = (name: string): string => path.join(toolDir, require(path.join(toolDir, 'package.json')).bin[name]);

function run(bin: string, args: string[]): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [toolBin(bin), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

const rel = (p: string): string => path.relative(ROOT, p);
const filesIn = (dir: string, keep: (name: string) => boolean): string[] =>
  fs.readdirSync(dir).filter(keep).sort().map((n) => path.join(dir, n));

describe('grammars (syntaxes/)', () => {
  it('the generated .tmLanguage.json files are up to date with syntaxes/src', () => {
    const r = spawnSync(process.execPath, [path.join(SYNTAXES, 'build.js'), '--check'], { cwd: ROOT, encoding: 'utf8' });
    assert.strictEqual(r.status, 0, r.stderr + r.stdout);
  });

  it('every regular expression compiles in Oniguruma (the engine VS Code uses)', async () => {
    const onigDir = path.dirname(require.resolve('vscode-oniguruma/package.json', { paths: [toolDir] }));
    const onig = require(onigDir);
    const wasm = fs.readFileSync(path.join(onigDir, 'release', 'onig.wasm'));
    await onig.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength)).catch(() => undefined);
    const bad: string[] = [];
    let count = 0;
    const walk = (node: unknown, where: string): void => {
      if (Array.isArray(node)) { node.forEach((n, i) => walk(n, `${where}[${i}]`)); return; }
      if (!node || typeof node !== 'object') return;
      for (const [k, v] of Object.entries(node)) {
        if ((k === 'match' || k === 'begin' || k === 'end' || k === 'while' || k === 'firstLineMatch') && typeof v === 'string') {
          count++;
          try { new onig.OnigScanner([v]).dispose(); } catch (e) { bad.push(`${where}.${k}: ${(e as Error).message}: ${v}`); }
        } else walk(v, `${where}.${k}`);
      }
    };
    for (const f of filesIn(SYNTAXES, (n) => n.endsWith('.tmLanguage.json'))) {
      walk(JSON.parse(fs.readFileSync(f, 'utf8')), path.basename(f));
    }
    assert.ok(count > 100, `only ${count} regexes found`);
    assert.deepStrictEqual(bad, []);
  });

  it('the GNU as language configuration is complete and its regexes compile', () => {
    const c = JSON.parse(fs.readFileSync(path.join(SYNTAXES, 'language-configuration-gas.json'), 'utf8'));
    assert.deepStrictEqual(c.comments, { lineComment: '#', blockComment: ['/*', '*/'] });
    assert.ok(c.brackets.some((b: string[]) => b[0] === '(' && b[1] === ')'));
    assert.ok(c.brackets.some((b: string[]) => b[0] === '[' && b[1] === ']'));
    assert.ok(c.autoClosingPairs.some((p: { open: string }) => p.open === '"'));
    const word = new RegExp(c.wordPattern, 'g');
    assert.deepStrictEqual('vmwrite $0x681e, %rax; \\reg .Lexit'.match(word), ['vmwrite', '0x681e', '%rax', '\\reg', '.Lexit']);
    assert.ok(new RegExp(c.folding.markers.start).test('        .macro SAVE'));
    assert.ok(new RegExp(c.folding.markers.end).test('#endif'));
  });

  it('snap/nested-vmx-run.nvtrace is what formatTraceLine prints for trace-sample.ts', () => {
    const file = path.join(HERE, 'snap', 'nested-vmx-run.nvtrace');
    if (UPDATE) fs.writeFileSync(file, traceSampleText());
    assert.strictEqual(fs.readFileSync(file, 'utf8'), traceSampleText(),
      'the trace format changed: update syntaxes/src/nestvirt-trace.js and regenerate (see the top of this file)');
  });

  describe('unit tests (vscode-tmgrammar-test)', () => {
    it('a wrong assertion makes the tool fail (the wrapper is not a no-op)', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nestvirt-grammar-'));
      try {
        const file = path.join(dir, 'wrong.S');
        fs.writeFileSync(file, '# SYNTAX TEST "source.x86-gas"\n        vmlaunch\n#       ^^^^^^^^ keyword.other.svm.x86-gas\n');
        const r = run('vscode-tmgrammar-test', ['--config', CONFIG, file]);
        assert.notStrictEqual(r.status, 0, r.output);
        assert.match(r.output, /missing required scopes: keyword\.other\.svm\.x86-gas/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    // One run of the CLI for all files (each spawn costs a Node start-up);
    // each file's verdict is then read from its own section of the report.
    const unitFiles = filesIn(path.join(HERE, 'unit'), (n) => !n.startsWith('.')).map(rel);
    let report: { status: number | null; output: string } | undefined;
    before(() => { report = run('vscode-tmgrammar-test', ['--config', CONFIG, ...unitFiles]); });

    for (const file of unitFiles) {
      it(file, () => {
        const { status, output } = report!;
        if (output.includes(`\u2713 ${file} run successfuly.`)) return;
        const lines = output.split('\n');
        const start = lines.findIndex((l) => l.includes(file) && !l.startsWith('\u2713'));
        let end = start + 1;
        while (start >= 0 && end < lines.length && !/^(\u2713|\u2716|ERROR) /.test(lines[end])) end++;
        const section = start >= 0 ? lines.slice(start, end).join('\n') : output;
        assert.fail(`vscode-tmgrammar-test (exit status ${status}) did not pass ${file}:\n${section}`);
      });
    }
  });

  describe('snapshot tests (vscode-tmgrammar-snap)', () => {
    for (const file of filesIn(path.join(HERE, 'snap'), (n) => !n.endsWith('.snap') && !n.startsWith('.'))) {
      it(rel(file), () => {
        // The tool writes a missing .snap and passes; a missing one is a failure here.
        if (!UPDATE) assert.ok(fs.existsSync(file + '.snap'), `${rel(file)}.snap is missing (see the top of test/grammar/grammar.test.ts)`);
        const r = run('vscode-tmgrammar-snap', ['--config', CONFIG, ...(UPDATE ? ['--updateSnapshot'] : []), file]);
        assert.strictEqual(r.status, 0, `vscode-tmgrammar-snap failed:\n${r.output}`);
      });
    }
  });
});
