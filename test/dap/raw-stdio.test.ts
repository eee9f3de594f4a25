// The adapter as a non-VS Code client (nvim-dap, Emacs dap-mode) sees it:
// `nestvirt dap` over stdio, raw JSON with Content-Length framing.
import * as assert from 'assert';
import * as path from 'path';
import { spawn, ChildProcessWithoutNullStreams, execFileSync } from 'child_process';

const ROOT = path.resolve(__dirname, '../../..');
const HELLO = path.join(ROOT, 'examples', 'build', 'hello.elf');

interface Message { seq: number; type: 'request' | 'response' | 'event'; command?: string; event?: string; success?: boolean; request_seq?: number; body?: any; message?: string }

class RawClient {
  private buf = Buffer.alloc(0);
  private seq = 1;
  readonly received: Message[] = [];
  private waiters: { pred: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];

  constructor(readonly proc: ChildProcessWithoutNullStreams) {
    proc.stdout.on('data', (d: Buffer) => this.onData(d));
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const sep = this.buf.indexOf('\r\n\r\n');
      if (sep < 0) return;
      const header = this.buf.subarray(0, sep).toString('ascii');
      const m = /Content-Length: (\d+)/i.exec(header);
      assert.ok(m, `bad header from the adapter: ${JSON.stringify(header)}`);
      const len = Number(m[1]);
      if (this.buf.length < sep + 4 + len) return;
      const msg = JSON.parse(this.buf.subarray(sep + 4, sep + 4 + len).toString('utf8')) as Message;
      this.buf = this.buf.subarray(sep + 4 + len);
      this.received.push(msg);
      for (const w of [...this.waiters]) {
        if (w.pred(msg)) { this.waiters.splice(this.waiters.indexOf(w), 1); w.resolve(msg); }
      }
    }
  }

  wait(pred: (m: Message) => boolean, what: string, ms = 20000): Promise<Message> {
    const seen = this.received.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
      this.waiters.push({ pred, resolve: (m) => { clearTimeout(t); resolve(m); } });
    });
  }

  send(command: string, args?: object): Promise<Message> {
    const seq = this.seq++;
    const json = JSON.stringify({ seq, type: 'request', command, arguments: args });
    this.proc.stdin.write(`Content-Length: ${Buffer.byteLength(json, 'utf8')}\r\n\r\n${json}`);
    return this.wait((m) => m.type === 'response' && m.request_seq === seq, `the ${command} response`);
  }

  event(name: string): Promise<Message> { return this.wait((m) => m.type === 'event' && m.event === name, `a ${name} event`); }
}

describe('DAP adapter over raw stdio (Content-Length framing)', function () {
  this.timeout(60000);

  before(() => { execFileSync('make', ['-s', '-C', path.join(ROOT, 'examples')], { stdio: 'pipe' }); });

  it('serves initialize, launch, threads, stackTrace, continue and disconnect through `nestvirt dap`', async () => {
    const proc = spawn(process.execPath, [path.join(ROOT, 'bin', 'nestvirt'), 'dap'], { cwd: ROOT });
    const c = new RawClient(proc);
    let stderr = '';
    proc.stderr.on('data', (d) => { stderr += d; });
    try {
      const init = await c.send('initialize', { adapterID: 'nestvirt', clientID: 'raw-test', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
      assert.strictEqual(init.success, true, init.message);
      assert.strictEqual(init.body.supportsConfigurationDoneRequest, true);

      const launched = c.send('launch', { program: HELLO, stopOnEntry: true });
      await c.event('initialized');
      const fb = await c.send('setFunctionBreakpoints', { breakpoints: [{ name: 'kmain' }] });
      assert.strictEqual(fb.body.breakpoints[0].verified, true);
      assert.strictEqual((await c.send('configurationDone')).success, true);
      assert.strictEqual((await launched).success, true);

      const entry = await c.event('stopped');
      assert.strictEqual(entry.body.reason, 'entry');
      const threads = await c.send('threads');
      assert.deepStrictEqual(threads.body.threads, [{ id: 1, name: 'vCPU 0' }]);

      const stopped = c.wait((m) => m.event === 'stopped' && m.body.reason !== 'entry', 'the breakpoint stop');
      assert.strictEqual((await c.send('continue', { threadId: 1 })).success, true);
      assert.strictEqual((await stopped).body.reason, 'function breakpoint');
      const st = await c.send('stackTrace', { threadId: 1 });
      assert.match(st.body.stackFrames[0].name, /^kmain/);

      const terminated = c.event('terminated');
      await c.send('continue', { threadId: 1 });
      await terminated;
      const out = c.received.filter((m) => m.event === 'output' && m.body.category === 'stdout').map((m) => m.body.output).join('');
      assert.match(out, /Hello from nestvirt!/);

      const bye = await c.send('disconnect', {});
      assert.strictEqual(bye.success, true);
      await new Promise<void>((resolve) => { if (proc.exitCode !== null) resolve(); else proc.on('exit', () => resolve()); });
      assert.strictEqual(stderr, '');
    } finally {
      proc.kill();
    }
  });

  it('answers a bad launch with an error response naming the attribute', async () => {
    const proc = spawn(process.execPath, [path.join(ROOT, 'out', 'adapter', 'main.js')], { cwd: ROOT });
    const c = new RawClient(proc);
    try {
      await c.send('initialize', { adapterID: 'nestvirt' });
      const r = await c.send('launch', { program: HELLO, smp: 'two' });
      assert.strictEqual(r.success, false);
      assert.match(r.message!, /^smp: expected a whole number of vCPUs from 1 to 64/);
      assert.match(r.body.error.format, /^smp: /);
    } finally {
      proc.kill();
    }
  });
});
