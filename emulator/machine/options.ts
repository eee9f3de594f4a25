// What a machine is built from: QEMU-compatible settings shared by the CLI,
// the debug adapter's launch configuration and the tests.
import { LoadError } from './load-error';

export interface MachineOptions {
  /** Path of the kernel (for the multiboot command line, as QEMU builds it). */
  kernelPath: string;
  kernel: Uint8Array;
  /** `--append`: appended to the kernel path on the multiboot command line. */
  append?: string;
  /** `--initrd a,b`: multiboot modules; `path` may carry arguments after a space, as in QEMU. */
  modules?: { path: string; data: Uint8Array }[];
  /** Guest RAM in bytes (default 256 MiB). */
  memoryBytes?: number;
  /** Number of vCPUs (default 1). */
  smp?: number;
  /** CPU policy in QEMU `-cpu` syntax (default `max`). */
  cpu?: string;
  /** Guest serial output (COM1). */
  serialOut?: (text: string) => void;
  /** Instructions per vCPU turn when several vCPUs are runnable (fixed: determinism). */
  quantum?: number;
}

/** Parses a QEMU-style memory size: `256M`, `4G`, `512` (MiB when no suffix), `1024K`. */
export function parseMemorySize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)(i?B)?$/i.exec(text.trim());
  if (!m) throw new LoadError(`bad memory size '${text}': expected e.g. 256M, 4G or 512 (MiB)`);
  const unit = m[2].toUpperCase();
  const mult = unit === 'K' ? 1024 : unit === 'G' ? 1024 ** 3 : unit === 'T' ? 1024 ** 4 : 1024 ** 2;
  const bytes = Math.floor(Number(m[1]) * mult);
  if (bytes < 2 * 1024 * 1024) throw new LoadError(`memory size '${text}' is too small: at least 2M is needed`);
  if (bytes > 64 * 1024 ** 3) throw new LoadError(`memory size '${text}' is too large: at most 64G is supported`);
  return bytes;
}
