// Reads the shared reference TSVs (../shared/reference next to the repo)
// for the data-driven SVM tests. Only tests read them: the emulator carries
// its own transcription (DESIGN.md: no runtime file reads).
import * as fs from 'fs';
import * as path from 'path';

function repoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'emulator'))) return dir;
    dir = path.dirname(dir);
  }
  throw new Error(`repository root not found above ${__dirname}`);
}

/** Directory of the reference tables: $NESTVIRT_REFERENCE or <repo>/../shared/reference. */
export function referenceDir(): string {
  return process.env.NESTVIRT_REFERENCE ?? path.join(repoRoot(), '..', 'shared', 'reference');
}

export type TsvRow = Record<string, string>;

/** Rows of a reference TSV: '#' lines skipped, the first other line is the header. */
export function readTsv(name: string): TsvRow[] {
  const file = path.join(referenceDir(), name);
  if (!fs.existsSync(file)) throw new Error(`reference table ${file} not found (set NESTVIRT_REFERENCE)`);
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  const header = lines[0].split('\t');
  return lines.slice(1).map((l) => {
    const cells = l.split('\t');
    const row: TsvRow = {};
    header.forEach((h, i) => (row[h] = (cells[i] ?? '').trim()));
    return row;
  });
}
