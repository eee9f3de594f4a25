// Starts the language server for hypervisor sources (dist/server.js, built
// from extension/server/) for C, C++ and GNU as documents, over IPC. Loaded
// through optional-language-client.ts, which defines this contract.

import * as fs from 'fs';
import * as vscode from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';

/** The languages the server reads: C (c, cpp) and the x86-gas language contributed in package.json. */
const LANGUAGES = ['c', 'cpp', 'x86-gas'];

let client: LanguageClient | undefined;

export async function activateLanguageClient(context: vscode.ExtensionContext): Promise<void> {
  const module = context.asAbsolutePath('dist/server.js');
  // A development build without the server bundle still debugs.
  if (!fs.existsSync(module)) return;
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: LANGUAGES.flatMap((language) => [{ scheme: 'file', language }, { scheme: 'untitled', language }]),
  };
  client = new LanguageClient('nestvirt.hypervisorSources', 'nestvirt: hypervisor sources', serverOptions, clientOptions);
  await client.start();
}

export function deactivateLanguageClient(): Thenable<void> | undefined {
  const c = client;
  client = undefined;
  return c?.stop();
}
