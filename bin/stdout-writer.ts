// One ordered, synchronous writer for stdout: guest serial output and trace
// lines share it, so they appear in the order they happened. Buffered per
// line (the UART delivers one byte at a time); a closed reader (EPIPE, e.g.
// `| head`) ends the process quietly, like other command-line tools.
//
// Two kinds of text meet here: the guest's serial output is bytes (one char
// per byte, written out unchanged), nestvirt's own trace lines are Unicode
// (written as UTF-8, e.g. the "§" of an APM section).
import * as fs from 'fs';

export class StdoutWriter {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private fd = 1) {}

  /** Guest bytes (serial output), one char per byte. */
  write(bytes: string): void {
    this.push(Buffer.from(bytes, 'latin1'), bytes.includes('\n'));
  }

  /** nestvirt's own text (trace lines), as UTF-8. */
  writeText(text: string): void {
    this.push(Buffer.from(text, 'utf8'), text.includes('\n'));
  }

  private push(b: Buffer, endsLine: boolean): void {
    this.chunks.push(b);
    this.size += b.length;
    if (this.size > 4096 || endsLine) this.flush();
  }

  flush(): void {
    if (!this.size) return;
    const data = Buffer.concat(this.chunks, this.size);
    this.chunks = [];
    this.size = 0;
    let off = 0;
    while (off < data.length) {
      try {
        off += fs.writeSync(this.fd, data, off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') process.exit(0);
        if (code === 'EAGAIN') continue; // a non-blocking pipe that is full: retry
        throw e;
      }
    }
  }
}
