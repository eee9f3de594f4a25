// `nestvirt dap`: the Debug Adapter Protocol server on stdin/stdout.
import { NestvirtSession } from './session';

export function runDapServer(): void {
  const session = new NestvirtSession();
  // The protocol owns stdout: anything else the process prints goes to stderr.
  console.log = (...a: unknown[]) => process.stderr.write(a.map(String).join(' ') + '\n');
  process.on('SIGTERM', () => session.shutdown());
  session.start(process.stdin, process.stdout);
}

export { NestvirtSession };

// Also runnable directly: `node out/adapter/main.js`.
if (require.main === module) runDapServer();
