// Model parity with HF transformers on random tiny LLaVA, Idefics3 and Qwen2-VL (fixtures written by
// scripts/oracles/hf/vlm_parity.py with save_pretrained): prompt expansion, input ids, vision features, merged input
// embeddings, logits (max |Δ| / max |ref| ≤ 1e-4, float32) and 16 greedy tokens.
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx/core';
import { loadVLM, ContextOverflowError, VlmInputError, ImageDecodeError, setAttentionMode } from '../src/index.js';

const FIX = join(import.meta.dirname, 'fixtures');

function rel(ours: mx.array, ref: mx.array): number {
  expect(ours.shape).toEqual(ref.shape);
  const d = mx.max(mx.abs(mx.subtract(ours.astype(mx.float32), ref))).item() as number;
  return d / (mx.max(mx.abs(ref)).item() as number);
}

for (const name of ['llava', 'idefics3', 'qwen2_vl']) {
  describe(`${name} parity with HF transformers`, () => {
    const dir = join(FIX, name);
    const meta = JSON.parse(readFileSync(join(dir, 'oracle.json'), 'utf8'));
    const ref = mx.load(join(dir, 'oracle.safetensors')) as Record<string, mx.array>;
    const images = (meta.images as string[]).map((f) => join(FIX, 'images', f));

    it('prompt expansion, ids, features, embeddings, logits, greedy tokens', async () => {
      const vlm = await loadVLM(dir);
      // llama-shaped text models run on @mlx/lm's DecoderModel; Qwen2-VL (M-RoPE) on the package's own decoder
      expect(vlm.arch.text.constructor.name).toBe(name === 'qwen2_vl' ? 'TextDecoder' : 'LmTextDecoder');
      const inp = await vlm.prepare({ images, prompt: meta.prompt });
      expect(inp.expandedPrompt).toBe(meta.expanded_prompt);
      expect(inp.ids).toEqual(ref.input_ids.tolist()[0]);
      expect(rel(inp.images!.pixelValues, ref.pixel_values)).toBeLessThan(1e-3);
      if (ref.image_grid_thw) expect(inp.images!.imageGridThw).toEqual(ref.image_grid_thw.tolist());
      // vision features from HF's own pixel values, so that this checks the model alone
      const feats = vlm.arch.encodeImages({ ...inp.images!, pixelValues: ref.pixel_values, replacements: [] });
      const errs: Record<string, number> = {};
      errs.vision = rel(feats, ref.vision_features);
      const emb = vlm.embed(inp.ids, feats);
      errs.embeds = rel(emb, ref.inputs_embeds);
      const pos = vlm.arch.positions?.(inp.ids, inp.images);
      if (pos) expect(pos.positions).toEqual(ref.position_ids.tolist().map((a: number[][]) => a[0]));
      if (pos) expect(pos.delta).toBe(ref.rope_deltas.item());
      const logits = vlm.arch.text.forward(ref.inputs_embeds, vlm.arch.text.newCache(), { positions: pos?.positions });
      errs.logits = rel(logits, ref.logits);
      console.log(name, 'relative errors', errs);
      for (const e of Object.values(errs)) expect(e).toBeLessThan(1e-4);
      const out = await vlm.generate({ images, prompt: meta.prompt }, { maxTokens: 16, temperature: 0 });
      expect(out.tokens).toEqual(meta.greedy_tokens);
      expect(out.stats.generationTokens).toBe(16);
      expect(out.stats.imageTokens).toBe(ref.vision_features.shape[0]);
      // prepared inputs are reusable (the caller owns them) and give the same greedy tokens; ignoreEos runs the full budget
      const prep = await vlm.prepare({ images, prompt: meta.prompt });
      for (let i = 0; i < 2; i++) {
        const again = await vlm.generate({ prepared: prep }, { maxTokens: 16, temperature: 0, ignoreEos: true });
        expect(again.tokens).toEqual(meta.greedy_tokens);
      }
      vlm.dispose();
    });

    it('the unfused attention path (auto-selected on the GPU) gives the same features, logits and tokens', async () => {
      const prev = setAttentionMode('unfused');
      try {
        const vlm = await loadVLM(dir);
        const inp = await vlm.prepare({ images, prompt: meta.prompt });
        const feats = vlm.arch.encodeImages({ ...inp.images!, pixelValues: ref.pixel_values, replacements: [] });
        const pos = vlm.arch.positions?.(inp.ids, inp.images);
        const logits = vlm.arch.text.forward(ref.inputs_embeds, vlm.arch.text.newCache(), { positions: pos?.positions });
        expect(rel(feats, ref.vision_features)).toBeLessThan(1e-4);
        expect(rel(logits, ref.logits)).toBeLessThan(1e-4);
        const out = await vlm.generate({ prepared: inp }, { maxTokens: 16, temperature: 0 });
        expect(out.tokens).toEqual(meta.greedy_tokens);
        vlm.dispose();
      } finally {
        setAttentionMode(prev);
      }
    });

    if (name !== 'qwen2_vl') it('the package\'s own text decoder (MLX_VLM_TEXT_DECODER=own) gives the same logits and tokens', async () => {
      process.env.MLX_VLM_TEXT_DECODER = 'own';
      try {
        const vlm = await loadVLM(dir);
        expect(vlm.arch.text.constructor.name).toBe('TextDecoder');
        expect(rel(vlm.arch.text.forward(ref.inputs_embeds, vlm.arch.text.newCache()), ref.logits)).toBeLessThan(1e-4);
        const out = await vlm.generate({ images, prompt: meta.prompt }, { maxTokens: 16, temperature: 0 });
        expect(out.tokens).toEqual(meta.greedy_tokens);
        vlm.dispose();
      } finally {
        delete process.env.MLX_VLM_TEXT_DECODER;
      }
    });
  });
}

