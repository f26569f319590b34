"""Parity fixtures for @mlx/whisper: random tiny WhisperForConditionalGeneration models (float32).

Needs only `pip install torch transformers safetensors numpy`. Writes, per configuration, under
packages/whisper/test/fixtures/whisper-parity/<name>/:
  hf/            save_pretrained output (config.json, model.safetensors)
  ct2/model.bin  the same weights in CTranslate2's layout (float32), written here with struct
  ct2-int8/      the same with int8 linear weights and per-row scales (w = q / scale)
  mlx/           MLX-community layout (weights.safetensors + config.json with n_mels, …)
  io.npz         mel, tokens, encoder output, decoder logits (full prompt + 10 steps), language-id logits
Run: /work/hfvenv/bin/python scripts/oracles/hf/whisper_parity.py
"""
import json
import os
import shutil
import struct

import numpy as np
import torch
from safetensors.numpy import save_file
from transformers import WhisperConfig, WhisperForConditionalGeneration

ROOT = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'packages', 'whisper', 'test', 'fixtures', 'whisper-parity')

CONFIGS = {
    # English-only-like: 80 mels; token ids below are arbitrary inside the small vocabulary.
    'tiny-en': dict(vocab_size=660, num_mel_bins=80, d_model=48, encoder_layers=2, decoder_layers=2,
                    encoder_attention_heads=4, decoder_attention_heads=4, encoder_ffn_dim=192, decoder_ffn_dim=192,
                    max_source_positions=40, max_target_positions=32, seed=1),
    # Multilingual-like with 128 mels (large-v3 front end) and a different head count.
    'tiny-multi': dict(vocab_size=640, num_mel_bins=128, d_model=32, encoder_layers=2, decoder_layers=3,
                       encoder_attention_heads=4, decoder_attention_heads=2, encoder_ffn_dim=128, decoder_ffn_dim=128,
                       max_source_positions=30, max_target_positions=40, seed=2),
}
SOT = 600  # "start of transcript" in these random vocabularies; languages follow it
N_LANG = 20


def ct2_string(s):
    b = s.encode('utf-8') + b'\0'
    return struct.pack('<H', len(b)) + b


def write_ct2(path, variables, aliases):
    """variables: list of (name, np.ndarray); float32 → dtype 0, int8 → 1, int32 → 3, int16 → 2."""
    ids = {np.dtype('float32'): 0, np.dtype('int8'): 1, np.dtype('int16'): 2, np.dtype('int32'): 3, np.dtype('float16'): 4}
    out = [struct.pack('<I', 6), ct2_string('WhisperSpec'), struct.pack('<I', 3), struct.pack('<I', len(variables))]
    for name, a in sorted(variables, key=lambda x: x[0]):
        a = np.ascontiguousarray(a)
        out.append(ct2_string(name))
        out.append(struct.pack('<B', a.ndim))
        out.append(struct.pack('<%dI' % a.ndim, *a.shape))
        data = a.astype(a.dtype.newbyteorder('<')).tobytes()
        out.append(struct.pack('<BI', ids[a.dtype], len(data)))
        out.append(data)
    out.append(struct.pack('<I', len(aliases)))
    for k, v in aliases:
        out.append(ct2_string(k) + ct2_string(v))
    with open(path, 'wb') as f:
        f.write(b''.join(out))


