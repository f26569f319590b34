// Cross-process lock: `<path>` created exclusively and holding the owner's pid. A lock whose
// owner is gone (or that is older than `staleMs`) is taken over; otherwise we wait.
import { openSync, writeSync, closeSync, readFileSync, unlinkSync, statSync } from 'node:fs';
import { CancelledError } from '../errors.js';

function ownerAlive(path: string, staleMs: number): boolean {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    if (Date.now() - statSync(path).mtimeMs > staleMs) return false;
    if (!Number.isInteger(pid) || pid <= 0) return true; // being written right now
    if (pid === process.pid) return true;
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists but not ours to signal
  }
}

export async function withLock<T>(path: string, fn: () => Promise<T>,
  opts: { signal?: AbortSignal; pollMs?: number; staleMs?: number; onWait?: () => void } = {}): Promise<T> {
  const pollMs = opts.pollMs ?? 200, staleMs = opts.staleMs ?? 6 * 3600_000;
  let waited = false;
  for (;;) {
    if (opts.signal?.aborted) throw new CancelledError();
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (!ownerAlive(path, staleMs)) { try { unlinkSync(path); } catch { /* another waiter took it */ } continue; }
      if (!waited) { waited = true; opts.onWait?.(); }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
  try {
    return await fn();
  } finally {
    try { unlinkSync(path); } catch { /* already gone */ }
  }
}
