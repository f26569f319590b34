// loadVLM and the VLM object: prompt building (image placeholders expanded like the HF processors), image
// encoding, embedding merge, and generation with @mlx/lm's samplers and KV caches.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as mx from '@mlx/core';
import { CancelledError } from '@mlx/core';
import { loadTokenizer, makeSampler, type ChatMessage, type SamplingOptions, type Tokenizer } from '@mlx/lm';
import { ContextOverflowError, ModelFormatError, VlmInputError } from './errors.js';
import { loadImage, type ImageInput } from './image/load.js';
import type { Weights } from './language/decoder.js';
import type { ArchitectureFactory, VlmArchitecture } from './models/common.js';
import { idefics3Factory } from './models/idefics3.js';
import { llavaFactory } from './models/llava.js';
import { qwen2vlFactory } from './models/qwen2vl.js';
import { preprocessorConfigSchema, type ProcessedImages } from './processing/common.js';

type A = mx.array;

const factories = new Map<string, ArchitectureFactory>();
/** Registers a VLM architecture by config.json `model_type` (duplicates are an error). */
export function registerVlmArchitecture(f: ArchitectureFactory, ...aliases: string[]): void {
  for (const name of [f.modelType, ...aliases]) {
    if (factories.has(name)) throw new mx.InvalidArgumentError(`VLM architecture '${name}' is already registered`);
    factories.set(name, f);
  }
}
registerVlmArchitecture(llavaFactory);
registerVlmArchitecture(idefics3Factory, 'smolvlm');
registerVlmArchitecture(qwen2vlFactory);

export interface VlmRequest {
  images?: ImageInput[];
  /** Raw prompt text with one image placeholder (e.g. `<image>`) per image; or chat messages. */
  prompt?: string;
  messages?: ChatMessage[];
  /** Inputs from `vlm.prepare(...)`, reused as they are (images, prompt and messages are then ignored); the caller
   * keeps ownership of their arrays. Lets a caller preprocess once and generate several times. */
  prepared?: VlmInputs;
}
export interface VlmGenerateOptions extends SamplingOptions {
  maxTokens?: number;
  stop?: string[];
  stopTokens?: number[];
  /** Keep generating past the tokenizer's end-of-sequence tokens (as @mlx/lm's `ignoreEos`; benchmarks use it). */
  ignoreEos?: boolean;
  signal?: AbortSignal;
}
export interface VlmStats {
  promptTokens: number; imageTokens: number; imageSeconds: number; promptSeconds: number; promptTps: number;
  generationTokens: number; generationSeconds: number; generationTps: number; peakMemory: number;
}
export interface VlmResult { text: string; tokens: number[]; finishReason: 'stop' | 'length'; stats: VlmStats }

/** Prepared model inputs: token ids, processed images, and the merged input embeddings. */
export interface VlmInputs { ids: number[]; expandedPrompt: string; images: ProcessedImages | null }

export class VLM {
  constructor(readonly arch: VlmArchitecture, readonly tokenizer: Tokenizer, readonly config: Record<string, unknown>, private weights: Weights) {}

  get imageToken(): string { return this.arch.processor.imageToken; }

  /** Expands each image placeholder of `prompt` into the image's token sequence (as the HF processor does). */
  expandPrompt(prompt: string, replacements: string[]): string {
    const parts = prompt.split(this.imageToken);
    if (parts.length - 1 !== replacements.length) {
      throw new VlmInputError(`the prompt has ${parts.length - 1} '${this.imageToken}' placeholders for ${replacements.length} images`);
    }
    return parts.reduce((acc, p, i) => acc + (i > 0 ? replacements[i - 1] : '') + p, '');
  }

  /** Chat messages → prompt text, with `{type: 'image'}` parts becoming placeholders. */
  renderMessages(messages: ChatMessage[]): string {
    const mapped = messages.map((m) => ({
      ...m,
      content: typeof m.content === 'string' ? m.content
        : m.content.map((c) => (c.type === 'image' ? this.placeholderInChat() : c.text)).join(''),
    }));
    return this.tokenizer.applyChatTemplate(mapped, { addGenerationPrompt: true });
  }

  private placeholderInChat(): string {
    return this.arch.modelType === 'qwen2_vl' ? `<|vision_start|>${this.imageToken}<|vision_end|>` : this.imageToken;
  }

  async prepare(req: VlmRequest): Promise<VlmInputs> {
    const imgs = await Promise.all((req.images ?? []).map((i) => loadImage(i)));
    let prompt = req.prompt;
    if (prompt === undefined) {
      if (!req.messages) throw new VlmInputError('give a prompt or messages');
      prompt = this.renderMessages(req.messages);
    }
    const processed = imgs.length ? this.arch.processor.process(imgs) : null;
    const expandedPrompt = this.expandPrompt(prompt, processed?.replacements ?? []);
    const ids = this.tokenizer.encode(expandedPrompt);
    const limit = this.arch.text.maxContext;
    if (ids.length >= limit) {
      processed?.pixelValues.dispose();
      throw new ContextOverflowError(`the prompt with its images is ${ids.length} tokens; the context is ${limit}`, ids.length, limit);
    }
    return { ids, expandedPrompt, images: processed };
  }

