// loadWhisper (model directory → Whisper) and loadAudio (path | WAV bytes | 16 kHz samples → mono 16 kHz).
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import * as mx from '@mlx/core';
import * as nn from '@mlx/nn';
import { decodeWav, downmix } from './audio/wav.js';
import { resample } from './audio/resample.js';
import { SAMPLE_RATE } from './audio/mel.js';
import { AudioFormatError, ModelFormatError, ModelNotFoundError } from './errors.js';
import { loadCt2Whisper } from './loaders/ct2.js';
import { loadHfWhisper, readJson } from './loaders/hf.js';
import { loadMlxWhisper } from './loaders/mlx.js';
import { inferDims, type WeightMap } from './loaders/weights.js';
import { quantizeInt8 } from './model/int8.js';
import { WhisperNet } from './model/whisper.js';
import type { LoadWhisperOptions, Whisper } from './model/types.js';
import { BpeWhisperTokenizer } from './tokenizer.js';

/**
 * Name or path → local model directory. The one place that knows where models live; it will delegate to
 * `resolveModel` of @mlx/core once that exists.
 */
export async function resolveWhisperPath(nameOrPath: string): Promise<string> {
  if (existsSync(nameOrPath)) return statSync(nameOrPath).isDirectory() ? nameOrPath : dirname(nameOrPath);
  const root = process.env.MLX_MODELS_DIR ?? join(homedir(), '.cache', 'mlx-ts', 'models');
  const dir = join(root, nameOrPath);
  if (/^[\w.-]+$/.test(nameOrPath) && existsSync(dir)) return dir;
  throw new ModelNotFoundError(`Whisper model '${nameOrPath}' not found (looked for a path and for ${dir}).`);
}

export type Layout = 'ct2' | 'hf' | 'mlx';
function detectLayout(dir: string): Layout {
  if (existsSync(join(dir, 'model.bin'))) return 'ct2';
  if (existsSync(join(dir, 'model.safetensors')) || existsSync(join(dir, 'model.safetensors.index.json'))) return 'hf';
  if (existsSync(join(dir, 'weights.safetensors')) || existsSync(join(dir, 'weights.npz'))) return 'mlx';
  throw new ModelNotFoundError(`${dir} holds no Whisper weights (model.bin, model.safetensors or weights.safetensors/npz).`);
}

const isPairList = (v: unknown): v is Array<[number, number]> =>
  Array.isArray(v) && v.every((p) => Array.isArray(p) && p.length === 2 && p.every((x) => Number.isInteger(x)));

/** openai/whisper's default suppression: non-speech symbols plus the task/sot tokens. */
function defaultSuppress(t: BpeWhisperTokenizer): number[] {
  return [...new Set([...t.nonSpeechTokens(), t.transcribe, t.translate, t.sot, t.sotPrev, t.sotLm, t.noSpeech])].sort((a, b) => a - b);
}

