// Tiny Markdown builders for hovers: two-column tables without a header
// row (VS Code renders `| | |` tables) and inline code.

export function code(s: string): string {
  return '`' + s.replace(/`/g, "'") + '`';
}

export function row(key: string, value: string): string {
  return `| ${key} | ${value.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`;
}

export function table(rows: readonly string[]): string {
  return ['| | |', '|---|---|', ...rows].join('\n');
}