  /** Input embeddings [1, T, hidden] with image features in place of the image tokens. */
  embed(ids: readonly number[], features: A | null): A {
    const text = this.arch.text.embed(ids);
    if (!features) return mx.expandDims(text, 0);
    const T = ids.length, tok = this.arch.imageTokenId;
    const idx = new Int32Array(T);
    let k = 0;
    for (let i = 0; i < T; i++) idx[i] = ids[i] === tok ? T + k++ : i;
    if (k !== features.shape[0]) throw new VlmInputError(`${k} image tokens in the prompt but ${features.shape[0]} image features`);
    return mx.expandDims(mx.take(mx.concatenate([text, features.astype(text.dtype)], 0), mx.array(idx), 0), 0);
  }

  async generate(req: VlmRequest, opts: VlmGenerateOptions = {}): Promise<VlmResult> {
    const tokens: number[] = [];
    let text = '';
    const it = this.run(req, opts);
    let r = await it.next();
    while (!r.done) { tokens.push(r.value.token); text += r.value.text; r = await it.next(); }
    return { ...r.value, tokens, text: r.value.text ?? text };
  }

  stream(req: VlmRequest, opts: VlmGenerateOptions = {}): AsyncIterable<{ text: string; token: number }> {
    const self = this;
    return { async *[Symbol.asyncIterator]() { const it = self.run(req, opts); let r = await it.next(); while (!r.done) { yield r.value; r = await it.next(); } } };
  }

  private async *run(req: VlmRequest, opts: VlmGenerateOptions): AsyncGenerator<{ text: string; token: number }, Omit<VlmResult, 'tokens'>> {
    const signal = opts.signal;
    if (signal?.aborted) throw new CancelledError('Generation was aborted before it started.');
    const maxTokens = opts.maxTokens ?? 256;
    if (!Number.isInteger(maxTokens) || maxTokens < 0) throw new VlmInputError(`maxTokens must be an integer ≥ 0 (got ${opts.maxTokens})`);
    const sampler = makeSampler(opts, this.arch.text.vocabSize);
    const stopIds = new Set([...(opts.ignoreEos ? [] : this.tokenizer.eosTokenIds), ...(opts.stopTokens ?? [])]);
    const t0 = performance.now();
    const inp = req.prepared ?? await this.prepare(req);
    mx.resetPeakMemory();
    const caches = this.arch.text.newCache();
    const stats: VlmStats = { promptTokens: inp.ids.length, imageTokens: 0, imageSeconds: 0, promptSeconds: 0, promptTps: 0, generationTokens: 0, generationSeconds: 0, generationTps: 0, peakMemory: 0 };
    const decoder = incrementalDecoder(this.tokenizer);
    let full = '';
    let finishReason: 'stop' | 'length' = 'length';
    try {
      let feats: A | null = null;
      if (inp.images) {
        feats = mx.tidy(() => this.arch.encodeImages(inp.images!));
        await mx.asyncEval(feats, signal!);
        stats.imageTokens = feats.shape[0];
        stats.imageSeconds = (performance.now() - t0) / 1000;
      }
      const pos = this.arch.positions?.(inp.ids, inp.images);
      const delta = pos?.delta ?? 0;
      const history: number[] = [...inp.ids];
      const state = () => [...caches.flatMap((c) => c.state()), ...sampler.state()];
      let [y, ...st] = mx.tidy(() => {
        const logits = this.arch.text.forward(this.embed(inp.ids, feats), caches, { positions: pos?.positions, lastOnly: true });
        return [sampler.sample(mx.reshape(logits, [1, -1]), sampler.usesHistory ? [history] : undefined), ...state()];
      });
      await mx.asyncEval(y, ...st, signal!);
      feats?.dispose();
      const t1 = performance.now();
      stats.promptSeconds = (t1 - t0) / 1000 - stats.imageSeconds;
      stats.promptTps = inp.ids.length / Math.max(stats.promptSeconds, 1e-9);
      for (let n = 0; n < maxTokens; n++) {
        const token = y.item() as number;
        y.dispose();
        history.push(token);
        stats.generationTokens = n + 1;
        if (stopIds.has(token)) { finishReason = 'stop'; break; }
        const piece = decoder.push(token);
        full += piece;
        if (opts.stop?.some((s) => full.includes(s))) {
          const cut = Math.min(...opts.stop.map((s) => full.indexOf(s)).filter((i) => i >= 0));
          full = full.slice(0, cut);
          finishReason = 'stop';
          yield { text: piece, token };
          break;
        }
        yield { text: piece, token };
        if (n + 1 >= maxTokens || caches[0].offset + 1 >= this.arch.text.maxContext) break;
        signal?.throwIfAborted();
        const p = caches[0].offset + delta;
        [y, ...st] = mx.tidy(() => {
          const text = this.arch.text;
          const logits = !pos && text.forwardToken ? text.forwardToken(token, caches)
            : text.forward(mx.expandDims(text.embed([token]), 0), caches, { positions: pos ? [[p], [p], [p]] : undefined });
          return [sampler.sample(mx.reshape(logits, [1, -1]), sampler.usesHistory ? [history] : undefined), ...state()];
        });
        await mx.asyncEval(y, ...st, signal!);
      }
      full += decoder.flush();
      stats.generationSeconds = (performance.now() - t1) / 1000;
      stats.generationTps = stats.generationTokens / Math.max(stats.generationSeconds, 1e-9);
      stats.peakMemory = mx.getPeakMemory();
      return { text: full, finishReason, stats };
    } catch (e) {
      if (signal?.aborted && !(e instanceof CancelledError)) throw new CancelledError('Generation was aborted.');
      throw e;
    } finally {
      for (const c of caches) c.dispose();
      if (!req.prepared) {
        inp.images?.pixelValues.dispose();
        inp.images?.pixelAttentionMask?.dispose();
      }
      sampler.dispose();
    }
  }