describe('text decoder choice', () => {
  it('a bfloat16 checkpoint keeps the package\'s own decoder (it stays in bf16, as HF does) and still generates', async () => {
    const src = join(FIX, 'idefics3');
    const dir = mkdtempSync(join(tmpdir(), 'vlm-bf16-'));
    try {
      for (const f of readdirSync(src)) if (!f.startsWith('oracle') && f !== 'model.safetensors') copyFileSync(join(src, f), join(dir, f));
      const w = mx.load(join(src, 'model.safetensors')) as Record<string, mx.array>;
      mx.saveSafetensors(join(dir, 'model.safetensors'), Object.fromEntries(Object.entries(w).map(([k, v]) => [k, v.astype(mx.bfloat16)])));
      const vlm = await loadVLM(dir);
      expect(vlm.arch.text.constructor.name).toBe('TextDecoder');
      const meta = JSON.parse(readFileSync(join(src, 'oracle.json'), 'utf8'));
      const out = await vlm.generate({ images: (meta.images as string[]).map((f) => join(FIX, 'images', f)), prompt: meta.prompt }, { maxTokens: 4, temperature: 0, ignoreEos: true });
      expect(out.tokens.length).toBe(4);
      vlm.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bad input', () => {
  it('placeholder/image mismatch, too many images, corrupt/empty/zero-size images, abort → typed errors', async () => {
    const vlm = await loadVLM(join(FIX, 'idefics3'));
    const a = join(FIX, 'images', 'a.png');
    await expect(vlm.generate({ images: [a], prompt: 'no placeholder' })).rejects.toBeInstanceOf(VlmInputError);
    // 1024-token context: 40 split images are ~1300 tokens
    const many = Array.from({ length: 40 }, () => join(FIX, 'images', 'f.jpg'));
    await expect(vlm.generate({ images: many, prompt: '<image>'.repeat(40) })).rejects.toBeInstanceOf(ContextOverflowError);
    await expect(vlm.generate({ images: [join(FIX, 'images', 'corrupt.png')], prompt: '<image>' })).rejects.toBeInstanceOf(ImageDecodeError);
    await expect(vlm.generate({ images: [join(FIX, 'images', 'empty.jpg')], prompt: '<image>' })).rejects.toMatchObject({ code: 'MLX_IMAGE_DECODE' });
    await expect(vlm.generate({ images: [join(FIX, 'images', 'zero.png')], prompt: '<image>' })).rejects.toBeInstanceOf(ImageDecodeError);
    await expect(vlm.generate({ images: [{ data: new Uint8Array(0), width: 0, height: 5, channels: 3 }], prompt: '<image>' }))
      .rejects.toBeInstanceOf(ImageDecodeError);
    // abort before the start and in the middle of a stream
    const ac = new AbortController();
    ac.abort();
    await expect(vlm.generate({ images: [a], prompt: '<image>' }, { signal: ac.signal })).rejects.toBeInstanceOf(mx.CancelledError);
    const mid = new AbortController();
    const seen: number[] = [];
    await expect((async () => {
      for await (const t of vlm.stream({ images: [a], prompt: '<image>' }, { maxTokens: 50, temperature: 0, signal: mid.signal })) {
        seen.push(t.token);
        if (seen.length === 2) mid.abort();
      }
    })()).rejects.toMatchObject({ code: 'MLX_CANCELLED' });
    expect(seen.length).toBe(2);
    expect(() => setAttentionMode('flash' as never)).toThrow(expect.objectContaining({ code: 'MLX_INVALID_ARGUMENT' }));
    // still healthy
    const ok = await vlm.generate({ images: [a], prompt: 'x<image>y' }, { maxTokens: 2, temperature: 0 });
    expect(ok.tokens.length).toBe(2);
    vlm.dispose();
  });
});
