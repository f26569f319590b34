// loadLM and the LM object: generate / stream / generateBatch over a DecoderModel and a Tokenizer.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as mx from '@mlx/core';
import { DecoderModel, type CacheOptions, type DecoderOptions } from './architectures/decoder.js';
import { parseConfig } from './architectures/registry.js';
import { GenerationOptionsError, ModelFormatError, ModelNotFoundError } from './errors.js';
import { batchGenerate, type BatchResult } from './generation/batch.js';
import { emptyStats, tokenLoop, type FinishReason, type GenerationStats, type PromptCache, type TokenLoopOptions } from './generation/generate.js';
import { StopStringMatcher } from './generation/stop.js';
import { loadGgufModel, type LoadedModelFiles } from './loaders/gguf.js';
import { loadSafetensorsModel } from './loaders/safetensors.js';
import type { ChatMessage, Tokenizer } from './types.js';
import { loadTokenizer, tokenizerFromGguf } from './tokenizer/index.js';
import './architectures/index.js';

export interface GenerateOptions extends Omit<TokenLoopOptions, 'stopTokens'> {
  /** Stop strings: generation ends before the first occurrence (which is not part of the text). */
  stop?: string[];
  /** Extra stop token ids besides the tokenizer's end-of-sequence ids. */
  stopTokens?: number[];
  /** Keep going past end-of-sequence tokens (benchmarks). */
  ignoreEos?: boolean;
  /** Reuse the KV cache of the previous call for the common prefix of the prompt (default true). */
  reuseCache?: boolean;
  /** Options for applyChatTemplate when the prompt is a list of messages. */
  chatTemplate?: { addGenerationPrompt?: boolean; extra?: Record<string, unknown> };
}
export interface GenerateResult { text: string; tokens: number[]; finishReason: FinishReason; stats: GenerationStats }
export type Prompt = string | ChatMessage[] | readonly number[];

export interface LoadLMOptions extends CacheOptions, DecoderOptions {
  signal?: AbortSignal;
  /** Supply a tokenizer (otherwise read from the GGUF metadata or tokenizer.json). */
  tokenizer?: Tokenizer;
  /** GGUF: dequantize every weight to float32 (reference numerics; slower and larger). */
  dequantize?: boolean;
}

const REGISTERED_FILES: Record<string, string> = {
  'smollm2-135m-instruct': 'SmolLM2-135M-Instruct.Q4_1.gguf',
  'gemma-3-270m-it': 'gemma-3-270m-q4_k_m.gguf',
};

async function resolvePath(nameOrPath: string, signal?: AbortSignal): Promise<string> {
  if (existsSync(nameOrPath)) return nameOrPath;
  const resolve = (mx as unknown as { resolveModel?: (n: string, o?: object) => Promise<string> }).resolveModel;
  if (resolve) return resolve(nameOrPath, { signal });
  const dir = join(process.env.MLX_MODELS_DIR ?? join(homedir(), '.cache', 'mlx-ts', 'models'), nameOrPath);
  if (existsSync(dir)) return dir;
  throw new ModelNotFoundError(`No model file or directory '${nameOrPath}' (looked in ${dir}).`);
}

function openModelFiles(path: string, dequantize = false): LoadedModelFiles {
  if (statSync(path).isDirectory()) {
    if (existsSync(join(path, 'config.json'))) return loadSafetensorsModel(path);
    const ggufs = readdirSync(path).filter((f) => f.endsWith('.gguf'));
    const pick = ggufs.find((f) => Object.values(REGISTERED_FILES).includes(f)) ?? ggufs[0];
    if (!pick) throw new ModelFormatError(`${path}: neither config.json nor a .gguf file.`, path);
    return loadGgufModel(join(path, pick), { dequantize });
  }
  if (path.endsWith('.gguf')) return loadGgufModel(path, { dequantize });
  throw new ModelFormatError(`${path}: expected a .gguf file or a model directory.`, path);
}

/** Stands in when no tokenizer is available: prompts must then be token ids. */
class MissingTokenizer {
  constructor(private why: string) {}
  get vocabSize(): number { return this.fail(); }
  get eosTokenIds(): number[] { return []; }
  fail(): never { throw new ModelFormatError(`No tokenizer: ${this.why}`); }
}

