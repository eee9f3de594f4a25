// DESIGN.md: the language server imports only emulator tables, never
// `vscode`; only server.ts speaks LSP, so the analysis stays testable.

import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';

const DIR = path.join(__dirname, '..', '..', '..', 'extension', 'server');
const TABLES = /^\.\.\/\.\.\/emulator\/(?:vmx\/(?:fields|controls|exit-reasons|msrs)|svm\/(?:vmcb-layout|intercepts|exit-codes))$/;

function imports(file: string): string[] {
  const src = fs.readFileSync(path.join(DIR, file), 'utf8');
  return [...src.matchAll(/^(?:import|export)[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1]);
}

describe('lsp server layering', () => {
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.ts'));

  it('finds the server sources', () => {
    assert.ok(files.includes('server.ts') && files.length > 5, files.join());
  });

  it('imports only sibling modules, emulator tables, and (server.ts only) the LSP libraries', () => {
    for (const f of files) {
      for (const spec of imports(f)) {
        const ok = spec.startsWith('./') || TABLES.test(spec) || (f === 'server.ts' && /^vscode-languageserver(?:-textdocument|\/node)?$/.test(spec));
        assert.ok(ok, `${f} imports ${spec}`);
      }
    }
  });
});