def ct2_variables(sd, cfg, int8=False):
    g = lambda k: sd[k].detach().numpy().astype(np.float32)
    v = []

    def lin(dst, w, b):
        if int8:
            scale = 127.0 / np.maximum(np.abs(w).max(axis=1), 1e-8)
            q = np.clip(np.round(w * scale[:, None]), -127, 127).astype(np.int8)
            v.append((dst + '/weight', q))
            v.append((dst + '/weight_scale', scale.astype(np.float32)))
        else:
            v.append((dst + '/weight', w))
        v.append((dst + '/bias', b))

    def ln(dst, src):
        v.append((dst + '/gamma', g(src + '.weight')))
        v.append((dst + '/beta', g(src + '.bias')))

    def fused(src, parts):
        ws = [g('%s.%s.weight' % (src, p)) for p in parts]
        bs = [g('%s.%s.bias' % (src, p)) if ('%s.%s.bias' % (src, p)) in sd else np.zeros(w.shape[0], np.float32)
              for p, w in zip(parts, ws)]
        return np.concatenate(ws, 0), np.concatenate(bs, 0)

    def self_attention(o, s):  # CT2 fuses q/k/v into linear_0
        ln(o + '/self_attention/layer_norm', s + '.self_attn_layer_norm')
        lin(o + '/self_attention/linear_0', *fused(s + '.self_attn', ['q_proj', 'k_proj', 'v_proj']))
        lin(o + '/self_attention/linear_1', g(s + '.self_attn.out_proj.weight'), g(s + '.self_attn.out_proj.bias'))

    def ffn(o, s):
        ln(o + '/ffn/layer_norm', s + '.final_layer_norm')
        lin(o + '/ffn/linear_0', g(s + '.fc1.weight'), g(s + '.fc1.bias'))
        lin(o + '/ffn/linear_1', g(s + '.fc2.weight'), g(s + '.fc2.bias'))

    e, d = 'model.encoder', 'model.decoder'
    for c in ('conv1', 'conv2'):
        v.append(('encoder/%s/weight' % c, g('%s.%s.weight' % (e, c))))  # [out, in, k] like PyTorch
        v.append(('encoder/%s/bias' % c, g('%s.%s.bias' % (e, c))))
    v.append(('encoder/position_encodings/encodings', g(e + '.embed_positions.weight')))
    v.append(('encoder/num_heads', np.array(cfg.encoder_attention_heads, np.int16)))
    for i in range(cfg.encoder_layers):
        s, o = '%s.layers.%d' % (e, i), 'encoder/layer_%d' % i
        self_attention(o, s)
        ffn(o, s)
    ln('encoder/layer_norm', e + '.layer_norm')
    v.append(('decoder/embeddings/weight', g(d + '.embed_tokens.weight')))
    v.append(('decoder/position_encodings/encodings', g(d + '.embed_positions.weight')))
    v.append(('decoder/num_heads', np.array(cfg.decoder_attention_heads, np.int16)))
    for i in range(cfg.decoder_layers):
        s, o = '%s.layers.%d' % (d, i), 'decoder/layer_%d' % i
        self_attention(o, s)
        ln(o + '/attention/layer_norm', s + '.encoder_attn_layer_norm')
        lin(o + '/attention/linear_0', g(s + '.encoder_attn.q_proj.weight'), g(s + '.encoder_attn.q_proj.bias'))
        lin(o + '/attention/linear_1', *fused(s + '.encoder_attn', ['k_proj', 'v_proj']))
        lin(o + '/attention/linear_2', g(s + '.encoder_attn.out_proj.weight'), g(s + '.encoder_attn.out_proj.bias'))
        ffn(o, s)
    ln('decoder/layer_norm', d + '.layer_norm')
    return v


def mlx_weights(sd, cfg):
    """openai/whisper names (mlx-whisper), conv weights channels-last [out, k, in]."""
    g = lambda k: sd[k].detach().numpy().astype(np.float32)
    w = {}
    def self_attention(o, s):  # CT2 fuses q/k/v into linear_0
        ln(o + '/self_attention/layer_norm', s + '.self_attn_layer_norm')
        lin(o + '/self_attention/linear_0', *fused(s + '.self_attn', ['q_proj', 'k_proj', 'v_proj']))
        lin(o + '/self_attention/linear_1', g(s + '.self_attn.out_proj.weight'), g(s + '.self_attn.out_proj.bias'))

    def ffn(o, s):
        ln(o + '/ffn/layer_norm', s + '.final_layer_norm')
        lin(o + '/ffn/linear_0', g(s + '.fc1.weight'), g(s + '.fc1.bias'))
        lin(o + '/ffn/linear_1', g(s + '.fc2.weight'), g(s + '.fc2.bias'))

    e, d = 'model.encoder', 'model.decoder'
    for c in ('conv1', 'conv2'):
        w['encoder.%s.weight' % c] = np.ascontiguousarray(g('%s.%s.weight' % (e, c)).transpose(0, 2, 1))
        w['encoder.%s.bias' % c] = g('%s.%s.bias' % (e, c))
    names = {'q_proj': 'query', 'k_proj': 'key', 'v_proj': 'value', 'out_proj': 'out'}
    for side, src, n in (('encoder', e, cfg.encoder_layers), ('decoder', d, cfg.decoder_layers)):
        for i in range(n):
            s, o = '%s.layers.%d' % (src, i), '%s.blocks.%d' % (side, i)
            attn = [('self_attn', 'attn')] + ([('encoder_attn', 'cross_attn')] if side == 'decoder' else [])
            for hf, ours in attn:
                for p, q in names.items():
                    w['%s.%s.%s.weight' % (o, ours, q)] = g('%s.%s.%s.weight' % (s, hf, p))
                    if ('%s.%s.%s.bias' % (s, hf, p)) in sd:
                        w['%s.%s.%s.bias' % (o, ours, q)] = g('%s.%s.%s.bias' % (s, hf, p))
                w['%s.%s_ln.weight' % (o, ours)] = g('%s.%s_layer_norm.weight' % (s, hf))
                w['%s.%s_ln.bias' % (o, ours)] = g('%s.%s_layer_norm.bias' % (s, hf))
            w[o + '.mlp_ln.weight'], w[o + '.mlp_ln.bias'] = g(s + '.final_layer_norm.weight'), g(s + '.final_layer_norm.bias')
            w[o + '.mlp1.weight'], w[o + '.mlp1.bias'] = g(s + '.fc1.weight'), g(s + '.fc1.bias')
            w[o + '.mlp2.weight'], w[o + '.mlp2.bias'] = g(s + '.fc2.weight'), g(s + '.fc2.bias')
    w['encoder.ln_post.weight'], w['encoder.ln_post.bias'] = g(e + '.layer_norm.weight'), g(e + '.layer_norm.bias')
    w['decoder.token_embedding.weight'] = g(d + '.embed_tokens.weight')
    w['decoder.positional_embedding'] = g(d + '.embed_positions.weight')
    w['encoder.positional_embedding'] = g(e + '.embed_positions.weight')
    w['decoder.ln.weight'], w['decoder.ln.bias'] = g(d + '.layer_norm.weight'), g(d + '.layer_norm.bias')
    conf = dict(n_mels=cfg.num_mel_bins, n_audio_ctx=cfg.max_source_positions, n_audio_state=cfg.d_model,
                n_audio_head=cfg.encoder_attention_heads, n_audio_layer=cfg.encoder_layers, n_vocab=cfg.vocab_size,
                n_text_ctx=cfg.max_target_positions, n_text_state=cfg.d_model, n_text_head=cfg.decoder_attention_heads,
                n_text_layer=cfg.decoder_layers)
    return w, conf


