// MLX-community Whisper (mlx-examples / mlx-whisper): weights.safetensors or weights.npz + config.json with
// n_mels, n_audio_ctx, n_audio_state, n_audio_head, … Keys follow openai/whisper: encoder.blocks.N.attn.query, …
// Conv weights are already channels-last [out, k, in]. The encoder positions are sinusoids (computed if absent).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as mx from '@mlx/core';
import { ModelFormatError } from '../errors.js';
import { readJson } from './hf.js';
import { fuse, sinusoids, type WeightMap } from './weights.js';

export function loadMlxWhisper(dir: string): { weights: WeightMap; config: Record<string, unknown>; audioHeads?: number; textHeads?: number } {
  const config = readJson(join(dir, 'config.json'));
  const st = join(dir, 'weights.safetensors'), npz = join(dir, 'weights.npz');
  const file = existsSync(st) ? st : npz;
  if (!existsSync(file)) throw new ModelFormatError(dir, 0, 'no weights.safetensors or weights.npz');
  const t = mx.load(file) as Record<string, mx.array>;
  if (Object.keys(t).some((k) => k.endsWith('.scales'))) {
    throw new ModelFormatError(file, 0, 'quantized MLX checkpoints are not supported yet; use the float weights and the quantize option');
  }
  const get = (k: string): mx.array => {
    const a = t[k];
    if (!a) throw new ModelFormatError(file, 0, `missing tensor '${k}'`);
    return a;
  };
  const w: WeightMap = new Map();
  const lin = (dst: string, src: string) => {
    w.set(`${dst}.weight`, get(`${src}.weight`));
    if (t[`${src}.bias`]) w.set(`${dst}.bias`, t[`${src}.bias`]);
  };
  const num = (k: string) => (typeof config[k] === 'number' ? (config[k] as number) : undefined);
  for (const c of ['conv1', 'conv2']) lin(`encoder.${c}`, `encoder.${c}`);
  const audioState = get('encoder.conv1.weight').shape[0];
  w.set('encoder.positionalEmbedding', t['encoder.positional_embedding'] ?? sinusoids(num('n_audio_ctx') ?? 1500, audioState));
  const count = (p: string) => { let n = 0; while (t[`${p}.blocks.${n}.mlp1.weight`]) n++; return n; };
  for (const side of ['encoder', 'decoder'] as const) {
    for (let i = 0; i < count(side); i++) {
      const s = `${side}.blocks.${i}`;
      lin(`${s}.attnLn`, `${s}.attn_ln`);
      fuse(w, `${s}.attn.qkv`, ['query', 'key', 'value'].map((p) => ({ weight: get(`${s}.attn.${p}.weight`), bias: t[`${s}.attn.${p}.bias`] })));
      lin(`${s}.attn.out`, `${s}.attn.out`);
      if (side === 'decoder') {
        lin(`${s}.crossAttnLn`, `${s}.cross_attn_ln`);
        lin(`${s}.crossAttn.query`, `${s}.cross_attn.query`);
        fuse(w, `${s}.crossAttn.kv`, ['key', 'value'].map((p) => ({ weight: get(`${s}.cross_attn.${p}.weight`), bias: t[`${s}.cross_attn.${p}.bias`] })));
        lin(`${s}.crossAttn.out`, `${s}.cross_attn.out`);
      }
      lin(`${s}.mlpLn`, `${s}.mlp_ln`);
      lin(`${s}.mlp1`, `${s}.mlp1`);
      lin(`${s}.mlp2`, `${s}.mlp2`);
    }
  }
  lin('encoder.lnPost', 'encoder.ln_post');
  w.set('decoder.tokenEmbedding.weight', get('decoder.token_embedding.weight'));
  w.set('decoder.positionalEmbedding', get('decoder.positional_embedding'));
  lin('decoder.ln', 'decoder.ln');
  return { weights: w, config, audioHeads: num('n_audio_head'), textHeads: num('n_text_head') };
}
