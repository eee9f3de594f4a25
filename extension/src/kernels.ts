// Finds multiboot kernels in a folder: ELF files with a multiboot v1 header
// (magic 0x1BADB002, 4-byte aligned in the first 8 KiB — Multiboot spec 3.1.1),
// and the launch configuration proposed for one. No `vscode` import: plain logic.
import * as fs from 'fs';
import * as path from 'path';

const MULTIBOOT_MAGIC = 0x1badb002;
const SEARCH_BYTES = 8192;

export function isMultibootElf(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(SEARCH_BYTES);
    const n = fs.readSync(fd, buf, 0, SEARCH_BYTES, 0);
    if (n < 4 || buf.readUInt32BE(0) !== 0x7f454c46) return false; // "\x7fELF"
    for (let off = 0; off + 12 <= n; off += 4) {
      if (buf.readUInt32LE(off) !== MULTIBOOT_MAGIC) continue;
      const flags = buf.readUInt32LE(off + 4), sum = buf.readUInt32LE(off + 8);
      if (((MULTIBOOT_MAGIC + flags + sum) >>> 0) === 0) return true;
    }
    return false;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

const elfsIn = (root: string, rel: string): string[] => {
  try {
    return fs.readdirSync(path.join(root, rel)).filter((f) => f.endsWith('.elf')).sort().map((f) => path.join(rel, f));
  } catch {
    return [];
  }
};

/** Workspace-relative paths of multiboot ELFs: build/ first, then the folder itself, then prebuilt/. */
export async function findKernels(root: string): Promise<string[]> {
  const candidates = [...elfsIn(root, 'build'), ...elfsIn(root, '.'), ...elfsIn(root, 'prebuilt')];
  return candidates.filter((rel) => isMultibootElf(path.join(root, rel))).map((rel) => path.normalize(rel));
}

/** Prefers the kernel named after the active source file's directory (hello/main.c → build/hello.elf). */
export function pickKernel(kernels: string[], activeFile: string | undefined): string {
  if (activeFile) {
    const dir = path.basename(path.dirname(activeFile));
    const match = kernels.find((k) => path.basename(k, '.elf') === dir);
    if (match) return match;
  }
  return kernels[0];
}

export interface NestvirtLaunchConfig {
  type: 'nestvirt';
  request: 'launch';
  name: string;
  program: string;
  cwd: string;
  stopOnEntry: boolean;
}

/** The configuration F5 uses for a workspace-relative kernel path. */
export function configFor(relKernel: string): NestvirtLaunchConfig {
  return {
    type: 'nestvirt',
    request: 'launch',
    name: `nestvirt: ${path.basename(relKernel)}`,
    program: '${workspaceFolder}/' + relKernel.split(path.sep).join('/'),
    cwd: '${workspaceFolder}',
    stopOnEntry: false,
  };
}
