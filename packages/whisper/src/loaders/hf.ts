// HF transformers Whisper (WhisperForConditionalGeneration): model.safetensors (or sharded, with an index) +
// config.json. Key names: model.encoder.layers.N.self_attn.{q,k,v,out}_proj, fc1/fc2, *_layer_norm, …
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as mx from '@mlx/core';
import { ModelFormatError } from '../errors.js';
import { fuse, type WeightMap } from './weights.js';

export function readJson(path: string): Record<string, unknown> {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (e) { throw new ModelFormatError(path, 0, `cannot read: ${(e as Error).message}`); }
  try {
    const v = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
    return v as Record<string, unknown>;
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    throw new ModelFormatError(path, m ? Number(m[1]) : 0, `invalid JSON: ${(e as Error).message}`);
  }
}

/** Every tensor of the directory's safetensors file(s), by name. */
export function readSafetensorsDir(dir: string): Record<string, mx.array> {
  const single = join(dir, 'model.safetensors');
  if (existsSync(single)) return mx.load(single) as Record<string, mx.array>;
  const indexPath = join(dir, 'model.safetensors.index.json');
  if (!existsSync(indexPath)) throw new ModelFormatError(dir, 0, 'no model.safetensors or model.safetensors.index.json');
  const index = readJson(indexPath);
  const files = new Set(Object.values((index.weight_map ?? {}) as Record<string, string>));
  const out: Record<string, mx.array> = {};
  for (const f of files) Object.assign(out, mx.load(join(dir, f)) as Record<string, mx.array>);
  return out;
}

export function loadHfWhisper(dir: string): { weights: WeightMap; config: Record<string, unknown>; audioHeads?: number; textHeads?: number } {
  const config = readJson(join(dir, 'config.json'));
  const t = readSafetensorsDir(dir);
  const file = join(dir, 'model.safetensors');
  const get = (k: string): mx.array => {
    const a = t[k] ?? t[k.replace(/^model\./, '')];
    if (!a) throw new ModelFormatError(file, 0, `missing tensor '${k}'`);
    return a;
  };
  const opt = (k: string): mx.array | undefined => t[k] ?? t[k.replace(/^model\./, '')];
  const w: WeightMap = new Map();
  const lin = (dst: string, src: string) => {
    w.set(`${dst}.weight`, get(`${src}.weight`));
    const b = opt(`${src}.bias`);
    if (b) w.set(`${dst}.bias`, b);
  };
  const attnFused = (dst: string, src: string) =>
    fuse(w, dst, ['q_proj', 'k_proj', 'v_proj'].map((p) => ({ weight: get(`${src}.${p}.weight`), bias: opt(`${src}.${p}.bias`) })));
  const e = 'model.encoder', d = 'model.decoder';
  for (const c of ['conv1', 'conv2']) {
    w.set(`encoder.${c}.weight`, mx.transpose(get(`${e}.${c}.weight`), [0, 2, 1]));
    w.set(`encoder.${c}.bias`, get(`${e}.${c}.bias`));
  }
  w.set('encoder.positionalEmbedding', get(`${e}.embed_positions.weight`));
  const count = (p: string) => { let n = 0; while (opt(`${p}.layers.${n}.fc1.weight`)) n++; return n; };
  for (let i = 0; i < count(e); i++) {
    const s = `${e}.layers.${i}`, o = `encoder.blocks.${i}`;
    lin(`${o}.attnLn`, `${s}.self_attn_layer_norm`);
    attnFused(`${o}.attn.qkv`, `${s}.self_attn`);
    lin(`${o}.attn.out`, `${s}.self_attn.out_proj`);
    lin(`${o}.mlpLn`, `${s}.final_layer_norm`);
    lin(`${o}.mlp1`, `${s}.fc1`);
    lin(`${o}.mlp2`, `${s}.fc2`);
  }
  lin('encoder.lnPost', `${e}.layer_norm`);
  w.set('decoder.tokenEmbedding.weight', get(`${d}.embed_tokens.weight`));
  w.set('decoder.positionalEmbedding', get(`${d}.embed_positions.weight`));
  for (let i = 0; i < count(d); i++) {
    const s = `${d}.layers.${i}`, o = `decoder.blocks.${i}`;
    lin(`${o}.attnLn`, `${s}.self_attn_layer_norm`);
    attnFused(`${o}.attn.qkv`, `${s}.self_attn`);
    lin(`${o}.attn.out`, `${s}.self_attn.out_proj`);
    lin(`${o}.crossAttnLn`, `${s}.encoder_attn_layer_norm`);
    lin(`${o}.crossAttn.query`, `${s}.encoder_attn.q_proj`);
    fuse(w, `${o}.crossAttn.kv`, ['k_proj', 'v_proj'].map((p) => ({ weight: get(`${s}.encoder_attn.${p}.weight`), bias: opt(`${s}.encoder_attn.${p}.bias`) })));
    lin(`${o}.crossAttn.out`, `${s}.encoder_attn.out_proj`);
    lin(`${o}.mlpLn`, `${s}.final_layer_norm`);
    lin(`${o}.mlp1`, `${s}.fc1`);
    lin(`${o}.mlp2`, `${s}.fc2`);
  }
  lin('decoder.ln', `${d}.layer_norm`);
  const num = (k: string) => (typeof config[k] === 'number' ? (config[k] as number) : undefined);
  return { weights: w, config, audioHeads: num('encoder_attention_heads'), textHeads: num('decoder_attention_heads') };
}
