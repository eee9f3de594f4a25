// The debug type the package.json `debuggers` contribution declares.
export const DEBUG_TYPE = 'nestvirt';
