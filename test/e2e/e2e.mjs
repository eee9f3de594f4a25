// End-to-end: F5 on examples/hello in a real VS Code workbench (code-server), driven by
// playwright-core + Debian's /usr/bin/chromium. Started by run.sh (see README.md).
// Env: WORKBENCH_URL (required), OUT_DIR (screenshots), CHROMIUM (default /usr/bin/chromium).
// Prints 'N passed, N failed' last; exit code 1 on failure (screenshot 99-failure.png).
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';

const url = process.env.WORKBENCH_URL;
const outDir = process.env.OUT_DIR || '.';
const T = (ms) => ({ timeout: ms });
const t0 = Date.now();
const since = () => ((Date.now() - t0) / 1000).toFixed(1) + 's';
const step = (msg) => console.log(`[${since()}] ${msg}`);
const BP_TEXT = 'printf("Hello from nestvirt!\\n");';

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic'],
});
const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
page.on('pageerror', (e) => console.log('[pageerror]', e.message));
const shot = (name) => page.screenshot({ path: path.join(outDir, `${name}.png`) });

let failed = false;
try {
  // ---- 1. Workbench loads, open hello/main.c from the explorer ----------------------
  await page.goto(url);
  await page.locator('.monaco-workbench').waitFor(T(60_000));
  const explorerRow = (name) => page.locator('.explorer-folders-view .monaco-list-row', { hasText: new RegExp(`^${name}$`) });
  await explorerRow('hello').waitFor(T(60_000));
  const tReady = Date.now();
  step('workbench ready');
  await explorerRow('hello').click();
  await explorerRow('main.c').click(); // the other folders stay collapsed: this is hello/main.c
  const editor = page.locator('.editor-group-container.active .monaco-editor').first();
  const bpLine = editor.locator('.view-lines .view-line', { hasText: BP_TEXT });
  await bpLine.waitFor(T(30_000));
  await shot('01-workbench');

  // ---- 2. Breakpoint by clicking the gutter of the printf line ---------------------
  await clickGutter(page, editor, bpLine);
  await editor.locator('.glyph-margin-widgets .codicon-debug-breakpoint').first().waitFor(T(10_000));
  const bpRow = page.locator('.debug-breakpoints .monaco-list-row', { hasText: 'main.c' });
  step('breakpoint set via gutter');

  // ---- 3. F5 -> stopped at the breakpoint in kmain ---------------------------------
  const tStart = Date.now();
  await bpLine.click(); // focus the workbench so F5 goes to VS Code
  await page.keyboard.press('F5');
  await page.locator('.debug-toolbar').waitFor(T(60_000));
  const frameRow = page.locator('.debug-call-stack .monaco-list-row', { hasText: 'kmain' });
  await frameRow.waitFor(T(60_000));
  const tStopped = Date.now();
  step(`stopped (F5 -> kmain frame visible: ${((tStopped - tStart) / 1000).toFixed(1)}s)`);
  const frameText = await frameRow.first().innerText();
  step(`call stack rows: ${JSON.stringify(await page.locator('.debug-call-stack .monaco-list-row').allInnerTexts())}`);
  assert.match(frameText, /kmain/);
  assert.match(frameText, /main\.c/);
  assert.match(frameText, /\b22:\d+\b/, 'top frame is at main.c line 22');
  const csHeader = await page.locator('.pane-header', { hasText: 'Call Stack' }).innerText();
  step(`call stack header: ${JSON.stringify(csHeader)}`);
  // One vCPU = one thread: VS Code puts the stop reason in the pane header (several: thread rows).
  const threadRows = await page.locator('.debug-call-stack .monaco-list-row.thread').allInnerTexts();
  assert.match(csHeader + threadRows.join(' '), /paused on breakpoint/i);
  await editor.locator('.debug-top-stack-frame-line').first().waitFor(T(10_000));
  // The stop shows the workspace's hello/main.c (DWARF paths resolve into the workspace), not
  // some other copy of the file: breadcrumbs are workspace-relative only for workspace files.
  const crumbs = (await page.locator('.editor-group-container.active .breadcrumbs-control').first().innerText()).replace(/\s+/g, ' ');
  step(`editor breadcrumbs at the stop: ${JSON.stringify(crumbs)}`);
  assert.match(crumbs, /^hello .*main\.c/);
  step(`breakpoint rows: ${JSON.stringify(await bpRow.allInnerTexts())}`);
  // The adapter's exception filter (initialize response) is listed in the Breakpoints view.
  await page.locator('.debug-breakpoints .monaco-list-row', { hasText: 'Exception in the guest' }).waitFor(T(10_000));

  // ---- 4. Variables view: the Registers scope of the top frame --------------------
  const scopeRow = page.locator('.debug-variables .monaco-list-row', { hasText: /^Registers$/ });
  await scopeRow.waitFor(T(30_000));
  if ((await scopeRow.getAttribute('aria-expanded')) !== 'true') await scopeRow.click();
  // The list is virtualized: only the rows that fit are in the DOM (rax, rcx, ... rsp, rbp first).
  const raxRow = page.locator('.debug-variables .monaco-list-row[aria-label^="rax,"]');
  await raxRow.waitFor(T(30_000));
  const regs = await page.locator('.debug-variables .monaco-list-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label')));
  step(`variables: ${JSON.stringify(regs)}`);
  for (const r of ['rax', 'rbx', 'rsp', 'rbp']) {
    assert.ok(regs.some((l) => new RegExp(`^${r}, value 0x[0-9a-f]{16}$`, 'i').test(l ?? '')), `${r} shown as a 64-bit hex value`);
  }
  await shot('02-stopped');

  // ---- 5. Continue -> the kernel runs to its end, the session terminates ----------
  await page.locator('.debug-toolbar .codicon-debug-continue').click();
  await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 60_000 });
  await frameRow.first().waitFor({ state: 'detached', timeout: 20_000 });
  step('continued; session ended, call stack cleared');
  const repl = page.locator('.repl .monaco-list-row');
  const replText = await repl.allInnerTexts().catch(() => []);
  step(`debug console (last rows): ${JSON.stringify(replText.slice(-6))}`);
  const errors = await page.locator('.notifications-toasts .notification-list-item:has(.codicon-error) .notification-list-item-message').allInnerTexts();
  assert.deepEqual(errors, [], 'error notifications: ' + JSON.stringify(errors));
  assert.ok(replText.some((t) => t.includes('Hello from nestvirt!')), 'serial output in the Debug Console');
  await shot('03-ended');

  // ---- 6. F5 with no launch.json: the configuration provider finds build/hello.elf ----
  // (named after the active file's folder, hello/) and the breakpoint hits again.
  const workspace = new URL(url).searchParams.get('folder');
  fs.rmSync(path.join(workspace, '.vscode'), { recursive: true, force: true });
  await page.locator('.debug-call-stack .monaco-list-row').first().waitFor({ state: 'detached', timeout: 20_000 }).catch(() => {});
  await bpLine.click();
  const tStart2 = Date.now();
  await page.keyboard.press('F5');
  await frameRow.first().waitFor(T(60_000));
  step(`no launch.json: F5 -> kmain frame visible: ${((Date.now() - tStart2) / 1000).toFixed(1)}s`);
  // The Run and Debug picker shows "No Configurations": this session came from the provider.
  const picker = await page.locator('.start-debug-action-item').first().innerText(T(5_000)).catch(() => '');
  step(`Run and Debug picker: ${JSON.stringify(picker)}`);
  assert.match(picker, /No Configurations/i);
  await shot('04-stopped-no-launch-json');
  await page.locator('.debug-toolbar .codicon-debug-continue').click();
  await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 60_000 });
  step('second session ended');

  console.log(`TIMING page-open->workbench-ready ${((tReady - t0) / 1000).toFixed(1)}s; F5->stopped ${((tStopped - tStart) / 1000).toFixed(1)}s; page-open->end ${since()}`);
} catch (e) {
  failed = true;
  console.error('FAILED:', e);
  await shot('99-failure').catch(() => {});
} finally {
  await browser.close();
}
console.log(failed ? '0 passed, 1 failed' : '1 passed, 0 failed');
process.exit(failed ? 1 : 0);

// Click the glyph margin (breakpoint gutter) at a line. Hover first: VS Code shows a faded
// `.codicon-debug-hint` only once the language accepts breakpoints (contributes.breakpoints,
// debugger contributions loaded); a click before that silently does nothing.
async function clickGutter(page, ed, line) {
  // The editor re-renders its lines while it settles (fonts, layout, tokenization): read the
  // boxes afresh on every attempt instead of once.
  let x = 0, y = 0;
  for (let attempt = 0; attempt < 40; attempt++) {
    const lineBox = await line.boundingBox().catch(() => null);
    const glyph = await ed.locator('.margin .glyph-margin').first().boundingBox().catch(() => null);
    if (lineBox && glyph) {
      x = glyph.x + glyph.width / 2;
      y = lineBox.y + lineBox.height / 2;
      await page.mouse.move(x, y);
      if (await ed.locator('.glyph-margin-widgets .codicon-debug-hint').count()) break;
      await page.mouse.move(x + 200, y);
    }
    await page.waitForTimeout(250);
  }
  if (!x) throw new Error('gutter: the breakpoint line never got a layout box');
  await page.mouse.click(x, y);
}
