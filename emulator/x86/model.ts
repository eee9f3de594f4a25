// What the core needs from the per-VM CPU model (cpu-model.ts implements it).
export interface CpuModelLike {
  vendor: 'intel' | 'amd';
  physAddrBits: number;
  cpuid(leaf: number, subleaf: number, apicId: number): [number, number, number, number];
  has(feature: string): boolean;
}
