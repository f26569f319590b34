// Decoding of one 30 s window (OpenAI whisper's DecodingTask): initial tokens (prompt, start-of-transcript,
// language, task), KV-cached incremental decoding with all beams/samples batched in one call per step, logit
// filters, greedy / sampling / beam search, no-speech probability and ranking.
import * as mx from '@mlx/core';
import { InvalidArgumentError } from '@mlx/core';
import type { DecoderCache, WhisperModelLike, WhisperTokenizerLike } from './contract.js';
import { LogitFilter, suppressionMask, timestampRule, type RowRule, type TimestampRuleConfig } from './logit-filters.js';
import { validateDecodingOptions, type DecodingOptions, type DecodingResult } from './options.js';
import { BeamSearch, pickBest, SamplingSearch, type Candidate } from './search.js';
import { asCancelled, compressionRatio, throwIfAborted } from './util.js';
import { detectLanguage } from './language.js';

export interface DecodeContext {
  model: WhisperModelLike;
  tokenizer: WhisperTokenizerLike;
  /** The model's default suppression list (config suppress_ids); used where suppressTokens contains -1. */
  defaultSuppressTokens: readonly number[];
}

/** Resolves -1 to the default list and adds the special tokens whisper never samples. */
export function suppressedTokens(ctx: DecodeContext, requested: readonly number[] = [-1]): number[] {
  const t = ctx.tokenizer;
  const out = new Set<number>();
  for (const id of requested) {
    if (id === -1) {
      const defaults = ctx.defaultSuppressTokens.length ? ctx.defaultSuppressTokens : t.nonSpeechTokens();
      for (const d of defaults) out.add(d);
    } else out.add(id);
  }
  for (const id of [t.transcribe, t.translate, t.sot, t.sotPrev, t.sotLm, t.noSpeech]) if (id >= 0) out.add(id);
  return [...out].sort((a, b) => a - b);
}

const toTokens = (tok: WhisperTokenizerLike, x: string | readonly number[]): number[] =>
  typeof x === 'string' ? tok.encode(' ' + x.trim()) : [...x];

/** Resolves language and task for this model (English-only models take no language/task tokens). */
export function resolveLanguage(model: WhisperModelLike, tokenizer: WhisperTokenizerLike, language: string | undefined,
  task: 'transcribe' | 'translate'): string | undefined {
  if (!model.isMultilingual) {
    if (language !== undefined && language !== 'en') throw new InvalidArgumentError(`[whisper] This model is English-only; language '${language}' is not supported.`);
    if (task === 'translate') throw new InvalidArgumentError(`[whisper] This model is English-only and cannot translate.`);
    return 'en';
  }
  if (language !== undefined && !tokenizer.languageCodes.includes(language)) {
    throw new InvalidArgumentError(`[whisper] Unknown language code '${language}'.`);
  }
  return language;
}

/**
 * Decodes one window. `audioFeatures` is the encoder output [1, nAudioCtx, nAudioState] (it is not disposed).
 */