  dispose(): void { this.arch.dispose?.(); for (const a of this.weights.values()) a.dispose(); this.weights.clear(); }
}

/**
 * Text deltas token by token, never splitting a UTF-8 character. (Local because @mlx/lm's HF-backed streamDecoder
 * decodes an empty id list on the first token, which @huggingface/tokenizers rejects.)
 */
function incrementalDecoder(tok: Tokenizer): { push(id: number): string; flush(): string } {
  const ids: number[] = [];
  let emitted = '';
  const step = (final: boolean) => {
    const text = ids.length ? tok.decode(ids, { skipSpecialTokens: true }) : '';
    if ((!final && text.endsWith('\ufffd')) || text.length <= emitted.length) return '';
    const out = text.slice(emitted.length);
    emitted = text;
    return out;
  };
  // ids the tokenizer cannot name (a model head larger than its tokenizer) contribute no text
  return { push: (id) => { if (id < tok.vocabSize) ids.push(id); return step(false); }, flush: () => step(true) };
}

function readJson(path: string): Record<string, unknown> {
  try { return JSON.parse(readFileSync(path, 'utf8')); } catch (e) { throw new ModelFormatError(`${path}: ${(e as Error).message}`, path); }
}

/** Loads a VLM from a directory written by transformers' save_pretrained (config, safetensors, processor, tokenizer). */
export async function loadVLM(nameOrPath: string, opts: { tokenizer?: Tokenizer; signal?: AbortSignal } = {}): Promise<VLM> {
  const dir = existsSync(nameOrPath) ? nameOrPath : await mx.resolveModel(nameOrPath, { signal: opts.signal });
  if (!statSync(dir).isDirectory()) throw new ModelFormatError(`${dir}: expected a model directory`, dir);
  const cfgPath = join(dir, 'config.json');
  if (!existsSync(cfgPath)) throw new ModelFormatError(`${dir}: no config.json`, cfgPath);
  const config = readJson(cfgPath);
  const factory = factories.get(String(config.model_type));
  if (!factory) throw new ModelFormatError(`${cfgPath}: unsupported VLM model_type '${String(config.model_type)}' (known: ${[...factories.keys()].join(', ')})`, cfgPath);
  const procPath = join(dir, 'processor_config.json');
  const procCfg = existsSync(procPath) ? readJson(procPath) : {};
  const prePath = join(dir, 'preprocessor_config.json');
  const preRaw = existsSync(prePath) ? readJson(prePath) : (procCfg.image_processor as Record<string, unknown> | undefined);
  if (!preRaw) throw new ModelFormatError(`${dir}: no preprocessor_config.json (or image_processor in processor_config.json)`, prePath);
  const pre = preprocessorConfigSchema.safeParse(preRaw);
  if (!pre.success) throw new ModelFormatError(`${prePath}: ${pre.error.message}`, prePath);
  const files = readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort();
  if (!files.length) throw new ModelFormatError(`${dir}: no .safetensors weights`, dir);
  const weights: Weights = new Map();
  for (const f of files) for (const [k, v] of Object.entries(mx.load(join(dir, f)) as Record<string, A>)) weights.set(k, v);
  try {
    const arch = factory.create(config, pre.data, procCfg, weights, join(dir, files[0]));
    const tokenizer = opts.tokenizer ?? await loadTokenizer(dir);
    return new VLM(arch, tokenizer, config, weights);
  } catch (e) {
    for (const a of weights.values()) a.dispose();
    throw e;
  }
}
