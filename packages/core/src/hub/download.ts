// HTTP download into `<dest>.part`, resumed with a Range request when the part exists, checked
// for size and hash, then renamed into place (a reader never sees a half-written file).
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { once } from 'node:events';
import { CancelledError } from '../errors.js';
import { DownloadError } from './errors.js';

export interface ProgressEvent { file: string; loaded: number; total: number }
export interface DownloadOptions {
  headers?: Record<string, string>;
  /** Expected size in bytes, when known. */
  size?: number;
  /** Expected sha256 (hex) of the whole file. */
  sha256?: string;
  /** Expected git blob sha1 (hex): sha1("blob <size>\0" + bytes), the id of small files on the Hub. */
  gitSha1?: string;
  signal?: AbortSignal;
  onProgress?: (p: ProgressEvent) => void;
  /** Name reported in progress events. */
  label?: string;
  /** Retries after a dropped connection (each resumes from the bytes already written). */
  retries?: number;
}

async function hashFile(path: string, h: ReturnType<typeof createHash>): Promise<void> {
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
}

function abortError(signal?: AbortSignal): CancelledError {
  const r = signal?.reason;
  return r instanceof CancelledError ? r : new CancelledError();
}

/** One attempt: returns when the body ended (the caller checks completeness). */
async function attempt(url: string, part: string, o: DownloadOptions, label: string): Promise<{ total: number; status: number }> {
  const have = existsSync(part) ? statSync(part).size : 0;
  const headers: Record<string, string> = { ...o.headers };
  if (have > 0) headers.range = `bytes=${have}-`;
  let res: Response;
  try {
    res = await fetch(url, { headers, signal: o.signal, redirect: 'follow' });
  } catch (e) {
    if (o.signal?.aborted) throw abortError(o.signal);
    throw new DownloadError(`GET ${url}: ${(e as Error).message}`, 'network', url);
  }
  if (res.status === 416 && have > 0) return { total: have, status: 416 }; // nothing left to fetch
  if (res.status === 404) throw new DownloadError(`GET ${url}: 404 Not Found`, 'http', url);
  if (res.status !== 200 && res.status !== 206) {
    throw new DownloadError(`GET ${url}: HTTP ${res.status} ${res.statusText}`, 'http', url);
  }
  let start = 0;
  if (res.status === 206) {
    const m = /bytes (\d+)-(\d+)\/(\d+|\*)/.exec(res.headers.get('content-range') ?? '');
    start = m ? Number(m[1]) : have;
    if (start !== have) { await res.body?.cancel(); unlinkSync(part); throw new DownloadError(`GET ${url}: server resumed at ${start}, expected ${have}`, 'network', url); }
  }
  const len = Number(res.headers.get('content-length') ?? NaN);
  const total = o.size ?? (Number.isFinite(len) ? start + len : 0);
  const out = createWriteStream(part, { flags: start > 0 ? 'a' : 'w' });
  let loaded = start;
  o.onProgress?.({ file: label, loaded, total });
  try {
    if (!res.body) throw new Error('empty body');
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      if (!out.write(chunk)) await once(out, 'drain');
      loaded += chunk.length;
      o.onProgress?.({ file: label, loaded, total });
    }
  } catch (e) {
    if (o.signal?.aborted) { out.end(); await once(out, 'close'); throw abortError(o.signal); }
    out.end(); await once(out, 'close');
    throw new DownloadError(`GET ${url}: connection dropped after ${loaded} bytes: ${(e as Error).message}`, 'network', url);
  }
  out.end();
  await once(out, 'close');
  return { total, status: res.status };
}

/** Downloads `url` to `dest` (atomically, via `dest.part`) and verifies size and hash. */
export async function downloadFile(url: string, dest: string, o: DownloadOptions = {}): Promise<void> {
  const part = `${dest}.part`;
  const label = o.label ?? dest;
  const retries = o.retries ?? 3;
  for (let i = 0; ; i++) {
    if (o.signal?.aborted) throw abortError(o.signal);
    try {
      await attempt(url, part, o, label);
      const got = statSync(part).size;
      if (o.size !== undefined && got < o.size) throw new DownloadError(`GET ${url}: got ${got} of ${o.size} bytes`, 'network', url);
      break;
    } catch (e) {
      if (!(e instanceof DownloadError) || e.reason !== 'network' || i >= retries) throw e;
    }
  }
  await verifyFile(part, url, o);
  renameSync(part, dest);
}

/** Size and hash checks; a file that fails them is deleted so the next attempt starts clean. */
export async function verifyFile(path: string, url: string, o: Pick<DownloadOptions, 'size' | 'sha256' | 'gitSha1'>): Promise<void> {
  const size = statSync(path).size;
  const bad = (what: string, reason: 'size' | 'sha256') => {
    unlinkSync(path);
    return new DownloadError(`${url}: ${what}`, reason, url);
  };
  if (o.size !== undefined && size !== o.size) throw bad(`size ${size} bytes, expected ${o.size}`, 'size');
  if (o.sha256) {
    const h = createHash('sha256');
    await hashFile(path, h);
    const got = h.digest('hex');
    if (got !== o.sha256.toLowerCase()) throw bad(`sha256 ${got}, expected ${o.sha256}`, 'sha256');
  } else if (o.gitSha1) {
    const h = createHash('sha1');
    h.update(`blob ${size}\0`);
    await hashFile(path, h);
    const got = h.digest('hex');
    if (got !== o.gitSha1.toLowerCase()) throw bad(`git blob sha1 ${got}, expected ${o.gitSha1}`, 'sha256');
  }
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  await hashFile(path, h);
  return h.digest('hex');
}
