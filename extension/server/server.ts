// The language server for hypervisor sources (C and GNU as): hover,
// completion and diagnostics from the emulator's VMX/SVM tables. A plain
// Node process (stdio or IPC, chosen by the client's command line); the
// analysis lives in the pure modules next to this file, this one only
// speaks LSP.

import {
  CompletionItemKind, createConnection, Diagnostic, InitializeResult, MarkupKind, ProposedFeatures, TextDocuments,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { completeAt } from './completion';
import { diagnose } from './diagnostics';
import { hoverAt } from './hover';
import type { HvSymbolKind } from './symbol';
import { sourceKindOf } from './types';

const ITEM_KIND: Record<HvSymbolKind, CompletionItemKind> = {
  'vmcs-field': CompletionItemKind.Field,
  'vmx-control': CompletionItemKind.EnumMember,
  'vmx-exit-reason': CompletionItemKind.Constant,
  'vmx-msr': CompletionItemKind.Constant,
  'vmcb-field': CompletionItemKind.Field,
  'svm-intercept': CompletionItemKind.EnumMember,
  'svm-exit-code': CompletionItemKind.Constant,
};

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);

connection.onInitialize((): InitializeResult => ({
  capabilities: {
    textDocumentSync: TextDocumentSyncKind.Incremental,
    hoverProvider: true,
    completionProvider: { resolveProvider: false },
  },
  serverInfo: { name: 'nestvirt hypervisor sources' },
}));

connection.onHover(({ textDocument, position }) => {
  const doc = documents.get(textDocument.uri);
  const kind = doc && sourceKindOf(doc.languageId);
  if (!doc || !kind) return null;
  const h = hoverAt(doc.getText(), kind, position);
  return h ? { contents: { kind: MarkupKind.Markdown, value: h.markdown }, range: h.range } : null;
});

connection.onCompletion(({ textDocument, position }) => {
  const doc = documents.get(textDocument.uri);
  const kind = doc && sourceKindOf(doc.languageId);
  if (!doc || !kind) return null;
  const list = completeAt(doc.getText(), kind, position);
  return {
    isIncomplete: list.isIncomplete,
    items: list.items.map((c) => ({
      label: c.label, kind: ITEM_KIND[c.kind], detail: c.detail, sortText: c.sortText,
      documentation: { kind: MarkupKind.Markdown, value: c.documentation },
    })),
  };
});

function validate(doc: TextDocument): void {
  const kind = sourceKindOf(doc.languageId);
  const diagnostics: Diagnostic[] = kind
    ? diagnose(doc.getText(), kind).map((d) => ({ range: d.range, severity: d.severity, code: d.code, message: d.message, source: 'nestvirt' }))
    : [];
  void connection.sendDiagnostics({ uri: doc.uri, diagnostics });
}

documents.onDidChangeContent((e) => validate(e.document));
documents.onDidClose((e) => void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] }));

documents.listen(connection);
connection.listen();
