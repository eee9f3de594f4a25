// One ordered, synchronous writer for stdout: guest serial output and trace
// lines share it, so they appear in the order they happened. Buffered per
// line (the UART delivers one byte at a time); a closed reader (EPIPE, e.g.
// `| head`) ends the process quietly, like other command-line tools.
import * as fs from 'fs';

export class StdoutWriter {
  private buf = '';

  constructor(private fd = 1) {}

  write(text: string): void {
    this.buf += text;
    if (this.buf.length > 4096 || text.includes('\n')) this.flush();
  }

  flush(): void {
    if (!this.buf) return;
    const data = Buffer.from(this.buf, 'latin1');
    this.buf = '';
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
