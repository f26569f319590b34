// Access to the model packages. Looked up at run time so that a command whose package lacks a feature fails with a
// clear message instead of the whole CLI failing to start.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as core from '@mlx/core';
import * as whisperPkg from '@mlx/whisper';
import * as lmPkg from '@mlx/lm';
import * as vlmPkg from '@mlx/vlm';
import type { LanguageModel, Transcriber, VisionLanguageModel, WhisperLike } from '@mlx/pipeline';

export class UnavailableError extends core.MlxError {
  constructor(message: string) { super(message, 'MLX_UNAVAILABLE'); }
}
export class ModelNotFoundError extends core.MlxError {
  constructor(message: string) { super(message, 'MLX_MODEL_NOT_FOUND'); }
}

function member<T>(mod: unknown, name: string, pkg: string, what: string): T {
  const f = (mod as Record<string, unknown>)[name];
  if (typeof f !== 'function') throw new UnavailableError(`${what} needs ${name}() from ${pkg}, which this build does not provide yet`);
  return f as T;
}

export function modelsDir(): string {
  const f = (core as unknown as { modelsDir?: () => string }).modelsDir;
  return f ? f() : process.env.MLX_MODELS_DIR || join(homedir(), '.cache', 'mlx-ts', 'models');
}

export type Progress = { file: string; loaded: number; total: number };
type ResolveFn = (n: string, o?: { signal?: AbortSignal; onProgress?: (p: Progress) => void; download?: boolean }) => Promise<string>;

/** resolveModel from @mlx/core; before it exists, a local path or a folder in the models directory. */
export async function resolveModel(nameOrPath: string, opts: { signal?: AbortSignal; onProgress?: (p: Progress) => void; download?: boolean } = {}): Promise<string> {
  const f = (core as unknown as { resolveModel?: ResolveFn }).resolveModel;
  if (f) return f(nameOrPath, opts);
  if (existsSync(nameOrPath)) return nameOrPath;
  const local = join(modelsDir(), nameOrPath);
  if (existsSync(local)) return local;
  throw new ModelNotFoundError(`model '${nameOrPath}' is not a path and not in ${modelsDir()} (downloading needs a newer @mlx/core)`);
}

export type LoadedWhisper = WhisperLike & { dispose(): void };
export async function loadWhisper(nameOrPath: string, opts: { signal?: AbortSignal; dtype?: 'float32' | 'float16' } = {}): Promise<LoadedWhisper> {
  const f = member<(n: string, o?: unknown) => Promise<LoadedWhisper>>(whisperPkg, 'loadWhisper', '@mlx/whisper', 'speech recognition');
  return f(nameOrPath, opts);
}

export interface TranscribeResultLike {
  text: string; language?: string;
  segments: Array<{ id?: number; start: number; end: number; text: string; words?: Array<{ word: string; start: number; end: number; probability?: number }> }>;
}
export async function transcribeFile(w: LoadedWhisper, audio: string | Float32Array, opts: Record<string, unknown>): Promise<TranscribeResultLike> {
  const f = member<(w: unknown, a: unknown, o: unknown) => Promise<TranscribeResultLike>>(whisperPkg, 'transcribe', '@mlx/whisper', 'transcription');
  return f(w, audio, opts);
}

export interface LMLike extends LanguageModel {
  generate?(p: unknown, o?: unknown): Promise<{ text: string; tokens?: number[]; finishReason?: string; stats?: Record<string, number> }>;
  dispose?(): void;
}
export async function loadLM(nameOrPath: string, opts: { signal?: AbortSignal } = {}): Promise<LMLike> {
  const f = member<(n: string, o?: unknown) => Promise<LMLike>>(lmPkg, 'loadLM', '@mlx/lm', 'text generation');
  return f(nameOrPath, opts);
}

export async function loadVlm(nameOrPath: string, opts: { signal?: AbortSignal } = {}): Promise<VisionLanguageModel & { dispose?(): void }> {
  const mod = vlmPkg as unknown as Record<string, unknown>;
  const name = ['loadVLM', 'loadVlm'].find((n) => typeof mod[n] === 'function');
  if (!name) throw new UnavailableError('image description needs @mlx/vlm (loadVLM), which this build does not provide yet');
  return (mod[name] as (n: string, o?: unknown) => Promise<VisionLanguageModel & { dispose?(): void }>)(nameOrPath, opts);
}

/** Loaders for declarative pipelines. */
export const pipelineContext = {
  loadTranscriber: (n: string, o: { signal: AbortSignal }): Promise<Transcriber | WhisperLike> => loadWhisper(n, o),
  loadLM: (n: string, o: { signal: AbortSignal }): Promise<LanguageModel> => loadLM(n, o),
  loadVlm: (n: string, o: { signal: AbortSignal }): Promise<VisionLanguageModel> => loadVlm(n, o),
};
