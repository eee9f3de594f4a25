// adapter/symbols: symbols for the debugger, read from ELF files without a
// DWARF library. SymbolFile is the entry point; the modules below it can be
// used alone (tests feed them hand-made sections).

export { SymbolError } from './errors';
export { SymbolFile, SymbolFileOptions, FunctionSymbol, SymbolicFrame } from './symbols';
export { LineTable, LineLocation, LineBreakpoint, BreakpointLocation, CodeScope, FunctionDeclaration, FunctionRange, LineTableOptions } from './line-table';
export { LineRow, LineProgram, LineProgramHeader, LineFileEntry, LineDecodeOptions, decodeDebugLine, decodeLineProgram } from './dwarf-line';
export {
  CallFrameInfo,
  Cie,
  Fde,
  UnwindRow,
  RegisterRule,
  CfaRule,
  Unwinder,
  UnwinderOptions,
  UnwindStep,
  Frame,
  Registers,
  RegisterName,
  MemoryReader,
  Arch,
  executeInstructions,
} from './cfi';
export { CompileUnit, Scope, DebugInfo, readDebugInfo, readScopes } from './dwarf-info';
export { DwarfSections, dwarfSections } from './sections';
