// Plain position/range/severity shapes for the analysis modules. They are
// structurally the LSP ones (zero-based lines and UTF-16 columns, severity
// 1 = error .. 4 = hint), so server.ts passes them through unchanged while
// the analysis stays free of vscode-languageserver and unit-testable.

export interface Position { readonly line: number; readonly character: number }
export interface Range { readonly start: Position; readonly end: Position }

export const enum Severity { Error = 1, Warning = 2, Information = 3, Hint = 4 }

/** The two source dialects the server reads: C (c, cpp) and GNU assembler (x86-gas). */
export type SourceKind = 'c' | 'asm';

/** Maps a VS Code language id to the dialect; undefined = not ours. */
export function sourceKindOf(languageId: string): SourceKind | undefined {
  if (languageId === 'c' || languageId === 'cpp') return 'c';
  if (languageId === 'x86-gas') return 'asm';
  return undefined;
}
