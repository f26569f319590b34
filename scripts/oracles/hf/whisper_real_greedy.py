"""End-to-end oracle for real tiny.en weights: read the CTranslate2 model.bin (faster-whisper layout) into an HF
WhisperForConditionalGeneration, compute whisper's log-mel with torch.stft + transformers' Slaney filterbank from a
16 kHz WAV (packages/whisper/test/fixtures/real/fox-16k.wav: espeak-ng, resampled by sox), and run a plain greedy
loop (prompt <|startoftranscript|><|notimestamps|>, config.json's suppress_ids and timestamps suppressed).
Writes packages/whisper/test/fixtures/real/fox-greedy.npz. Run: /work/hfvenv/bin/python scripts/oracles/hf/whisper_real_greedy.py
"""
import json
import os
import re
import struct
import wave

import numpy as np
import torch
from transformers import WhisperConfig, WhisperForConditionalGeneration
from transformers.audio_utils import mel_filter_bank

MODEL = os.path.expanduser(os.environ.get('MLX_MODELS_DIR', '~/.cache/mlx-ts/models') + '/whisper-tiny.en')
FIX = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'packages', 'whisper', 'test', 'fixtures', 'real')


def read_ct2(path):
    f = open(path, 'rb').read()
    o = 0

    def u(fmt):
        nonlocal o
        v = struct.unpack_from('<' + fmt, f, o)
        o += struct.calcsize(fmt)
        return v[0]

    def s():
        nonlocal o
        n = u('H')
        r = f[o:o + n - 1].decode()
        o += n
        return r

    version = u('I')
    assert version >= 4
    s(), u('I')
    out = {}
    for _ in range(u('I')):
        name = s()
        rank = u('B')
        dims = [u('I') for _ in range(rank)]
        dt, nb = u('B'), u('I')
        np_dt = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}[dt]
        out[name] = np.frombuffer(f, np_dt, count=int(np.prod(dims)) if dims else 1, offset=o).reshape(dims)
        o += nb
    return out


def main():
    v = read_ct2(os.path.join(MODEL, 'model.bin'))
    g = lambda k: torch.from_numpy(v[k].astype(np.float32))
    d = v['decoder/embeddings/weight'].shape[1]
    n_enc = len({k.split('/')[1] for k in v if re.match(r'encoder/layer_\d+/', k)})
    n_dec = len({k.split('/')[1] for k in v if re.match(r'decoder/layer_\d+/', k)})
    cfg = WhisperConfig(vocab_size=v['decoder/embeddings/weight'].shape[0], num_mel_bins=v['encoder/conv1/weight'].shape[1],
                        d_model=d, encoder_layers=n_enc, decoder_layers=n_dec,
                        encoder_attention_heads=int(v['encoder/num_heads']), decoder_attention_heads=int(v['decoder/num_heads']),
                        encoder_ffn_dim=4 * d, decoder_ffn_dim=4 * d, max_source_positions=1500, max_target_positions=448)
    model = WhisperForConditionalGeneration(cfg).eval()
    sd = {}
    for c in ('conv1', 'conv2'):
        sd['model.encoder.%s.weight' % c] = g('encoder/%s/weight' % c)
        sd['model.encoder.%s.bias' % c] = g('encoder/%s/bias' % c)
    sd['model.encoder.embed_positions.weight'] = g('encoder/position_encodings/encodings')
    sd['model.decoder.embed_positions.weight'] = g('decoder/position_encodings/encodings')
    sd['model.decoder.embed_tokens.weight'] = g('decoder/embeddings/weight')
    sd['proj_out.weight'] = g('decoder/embeddings/weight')

    def ln(dst, src):
        sd[dst + '.weight'], sd[dst + '.bias'] = g(src + '/gamma'), g(src + '/beta')

    def lin(dst, src):
        sd[dst + '.weight'], sd[dst + '.bias'] = g(src + '/weight'), g(src + '/bias')

    def split(dst, src, names):
        w, b = g(src + '/weight'), g(src + '/bias')
        for i, n in enumerate(names):
            sd['%s.%s.weight' % (dst, n)] = w[i * d:(i + 1) * d]
            if n != 'k_proj':
                sd['%s.%s.bias' % (dst, n)] = b[i * d:(i + 1) * d]

    for side, n in (('encoder', n_enc), ('decoder', n_dec)):
        for i in range(n):
            s, o = '%s/layer_%d' % (side, i), 'model.%s.layers.%d' % (side, i)
            ln(o + '.self_attn_layer_norm', s + '/self_attention/layer_norm')
            split(o + '.self_attn', s + '/self_attention/linear_0', ['q_proj', 'k_proj', 'v_proj'])
            lin(o + '.self_attn.out_proj', s + '/self_attention/linear_1')
            ln(o + '.final_layer_norm', s + '/ffn/layer_norm')
            lin(o + '.fc1', s + '/ffn/linear_0')
            lin(o + '.fc2', s + '/ffn/linear_1')
            if side == 'decoder':
                ln(o + '.encoder_attn_layer_norm', s + '/attention/layer_norm')
                lin(o + '.encoder_attn.q_proj', s + '/attention/linear_0')
                split(o + '.encoder_attn', s + '/attention/linear_1', ['k_proj', 'v_proj'])
                lin(o + '.encoder_attn.out_proj', s + '/attention/linear_2')
        ln('model.%s.layer_norm' % side, '%s/layer_norm' % side)
    missing, unexpected = model.load_state_dict(sd, strict=False)
    assert not unexpected and not [m for m in missing if m != 'proj_out.weight'], (missing, unexpected)

    with wave.open(os.path.join(FIX, 'fox-16k.wav')) as w:
        assert w.getframerate() == 16000 and w.getsampwidth() == 2
        audio = np.frombuffer(w.readframes(w.getnframes()), '<i2').astype(np.float32) / 32768
    x = torch.from_numpy(np.pad(audio, (0, 480000)))
    stft = torch.stft(x, 400, 160, window=torch.hann_window(400), return_complex=True)
    filters = torch.from_numpy(mel_filter_bank(num_frequency_bins=201, num_mel_filters=80, min_frequency=0.0, max_frequency=8000.0,
                                               sampling_rate=16000, norm='slaney', mel_scale='slaney').T.astype(np.float32))
    mel = (filters @ (stft[..., :-1].abs() ** 2)).clamp(min=1e-10).log10()
    mel = (torch.maximum(mel, mel.max() - 8.0) + 4.0) / 4.0
    mel = mel[:, :3000][None]

    conf = json.load(open(os.path.join(MODEL, 'config.json')))
    suppress = [t for t in conf['suppress_ids'] if t >= 0] + list(range(50363, cfg.vocab_size))
    tokens = [50257, 50362]
    first = None
    with torch.no_grad():
        enc = model.model.encoder(mel).last_hidden_state
        for _ in range(100):
            logits = model(encoder_outputs=(enc,), decoder_input_ids=torch.tensor([tokens]), use_cache=False).logits[0, -1]
            if first is None:
                first = logits.numpy().copy()
            logits[suppress] = -float('inf')
            t = int(logits.argmax())
            if t == 50256:
                break
            tokens.append(t)
    np.savez_compressed(os.path.join(FIX, 'fox-greedy.npz'), tokens=np.array(tokens[2:], np.int32),
                        first_logits=first.astype(np.float32), encoder_row0=enc[0, :4].numpy().astype(np.float32))
    print('tokens', tokens[2:])


if __name__ == '__main__':
    main()
