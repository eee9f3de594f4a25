// The compiled server as a client sees it: a Node process speaking LSP over
// stdio (JSON-RPC with Content-Length framing, vscode-jsonrpc).

import { strict as assert } from 'assert';
import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import {
  createProtocolConnection, DidOpenTextDocumentNotification, ExitNotification, HoverRequest, InitializedNotification,
  InitializeRequest, MarkupContent, ProtocolConnection, PublishDiagnosticsNotification, PublishDiagnosticsParams,
  ShutdownRequest, StreamMessageReader, StreamMessageWriter,
} from 'vscode-languageserver/node';
import { fieldByName } from '../../emulator/vmx/fields';
import { hex4 } from '../../extension/server/source-text';

const SERVER = path.join(__dirname, '..', '..', 'extension', 'server', 'server.js');

describe('lsp server over stdio', function () {
  this.timeout(30000);
  let proc: ChildProcess;
  let conn: ProtocolConnection;

  before(async () => {
    proc = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    conn = createProtocolConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    conn.listen();
    const init = await conn.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: null });
    assert.equal(init.capabilities.hoverProvider, true);
    assert.ok(init.capabilities.completionProvider);
    await conn.sendNotification(InitializedNotification.type, {});
  });

  after(async () => {
    await conn.sendRequest(ShutdownRequest.type);
    await conn.sendNotification(ExitNotification.type);
    await new Promise<void>((resolve) => { if (proc.exitCode !== null) resolve(); else proc.once('exit', () => resolve()); });
    conn.dispose();
  });

  it('hovers GUEST_RIP and publishes a diagnostic for a VMWRITE to VM_EXIT_REASON', async () => {
    const uri = 'file:///tmp/l1/vmx.c';
    const text = 'void f(void) {\n  vmcs_writel(GUEST_RIP, 0);\n  vmwrite(VM_EXIT_REASON, 0);\n}\n';
    const diags = new Promise<PublishDiagnosticsParams>((resolve) => conn.onNotification(PublishDiagnosticsNotification.type, resolve));
    await conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'c', version: 1, text } });
    const hover = await conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 1, character: 16 } });
    assert.ok(hover);
    const md = (hover.contents as MarkupContent).value;
    assert.ok(md.includes('GUEST_RIP') && md.includes(hex4(fieldByName('GUEST_RIP')!.encoding)), md);
    const d = await diags;
    assert.equal(d.uri, uri);
    assert.deepEqual(d.diagnostics.map((x) => [x.code, x.range.start.line]), [['read-only-write', 2]]);
  });
});