export async function decodeWindow(ctx: DecodeContext, audioFeatures: mx.array, options: DecodingOptions = {}): Promise<DecodingResult> {
  validateDecodingOptions(options);
  const { model, tokenizer } = ctx;
  const signal = options.signal;
  throwIfAborted(signal);
  const task = options.task ?? 'transcribe';
  let language = resolveLanguage(model, tokenizer, options.language, task);
  let languageProbs: Record<string, number> | undefined;
  if (language === undefined) {
    const det = await detectLanguage(model, tokenizer, audioFeatures, signal);
    language = det.language; languageProbs = det.probs;
  }
  const temperature = options.temperature ?? 0;
  const nCtx = model.dims.nTextCtx;
  const sampleLen = options.sampleLen ?? Math.floor(nCtx / 2);
  const beamSize = temperature === 0 && options.beamSize ? options.beamSize : 0;
  const nGroup = beamSize || (temperature > 0 ? options.bestOf ?? 1 : 1);
  const withTimestamps = !options.withoutTimestamps;

  // Initial tokens: [<|startofprev|> prompt…] <|startoftranscript|> [lang] [task] [<|notimestamps|>] [prefix…]
  const sot = tokenizer.sotSequence(model.isMultilingual ? language : undefined, model.isMultilingual ? task : undefined);
  if (!withTimestamps) sot.push(tokenizer.noTimestamps);
  let initial = [...sot];
  if (options.prefix !== undefined) {
    const maxPrefix = Math.floor(nCtx / 2) - 1;
    const p = toTokens(tokenizer, options.prefix);
    initial.push(...p.slice(-maxPrefix));
  }
  if (options.prompt !== undefined && options.prompt.length > 0) {
    const p = toTokens(tokenizer, options.prompt);
    const keep = Math.floor(nCtx / 2) - 1;
    initial = [tokenizer.sotPrev, ...(p.length > keep ? p.slice(p.length - keep) : p), ...initial];
  }
  const sampleBegin = initial.length;
  const sotIndex = initial.indexOf(tokenizer.sot);

  const V = model.dims.nVocab;
  const suppress = suppressedTokens(ctx, options.suppressTokens);
  if (withTimestamps) suppress.push(tokenizer.noTimestamps);
  const blank = options.suppressBlank === false ? [] : [...tokenizer.encode(' '), tokenizer.eot];
  const ruleCfg: TimestampRuleConfig = {
    eot: tokenizer.eot, timestampBegin: tokenizer.timestampBegin, vocabSize: V,
    maxInitialTimestampIndex: Math.round((options.maxInitialTimestamp ?? 1.0) / 0.02),
  };

  const keep: mx.array[] = [];
  const own = <T extends mx.array>(a: T): T => { keep.push(a); return a; };
  let cache: DecoderCache | undefined;
  let filter: LogitFilter | undefined;
  try {
    filter = new LogitFilter(V, tokenizer.timestampBegin);
    const maskLater = own(suppressionMask(V, suppress));
    const maskFirst = own(suppressionMask(V, [...suppress, ...blank]));
    // The initial tokens are the same for every beam/sample: run them once (batch 1), then duplicate the cache
    // rows. Later steps reuse the cached cross-attention K/V, so the audio features are never repeated.
    const dup = nGroup > 1 ? own(mx.zeros([nGroup], mx.int32)) : undefined;
    const seed0 = options.seed ?? Math.floor(Math.random() * 2 ** 31);
    cache = model.newCache();

    const beam = beamSize ? new BeamSearch(beamSize, tokenizer.eot, options.patience ?? 1) : undefined;
    const sampler = beam ? undefined : new SamplingSearch(nGroup, tokenizer.eot);
    let noSpeechProb = NaN;
    let stepTokens: number[][] = Array.from({ length: nGroup }, () => initial);
    const k = beamSize + 1;

    for (let i = 0; i < sampleLen; i++) {
      throwIfAborted(signal);
      const sampledRows = beam ? beam.beams : sampler!.rows;
      const rules: RowRule[] | undefined = withTimestamps ? sampledRows.map((r) => timestampRule(r, ruleCfg)) : undefined;
      const T = stepTokens[0]!.length;
      const rows = i === 0 ? 1 : nGroup;
      const flat = new Int32Array(rows * T);
      stepTokens.slice(0, rows).forEach((r, b) => flat.set(r, b * T));
      const subKey = temperature > 0 ? mx.random.key((seed0 + i * 7919) % 2 ** 31) : undefined;
      const outs = mx.tidy(() => {
        const input = mx.array(flat).reshape([rows, T]);
        // The first pass only needs the last position (next token) and the start-of-transcript one (no-speech).
        const positions = i === 0 ? [sotIndex, T - 1] : undefined;
        const { logits } = model.decode(input, audioFeatures, cache, positions ? { positions } : undefined);
        const full = logits.shape[1] === T;  // a model may ignore `positions`
        let last = logits.index(mx.Slice(), -1).astype(mx.float32);  // [rows, V]
        if (rows !== nGroup) { cache!.reorder(dup!); last = mx.repeat(last, nGroup, 0); }
        const res: Record<string, mx.array> = {};
        if (i === 0) {
          res.noSpeech = mx.softmax(logits.index(0, full ? sotIndex : 0).astype(mx.float32), -1).index(tokenizer.noSpeech);
        }
        const f = filter!.apply(last, i === 0 ? maskFirst : maskLater, rules);
        if (beam) {
          ({ tokens: res.tokens, logprobs: res.logprobs } = f.topk(k));
        } else if (temperature === 0) {
          ({ tokens: res.tokens, logprobs: res.logprobs } = f.greedy());
        } else {
          const chosen = mx.random.categorical(mx.multiply(f.logits(), 1 / temperature), -1, null, null, subKey);
          res.tokens = chosen.astype(mx.int32);
          res.logprobs = mx.takeAlongAxis(f.logprobs(), chosen.reshape([nGroup, 1]), -1).reshape([nGroup]);
        }
        return { res, cache };  // the cache is in the result so tidy keeps its new K/V
      }).res;
      subKey?.dispose();
      try {
        await mx.asyncEval(...Object.values(outs));
        if (outs.noSpeech) noSpeechProb = outs.noSpeech.item() as number;
        const tokens = outs.tokens!.toTypedArray() as Int32Array;
        const lps = outs.logprobs!.toTypedArray() as Float32Array;
        let completed: boolean;
        if (beam) {
          const u = beam.update(tokens, lps, k);
          completed = u.completed;
          if (!completed && u.sources.some((s, j) => s !== j)) {
            const idx = mx.array(Int32Array.from(u.sources));
            cache.reorder(idx);
            idx.dispose();
          }
          stepTokens = u.next.map((t) => [t]);
        } else {
          const u = sampler!.update(tokens, lps);
          completed = u.completed;
          stepTokens = u.next.map((t) => [t]);
        }
        if (completed || sampleBegin + i + 1 >= nCtx) break;
      } finally {
        mx.dispose(outs);
      }
    }

    const cands: Candidate[] = beam ? beam.finalize() : sampler!.finalize();
    const best = cands[pickBest(cands, options.lengthPenalty)]!;
    const textTokens = best.tokens.filter((t) => t < tokenizer.eot);
    const text = tokenizer.decode(textTokens).trim();
    return {
      language: language!, languageProbs, tokens: best.tokens, text,
      sumLogprob: best.sumLogprob, avgLogprob: best.sumLogprob / (best.tokens.length + 1),
      noSpeechProb, temperature, compressionRatio: compressionRatio(text),
    };
  } catch (e) {
    throw asCancelled(e);
  } finally {
    cache?.dispose();
    filter?.dispose();
    mx.dispose(keep);
  }
}