export class LM {
  private promptCache: PromptCache;
  private queue: Promise<unknown> = Promise.resolve();
  readonly stopTokenIds: number[];
  /** The weights file (GGUF) or first safetensors file the model was loaded from. */
  modelFile = '';

  constructor(readonly model: DecoderModel, readonly tokenizer: Tokenizer, readonly config: Record<string, unknown>,
    private readonly weights: { dispose(): void }, private readonly cacheOptions: CacheOptions = {}) {
    this.promptCache = { caches: model.newCache(cacheOptions), tokens: [] };
    this.stopTokenIds = [...(tokenizer.eosTokenIds ?? [])];
  }

  applyChatTemplate(messages: ChatMessage[], opts?: { addGenerationPrompt?: boolean; extra?: Record<string, unknown> }): string {
    return this.tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true, ...opts });
  }

  /** Token ids of a prompt: ids as given, text encoded, messages rendered with the chat template. */
  encodePrompt(prompt: Prompt, opts: GenerateOptions = {}): number[] {
    if (Array.isArray(prompt) && (prompt.length === 0 || typeof prompt[0] === 'number')) return [...(prompt as unknown as number[])];
    if (typeof prompt === 'string') return this.tokenizer.encode(prompt);
    if (!Array.isArray(prompt)) throw new GenerationOptionsError('The prompt must be a string, a list of chat messages or token ids.');
    const text = this.applyChatTemplate(prompt as ChatMessage[], opts.chatTemplate);
    // Templates that write the BOS token themselves must not get a second one.
    const bos = this.tokenizer.bosTokenId !== undefined ? this.tokenizer.idToToken(this.tokenizer.bosTokenId) : undefined;
    return this.tokenizer.encode(text, { addSpecialTokens: !(bos && text.startsWith(bos)) });
  }

  /** Streams `{ text, token }` per generated token (text may be empty while a stop string or UTF-8 sequence is pending). */
  stream(prompt: Prompt, opts: GenerateOptions = {}): AsyncIterable<{ text: string; token: number }> {
    const self = this;
    return { [Symbol.asyncIterator]: () => self.run(prompt, opts, { stats: emptyStats(), finishReason: 'length', tokens: [] }) };
  }

  async generate(prompt: Prompt, opts: GenerateOptions = {}): Promise<GenerateResult> {
    const out = { stats: emptyStats(), finishReason: 'length' as FinishReason, tokens: [] as number[] };
    let text = '';
    for await (const chunk of this.run(prompt, opts, out)) text += chunk.text;
    return { text, tokens: out.tokens, finishReason: out.finishReason, stats: out.stats };
  }

  /** Several prompts at once (left-padded batch); one result per prompt. */
  async generateBatch(prompts: Prompt[], opts: Omit<GenerateOptions, 'reuseCache'> = {}): Promise<GenerateResult[]> {
    const ids = prompts.map((p) => this.encodePrompt(p, opts));
    const res: BatchResult[] = await this.exclusive(() => batchGenerate(this.model, ids, { ...opts, stopTokens: [...(opts.ignoreEos ? [] : this.stopTokenIds), ...(opts.stopTokens ?? [])] }, this.cacheOptions));
    return res.map((r) => ({ ...r, text: this.decodeWithStops(r.tokens, opts.stop) }));
  }

  private decodeWithStops(tokens: number[], stops?: string[]): string {
    if (this.tokenizer instanceof MissingTokenizer) return '';
    const text = this.tokenizer.decode(tokens, { skipSpecialTokens: true });
    if (!stops?.length) return text;
    const cut = Math.min(...stops.map((s) => { const i = text.indexOf(s); return i < 0 ? Infinity : i; }));
    return Number.isFinite(cut) ? text.slice(0, cut) : text;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const r = this.queue.then(fn, fn);
    this.queue = r.catch(() => undefined);
    return r;
  }

  private async *run(prompt: Prompt, opts: GenerateOptions, out: { stats: GenerationStats; finishReason: FinishReason; tokens: number[] }): AsyncGenerator<{ text: string; token: number }> {
    if (opts.stop !== undefined && (!Array.isArray(opts.stop) || opts.stop.some((s) => typeof s !== 'string' || s.length === 0)))
      throw new GenerationOptionsError('stop must be a list of non-empty strings.');
    const ids = this.encodePrompt(prompt, opts);
    // One generation at a time per LM (they share the prompt cache).
    let release!: () => void;
    const prev = this.queue;
    this.queue = new Promise<void>((r) => (release = r));
    await prev;
    try {
      if (opts.reuseCache === false) { for (const c of this.promptCache.caches) c.dispose(); this.promptCache.tokens = []; }
      const stopIds = [...(opts.ignoreEos ? [] : this.stopTokenIds), ...(opts.stopTokens ?? [])];
      const loop = tokenLoop(this.model, ids, this.promptCache, { ...opts, stopTokens: stopIds }, out.stats);
      const hasTokenizer = !(this.tokenizer instanceof MissingTokenizer);
      const decoder = hasTokenizer ? this.tokenizer.streamDecoder({ skipSpecialTokens: true }) : null;
      const stops = new StopStringMatcher(opts.stop ?? []);
      let held: { text: string; token: number } | null = null;  // one chunk behind, so the last can take the flush
      let stopped = false;
      let r = await loop.next();
      while (!r.done) {
        const token = r.value;
        out.tokens.push(token);
        const isStop = stopIds.includes(token);
        const piece = decoder && !isStop ? decoder.push(token) : '';
        const s = stops.push(piece);
        if (held) yield held;
        held = { text: s.text, token };
        if (s.stopped) { stopped = true; await loop.return('stop'); break; }
        r = await loop.next();
      }
      out.finishReason = stopped ? 'stop' : r.done ? r.value : 'stop';
      const tail = stopped ? '' : stops.push(decoder ? decoder.flush() : '').text + stops.flush();
      if (held) yield { ...held, text: held.text + tail };
    } finally {
      release();
    }
  }

  dispose(): void {
    for (const c of this.promptCache.caches) c.dispose();
    this.promptCache.tokens = [];
    this.model.releaseCompiled();
    this.weights.dispose();
  }
  [Symbol.dispose](): void { this.dispose(); }
}

