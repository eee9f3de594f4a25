// Source paths as the DWARF names them (absolute paths on the machine that
// compiled the kernel) and as they are on this machine. `sourceMap` (launch
// attribute, like cpptools' sourceFileMap) maps compile-time prefixes to
// local ones; a DWARF path that the map does not cover and that does not
// exist here is looked for under the search roots (the launch `cwd`, then
// the parent of the program's directory) by its trailing components, the
// longest suffix first: /build/ci/examples/hello/main.c is found as
// <root>/examples/hello/main.c, else <root>/hello/main.c, else
// <root>/main.c.
import * as fs from 'fs';
import * as path from 'path';

export type SourceMap = [from: string, to: string][];

export class SourcePaths {
  private readonly local = new Map<string, string>();
  /** Local path (normalized) -> DWARF path, filled as DWARF paths are mapped. */
  private readonly dwarf = new Map<string, string>();

  /** `map` longest prefix first; `roots` in search order. */
  constructor(private readonly map: SourceMap, private readonly roots: string[], private readonly exists: (p: string) => boolean = fileExists) {
    this.map = [...map].sort((a, b) => b[0].length - a[0].length);
  }

  /** Where a DWARF source path is on this machine (the path itself when nothing better is known). */
  toLocal(dwarfPath: string): string {
    let p = this.local.get(dwarfPath);
    if (p === undefined) {
      p = this.resolve(dwarfPath);
      this.local.set(dwarfPath, p);
      const key = path.normalize(p);
      if (!this.dwarf.has(key)) this.dwarf.set(key, dwarfPath);
    }
    return p;
  }

  /**
   * The DWARF path of a local source path (a client's setBreakpoints path).
   * `known`: every DWARF source path of the loaded symbols, mapped first so
   * the reverse lookup knows them.
   */
  toDwarf(localPath: string, known: Iterable<string>): string {
    for (const d of known) this.toLocal(d);
    const hit = this.dwarf.get(path.normalize(localPath));
    if (hit !== undefined) return hit;
    // Not a path the symbols name: undo the map's prefix, if one applies.
    for (const [from, to] of this.map) {
      const rest = underPrefix(localPath, to);
      if (rest !== undefined) return joinPrefix(from, rest);
    }
    return localPath;
  }

  private resolve(dwarfPath: string): string {
    for (const [from, to] of this.map) {
      const rest = underPrefix(dwarfPath, from);
      if (rest !== undefined) return joinPrefix(to, rest);
    }
    if (!path.isAbsolute(dwarfPath) || this.exists(dwarfPath)) return dwarfPath;
    const parts = dwarfPath.split(/[\\/]+/).filter((x) => x !== '');
    for (let i = 0; i < parts.length; i++) {
      for (const root of this.roots) {
        const candidate = path.join(root, ...parts.slice(i));
        if (this.exists(candidate)) return candidate;
      }
    }
    return dwarfPath;
  }
}

/** What follows `prefix` in `p` (component-wise: /a/b is under /a, /ab is not), or undefined. */
function underPrefix(p: string, prefix: string): string | undefined {
  const pre = prefix.replace(/[\\/]+$/, '');
  if (p === pre) return '';
  if (p.startsWith(pre) && (p[pre.length] === '/' || p[pre.length] === '\\')) return p.slice(pre.length + 1);
  return undefined;
}

function joinPrefix(prefix: string, rest: string): string {
  if (!rest) return prefix.replace(/[\\/]+$/, '') || prefix;
  return prefix.replace(/[\\/]+$/, '') + '/' + rest;
}

function fileExists(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Validates the `sourceMap` launch attribute; returns an error text or the map. */
export function parseSourceMap(v: unknown): SourceMap | string {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    return `expected an object mapping compile-time path prefixes to local ones, e.g. { "/build/examples": "\${workspaceFolder}/examples" }`;
  }
  const out: SourceMap = [];
  for (const [from, to] of Object.entries(v as Record<string, unknown>)) {
    if (!from) return 'an empty compile-time prefix maps nothing: give a path prefix as the key';
    if (typeof to !== 'string' || !to) return `the local prefix for '${from}' must be a non-empty path string, got ${to === null ? 'null' : typeof to === 'string' ? "''" : typeof to}`;
    out.push([from, to]);
  }
  return out;
}
