// resolveModel: a path, a registered name, or `scheme:spec` → a local path, fetching into the
// cache (<modelsDir>) when needed. Fetches go to a staging folder under a lock, then move in.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { CancelledError, InvalidArgumentError } from '../errors.js';
import type { ProgressEvent } from './download.js';
import { DownloadError, ModelNotFoundError } from './errors.js';
import { withLock } from './lock.js';
import { getModelName, globMatch, parseSourceUri, type SourceRef } from './registry.js';

export interface ResolveOptions {
  signal?: AbortSignal;
  onProgress?: (p: ProgressEvent) => void;
  /** Fetch from the sources when the model is not cached (default true). */
  download?: boolean;
}

/** `$MLX_MODELS_DIR`, or `~/.cache/mlx-ts/models`. */
export function modelsDir(): string {
  const env = process.env.MLX_MODELS_DIR;
  return env ? resolve(env) : join(homedir(), '.cache', 'mlx-ts', 'models');
}

const MARKER = '.mlx-complete.json';

function listFilesRecursive(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    if (e.isDirectory()) out.push(...listFilesRecursive(join(dir, e.name), `${prefix}${e.name}/`));
    else out.push(`${prefix}${e.name}`);
  }
  return out;
}

function isComplete(dir: string, expect?: string[]): boolean {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return false;
  if (expect && expect.length) {
    const files = listFilesRecursive(dir);
    return expect.every((p) => files.some((f) => globMatch(p, f)));
  }
  return existsSync(join(dir, MARKER));
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? join(homedir(), p.slice(1)) : p;
}

/** Runs one source into `<modelsDir>/.staging/<dirName>` and moves the result to `dest`. */
async function fetchInto(dest: string, dirName: string, ref: SourceRef, opts: ResolveOptions): Promise<void> {
  const parsed = parseSourceUri(ref.uri);
  if (!parsed) throw new InvalidArgumentError(`[resolveModel] Unknown model source "${ref.uri}".`);
  const staging = join(modelsDir(), '.staging', dirName);
  mkdirSync(staging, { recursive: true });
  // Partial downloads (`*.part`) stay in staging so that a later run resumes them.
  await parsed.source.fetch(parsed.spec, { staging, files: ref.files, signal: opts.signal, onProgress: opts.onProgress });
  mkdirSync(dest, { recursive: true });
  for (const f of listFilesRecursive(staging)) {
    if (f.endsWith('.part')) continue;
    const to = join(dest, f);
    mkdirSync(join(to, '..'), { recursive: true });
    renameSync(join(staging, f), to);
  }
  writeFileSync(join(dest, MARKER), JSON.stringify({ source: ref.uri, files: ref.files ?? null, fetchedAt: new Date().toISOString() }, null, 1));
  rmSync(staging, { recursive: true, force: true });
}

async function fetchLocked(dirName: string, refs: SourceRef[], expect: string[] | undefined, opts: ResolveOptions): Promise<string> {
  const root = modelsDir();
  const dest = join(root, dirName);
  mkdirSync(root, { recursive: true });
  return withLock(join(root, `.${dirName}.lock`), async () => {
    if (isComplete(dest, expect)) return dest; // another process fetched it while we waited
    const errors: Error[] = [];
    for (const ref of refs) {
      if (opts.signal?.aborted) throw new CancelledError();
      try {
        await fetchInto(dest, dirName, ref, opts);
        if (isComplete(dest, expect)) return dest;
        errors.push(new DownloadError(`${ref.uri} did not provide ${JSON.stringify(expect)}`, 'archive'));
      } catch (e) {
        if (e instanceof CancelledError) throw e;
        errors.push(e as Error);
      }
    }
    if (errors.length === 1) throw errors[0];
    const msg = errors.map((e, i) => `  ${refs[i]?.uri}: ${e.message.split('\n')[0]}`).join('\n');
    if (errors.every((e) => e instanceof ModelNotFoundError)) throw new ModelNotFoundError(`[resolveModel] "${dirName}" was found in no source:\n${msg}`);
    throw new DownloadError(`[resolveModel] every source of "${dirName}" failed:\n${msg}`, (errors.find((e) => e instanceof DownloadError) as DownloadError | undefined)?.reason ?? 'network');
  }, { signal: opts.signal });
}

export async function resolveModel(nameOrPath: string, opts: ResolveOptions = {}): Promise<string> {
  if (typeof nameOrPath !== 'string' || nameOrPath.length === 0) throw new InvalidArgumentError('[resolveModel] Expected a model name or path.');
  if (opts.signal?.aborted) throw new CancelledError();
  const download = opts.download ?? true;
  const asPath = expandHome(nameOrPath);
  if (existsSync(asPath)) return resolve(asPath);

  const parsed = parseSourceUri(nameOrPath);
  if (parsed) {
    const dirName = parsed.source.cacheName(parsed.spec);
    const dest = join(modelsDir(), dirName);
    if (isComplete(dest)) return dest;
    if (!download) throw new ModelNotFoundError(`[resolveModel] "${nameOrPath}" is not in ${modelsDir()} and download is off.`);
    return fetchLocked(dirName, [{ uri: nameOrPath }], undefined, opts);
  }

  const entry = getModelName(nameOrPath);
  const looksLikePath = isAbsolute(nameOrPath) || /^\.{0,2}[\\/]|^~/.test(nameOrPath) || nameOrPath.includes('/');
  if (!entry) {
    const cached = join(modelsDir(), nameOrPath);
    if (!looksLikePath && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(nameOrPath) && existsSync(cached)) return cached;
    throw new ModelNotFoundError(`[resolveModel] "${nameOrPath}" is neither an existing path nor a registered model name or source.`);
  }
  const dest = join(modelsDir(), nameOrPath);
  if (isComplete(dest, entry.expect)) return dest;
  if (!download) throw new ModelNotFoundError(`[resolveModel] "${nameOrPath}" is not in ${modelsDir()} and download is off.`);
  const refs = entry.sources.map((s) => (typeof s === 'string' ? { uri: s } : s));
  return fetchLocked(nameOrPath, refs, entry.expect, opts);
}