/** Loads a model by registered name, directory or file (GGUF or HF/MLX safetensors). */
export async function loadLM(nameOrPath: string, opts: LoadLMOptions = {}): Promise<LM> {
  opts.signal?.throwIfAborted();
  if (opts.kvBits !== undefined && opts.kvBits !== 4 && opts.kvBits !== 8) throw new GenerationOptionsError(`kvBits must be 4 or 8 (got ${opts.kvBits}).`);
  if (opts.ggmlActivationRounding !== undefined && typeof opts.ggmlActivationRounding !== 'boolean')
    throw new GenerationOptionsError(`ggmlActivationRounding must be a boolean (got ${String(opts.ggmlActivationRounding)}).`);
  const path = await resolvePath(nameOrPath, opts.signal);
  const files = openModelFiles(path, opts.dequantize);
  try {
    const config = parseConfig(files.arch, files.rawConfig, path);
    const spec = files.arch.toSpec(config, files.source);
    const model = new DecoderModel(spec, files.weights, { ggmlActivationRounding: opts.ggmlActivationRounding });
    let tokenizer = opts.tokenizer;
    if (!tokenizer) {
      if (files.metadata && files.metadata['tokenizer.ggml.tokens']) tokenizer = tokenizerFromGguf(files.metadata);
      else if (statSync(path).isDirectory() && existsSync(join(path, 'tokenizer.json'))) tokenizer = await loadTokenizer(path);
    }
    const lm = new LM(model, tokenizer ?? (new MissingTokenizer('the model has no tokenizer files') as unknown as Tokenizer),
      config as Record<string, unknown>, files.weights, opts);
    lm.modelFile = files.weights.file;
    return lm;
  } catch (e) {
    files.weights.dispose();
    throw e;
  }
}
