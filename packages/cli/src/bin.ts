#!/usr/bin/env node
// The `mlx` command. The first Ctrl-C aborts the running work cleanly; a second one exits at once.
import { main } from './main.js';

const controller = new AbortController();
process.on('SIGINT', () => {
  if (controller.signal.aborted) process.exit(130);
  controller.abort();
});
process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); });
main(process.argv.slice(2), undefined, controller.signal).then((code) => { process.exitCode = code; }, (e) => {
  process.stderr.write(`mlx: internal error: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