def build(name, spec):
    spec = dict(spec)
    seed = spec.pop('seed')
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    cfg = WhisperConfig(**spec, decoder_start_token_id=SOT, pad_token_id=0, bos_token_id=SOT, eos_token_id=1,
                        activation_function='gelu', scale_embedding=False, tie_word_embeddings=True)
    model = WhisperForConditionalGeneration(cfg).eval()
    # Random init is tiny (std 0.02) which makes everything near-linear; widen it so the test can fail.
    with torch.no_grad():
        for n, p in model.named_parameters():
            if 'embed_positions' in n and 'encoder' in n:
                continue
            if p.ndim >= 2:
                p.normal_(0, 0.3 / np.sqrt(p.shape[-1]) * 4)
            else:
                p.normal_(0, 0.2)
            if 'layer_norm' in n and n.endswith('weight'):
                p.add_(1.0)
    out = os.path.join(ROOT, name)
    shutil.rmtree(out, ignore_errors=True)
    model.save_pretrained(os.path.join(out, 'hf'), safe_serialization=True)
    for f in os.listdir(os.path.join(out, 'hf')):
        if f not in ('config.json', 'model.safetensors'):
            os.remove(os.path.join(out, 'hf', f))
    sd = model.state_dict()
    for sub, int8 in (('ct2', False), ('ct2-int8', True)):
        os.makedirs(os.path.join(out, sub))
        write_ct2(os.path.join(out, sub, 'model.bin'), ct2_variables(sd, cfg, int8),
                  [('decoder/projection/weight', 'decoder/embeddings/weight')])
    os.makedirs(os.path.join(out, 'mlx'))
    mw, mconf = mlx_weights(sd, cfg)
    save_file(mw, os.path.join(out, 'mlx', 'weights.safetensors'))
    json.dump(mconf, open(os.path.join(out, 'mlx', 'config.json'), 'w'), indent=1)

    frames = 2 * cfg.max_source_positions
    mel = rng.standard_normal((2, cfg.num_mel_bins, frames)).astype(np.float32)
    prompt = np.stack([[SOT, SOT + 1 + i, SOT + N_LANG + 1, SOT + N_LANG + 5] for i in range(2)]).astype(np.int32)
    steps = rng.integers(0, 500, size=(2, 10)).astype(np.int32)
    full = np.concatenate([prompt, steps], 1)
    with torch.no_grad():
        enc = model.model.encoder(torch.from_numpy(mel)).last_hidden_state
        logits = model(encoder_outputs=(enc,), decoder_input_ids=torch.from_numpy(full).long(), use_cache=False).logits
        sot_logits = model(encoder_outputs=(enc,), decoder_input_ids=torch.full((2, 1), SOT).long(), use_cache=False).logits
    lang = sot_logits[:, 0, SOT + 1: SOT + 1 + N_LANG]
    np.savez(os.path.join(out, 'io.npz'), mel=mel, prompt=prompt, steps=steps,
             encoder_out=enc.numpy().astype(np.float32), logits=logits.numpy().astype(np.float32),
             lang_logits=lang.numpy().astype(np.float32),
             lang_ids=np.arange(SOT + 1, SOT + 1 + N_LANG, dtype=np.int32))
    print(name, 'written to', os.path.normpath(out))


if __name__ == '__main__':
    for n, s in CONFIGS.items():
        build(n, s)
