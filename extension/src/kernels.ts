// What F5 launches in a folder with no launch.json: finds multiboot kernels
// (ELF files with a multiboot v1 header: magic 0x1BADB002, 4-byte aligned in
// the first 8 KiB, checksum — Multiboot spec 3.1.1), and when the folder has
// a Makefile and a toolchain, builds first (preLaunchTask) and launches the
// kernel named after the active source's directory (hello/main.c →
// build/hello.elf, the examples' convention). No `vscode` import: plain logic.
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
  const dir = activeFile ? path.basename(path.dirname(activeFile)) : undefined;
  return kernels.find((k) => path.basename(k, '.elf') === dir) ?? kernels[0];
}

/** True when `name` is an executable file in one of PATH's directories. */
export function onPath(name: string, envPath = process.env.PATH ?? ''): boolean {
  return envPath.split(path.delimiter).filter(Boolean).some((dir) => {
    try {
      fs.accessSync(path.join(dir, name), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** A Makefile at the root and make plus a C compiler on PATH: F5 may build before launching. */
export function canBuild(root: string): boolean {
  return fs.existsSync(path.join(root, 'Makefile')) && onPath('make') && ['gcc', 'cc', 'clang'].some((c) => onPath(c));
}

const SOURCE = /\.(c|S|s)$/;

/**
 * The kernel a buildable folder will produce for the active source file:
 * build/NAME.elf where NAME is the file's directory and root/NAME holds
 * sources. By name, not by path: the active file may be another checkout's
 * copy (a stop opened the path recorded in the DWARF of a kernel built elsewhere).
 */
export function kernelToBuild(root: string, activeFile: string | undefined): string | undefined {
  if (!activeFile) return undefined;
  const name = path.basename(path.dirname(activeFile));
  try {
    if (!fs.readdirSync(path.join(root, name)).some((f) => SOURCE.test(f))) return undefined;
  } catch {
    return undefined;
  }
  return path.join('build', `${name}.elf`);
}

export interface NestvirtLaunchConfig {
  type: 'nestvirt';
  request: 'launch';
  name: string;
  program: string;
  cwd: string;
  stopOnEntry: boolean;
  preLaunchTask?: string;
}

/** The configuration F5 uses for a workspace-relative kernel path; with `buildTask`, built first. */
export function configFor(relKernel: string, buildTask?: string): NestvirtLaunchConfig {
  const config: NestvirtLaunchConfig = {
    type: 'nestvirt',
    request: 'launch',
    name: `nestvirt: ${path.basename(relKernel)}`,
    program: '${workspaceFolder}/' + relKernel.split(path.sep).join('/'),
    cwd: '${workspaceFolder}',
    stopOnEntry: false,
  };
  if (buildTask) config.preLaunchTask = buildTask;
  return config;
}

/**
 * F5's choice: build with `buildTask` and launch the active directory's
 * kernel when the folder can build; otherwise the best existing kernel
 * (build/, then the root, then prebuilt/). undefined: nothing to launch.
 */
export async function proposeLaunch(root: string, activeFile: string | undefined, buildTask: string): Promise<NestvirtLaunchConfig | undefined> {
  const kernels = await findKernels(root);
  if (canBuild(root)) {
    const target = kernelToBuild(root, activeFile);
    const built = kernels.filter((k) => !k.startsWith('prebuilt'));
    if (target) return configFor(target, buildTask);
    if (built.length) return configFor(pickKernel(built, activeFile), buildTask);
  }
  return kernels.length ? configFor(pickKernel(kernels, activeFile)) : undefined;
}