/** Only the network (no tokenizer): weights of any supported layout in `dir`, cast/quantized as asked. */
export async function loadWhisperModel(dir: string, opts: LoadWhisperOptions = {}): Promise<{ model: WhisperNet; config: Record<string, unknown>; layout: Layout }> {
  const check = () => { if (opts.signal?.aborted) throw new mx.CancelledError(); };
  check();
  const layout = detectLayout(dir);
  let weights: WeightMap;
  let config: Record<string, unknown> = {};
  let heads: { audio?: number; text?: number };
  let quantize = opts.quantize;
  if (typeof quantize === 'string' && quantize !== 'int8') throw new mx.InvalidArgumentError(`[whisper] quantize must be 'int8' or { bits, groupSize }, got '${quantize}'.`);
  if (layout === 'ct2') {
    const r = loadCt2Whisper(join(dir, 'model.bin'));
    weights = r.weights;
    // int8 CTranslate2 weights stay int8 (re-quantizing the dequantized rows gives back the same int8 values
    // and scales) and run through int8 x int8 products.
    if (r.int8 && !quantize && !opts.dtype) quantize = 'int8';
    heads = { audio: r.encoderHeads, text: r.decoderHeads };
    if (existsSync(join(dir, 'config.json'))) config = readJson(join(dir, 'config.json'));
  } else if (layout === 'hf') {
    const r = loadHfWhisper(dir);
    ({ weights, config } = r);
    heads = { audio: r.audioHeads, text: r.textHeads };
    if (existsSync(join(dir, 'generation_config.json'))) {
      const g = readJson(join(dir, 'generation_config.json'));
      config = { ...g, ...config, alignment_heads: g.alignment_heads ?? config.alignment_heads, suppress_ids: g.suppress_tokens, suppress_ids_begin: g.begin_suppress_tokens, lang_to_id: g.lang_to_id };
    }
  } else {
    const r = loadMlxWhisper(dir);
    ({ weights, config } = r);
    heads = { audio: r.audioHeads, text: r.textHeads };
  }
  check();
  const file = join(dir, layout === 'ct2' ? 'model.bin' : layout === 'hf' ? 'model.safetensors' : 'weights');
  const dims = inferDims(weights, file, heads);
  const alignment = isPairList(config.alignment_heads) ? config.alignment_heads : undefined;
  const model = new WhisperNet(dims, alignment);
  const dtype = opts.dtype === 'float16' ? mx.float16 : mx.float32;
  const pairs = [...weights].map(([k, v]) => [k, v.dtype === dtype ? v : v.astype(dtype)] as [string, mx.array]);
  try {
    model.loadWeights(pairs, true);
  } catch (e) {
    throw new ModelFormatError(file, 0, `weights do not fit the inferred dimensions: ${(e as Error).message}`);
  }
  model.eval();
  if (quantize === 'int8') {
    if (opts.dtype === 'float16') throw new mx.InvalidArgumentError("[whisper] quantize: 'int8' computes in float32; drop dtype: 'float16'.");
    quantizeInt8(model);
  } else if (quantize) {
    const g = quantize.groupSize ?? (dims.nTextState % 64 === 0 ? 64 : 32);
    nn.quantize(model, g, quantize.bits, (_path, m) =>
      (m instanceof nn.Linear || m instanceof nn.Embedding) && (m as nn.Linear).weight.shape[1] % g === 0);
  }
  await mx.asyncEval(model.parameters());
  check();
  return { model, config, layout };
}

export async function loadWhisper(nameOrPath: string, opts: LoadWhisperOptions = {}): Promise<Whisper> {
  const dir = await resolveWhisperPath(nameOrPath);
  const { model, config, layout } = await loadWhisperModel(dir, opts);
  const tokPath = join(dir, 'tokenizer.json');
  if (!existsSync(tokPath)) throw new ModelNotFoundError(`${dir} has no tokenizer.json.`);
  const tokenizer = BpeWhisperTokenizer.fromFile(tokPath, { multilingual: model.isMultilingual });
  const suppress = Array.isArray(config.suppress_ids) && config.suppress_ids.every((x) => Number.isInteger(x))
    ? (config.suppress_ids as number[]).filter((x) => x >= 0) : defaultSuppress(tokenizer);
  return {
    model,
    tokenizer,
    config: { ...config, layout, directory: dir },
    suppressTokens: suppress,
    dispose: () => mx.dispose(model.parameters()),
  };
}

/**
 * Audio as mono 16 kHz float32: a path or bytes of a WAV file (any rate, depth and channel count), or samples
 * already at `sampleRate` (default 16000; resampled otherwise).
 */
export async function loadAudio(input: string | Uint8Array | Float32Array, sampleRate = SAMPLE_RATE): Promise<Float32Array> {
  if (input instanceof Float32Array) {
    return sampleRate === SAMPLE_RATE ? input : resample(input, sampleRate, SAMPLE_RATE);
  }
  let bytes: Uint8Array;
  let name = '<wav bytes>';
  if (typeof input === 'string') {
    name = input;
    try { bytes = await readFile(input); } catch (e) { throw new AudioFormatError(input, 0, `cannot read: ${(e as Error).message}`); }
  } else if (input instanceof Uint8Array) {
    bytes = input;
  } else {
    throw new mx.InvalidArgumentError('[loadAudio] expected a path, WAV bytes or a Float32Array.');
  }
  const wav = decodeWav(bytes, name);
  const mono = downmix(wav.channels);
  return wav.sampleRate === SAMPLE_RATE ? mono : resample(mono, wav.sampleRate, SAMPLE_RATE);
}
