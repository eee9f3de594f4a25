// The CPUID feature names the system instructions ask the CPU model about
// (cpu.model.has), in QEMU's `-cpu` flag spelling (DESIGN.md "Conventions").
// One place, so a rename in the model is a one-line change here.
export const FEAT = {
  nx: 'nx', // CPUID.80000001H:EDX.NX[20]
  lm: 'lm', // CPUID.80000001H:EDX.LM[29]
  syscall: 'syscall', // CPUID.80000001H:EDX.SYSCALL[11]
  sep: 'sep', // CPUID.01H:EDX.SEP[11] (SYSENTER/SYSEXIT)
  rdtscp: 'rdtscp', // CPUID.80000001H:EDX.RDTSCP[27]
  fsgsbase: 'fsgsbase', // CPUID.(EAX=07H,ECX=0):EBX[0]
  pcid: 'pcid', // CPUID.01H:ECX.PCID[17]
  invpcid: 'invpcid', // CPUID.(EAX=07H,ECX=0):EBX[10]
  xsave: 'xsave', // CPUID.01H:ECX.XSAVE[26]
  pge: 'pge', // CPUID.01H:EDX.PGE[13]
  pse: 'pse', // CPUID.01H:EDX.PSE[3]
  pae: 'pae', // CPUID.01H:EDX.PAE[6]
  de: 'de', // CPUID.01H:EDX.DE[2]
  mce: 'mce', // CPUID.01H:EDX.MCE[7]
  vme: 'vme', // CPUID.01H:EDX.VME[1]
  tsc: 'tsc', // CPUID.01H:EDX.TSC[4]
  smep: 'smep', // CPUID.(EAX=07H,ECX=0):EBX[7]
  smap: 'smap', // CPUID.(EAX=07H,ECX=0):EBX[20]
  umip: 'umip', // CPUID.(EAX=07H,ECX=0):ECX[2]
  pku: 'pku', // CPUID.(EAX=07H,ECX=0):ECX[3]
  vmx: 'vmx', // CPUID.01H:ECX.VMX[5]
  svm: 'svm', // CPUID.80000001H:ECX.SVM[2]
  smx: 'smx', // CPUID.01H:ECX.SMX[6]
  monitor: 'monitor', // CPUID.01H:ECX.MONITOR[3]
  mtrr: 'mtrr', // CPUID.01H:EDX.MTRR[12]
  pat: 'pat', // CPUID.01H:EDX.PAT[16]
  clflush: 'clflush', // CPUID.01H:EDX.CLFSH[19]
} as const;
