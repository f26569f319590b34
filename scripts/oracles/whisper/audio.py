"""Audio oracles for @mlx/whisper (fixtures in packages/whisper/test/fixtures/audio/).

- log-mel: openai/whisper's recipe with torch.stft and the Slaney filterbank of transformers.audio_utils
  (needs torch + transformers: /work/hfvenv/bin/python);
- resampling: scipy.signal.resample_poly (needs scipy).
Run: /work/hfvenv/bin/python scripts/oracles/whisper/audio.py mel
     python -m pip install scipy && python scripts/oracles/whisper/audio.py resample
"""
import os
import sys

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'packages', 'whisper', 'test', 'fixtures', 'audio')


def test_signal(n, sr, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / sr
    x = 0.3 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 1234.5 * t) * np.sin(2 * np.pi * 3 * t)
    x += 0.05 * rng.standard_normal(n)
    return x.astype(np.float32)


def mel():
    import torch
    from transformers.audio_utils import mel_filter_bank
    out = {}
    for n_mels, n, pad in ((80, 16000 * 2 + 123, 0), (128, 16000 + 77, 4000)):
        audio = test_signal(n, 16000, n_mels)
        filters = mel_filter_bank(num_frequency_bins=201, num_mel_filters=n_mels, min_frequency=0.0, max_frequency=8000.0,
                                  sampling_rate=16000, norm='slaney', mel_scale='slaney').T.astype(np.float32)
        x = torch.from_numpy(np.pad(audio, (0, pad)))
        stft = torch.stft(x, 400, 160, window=torch.hann_window(400), return_complex=True)
        mag = stft[..., :-1].abs() ** 2
        m = torch.from_numpy(filters) @ mag
        log_spec = torch.clamp(m, min=1e-10).log10()
        log_spec = torch.maximum(log_spec, log_spec.max() - 8.0)
        log_spec = (log_spec + 4.0) / 4.0
        out['audio_%d' % n_mels] = audio
        out['pad_%d' % n_mels] = np.array(pad, np.int32)
        out['filters_%d' % n_mels] = filters
        out['logmel_%d' % n_mels] = log_spec.numpy().astype(np.float32)
    os.makedirs(OUT, exist_ok=True)
    np.savez_compressed(os.path.join(OUT, 'logmel.npz'), **out)
    print('logmel.npz written')


def resample():
    from scipy.signal import resample_poly
    out = {}
    for src, dst in ((44100, 16000), (8000, 16000), (22050, 16000), (48000, 16000)):
        x = test_signal(src // 4 + 17, src, src)
        g = np.gcd(src, dst)
        y = resample_poly(x.astype(np.float64), dst // g, src // g)
        out['x_%d' % src] = x
        out['y_%d_%d' % (src, dst)] = y.astype(np.float32)
    os.makedirs(OUT, exist_ok=True)
    np.savez_compressed(os.path.join(OUT, 'resample.npz'), **out)
    print('resample.npz written')


def wav():
    """Small WAV files in every supported encoding, written with struct from a known stereo signal."""
    import struct
    n, sr = 300, 11025
    t = np.arange(n) / sr
    sig = np.stack([0.8 * np.sin(2 * np.pi * 500 * t), -0.5 * np.cos(2 * np.pi * 300 * t), 0.25 * np.sin(2 * np.pi * 50 * t)], 1)

    def write(name, fmt_tag, bits, data, channels, extensible=False):
        block = channels * bits // 8
        if extensible:
            guid = struct.pack('<H', fmt_tag) + b'\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71'
            fmt = struct.pack('<HHIIHHHHI', 0xFFFE, channels, sr, sr * block, block, bits, 22, bits, 3) + guid
        else:
            fmt = struct.pack('<HHIIHH', fmt_tag, channels, sr, sr * block, block, bits)
        junk = b'LIST' + struct.pack('<I', 5) + b'abcde' + b'\x00'  # odd-sized chunk with its pad byte
        body = b'WAVE' + b'fmt ' + struct.pack('<I', len(fmt)) + fmt + junk + b'data' + struct.pack('<I', len(data)) + data
        with open(os.path.join(OUT, name), 'wb') as f:
            f.write(b'RIFF' + struct.pack('<I', len(body)) + body)

    expect = {}
    mono = sig[:, :1]
    cases = [('pcm8_mono.wav', 1, 8, mono), ('pcm16_stereo.wav', 1, 16, sig[:, :2]), ('pcm24_3ch.wav', 1, 24, sig),
             ('pcm32_mono.wav', 1, 32, mono), ('f32_stereo.wav', 3, 32, sig[:, :2]), ('f64_mono.wav', 3, 64, mono),
             ('ext_pcm16_3ch.wav', 1, 16, sig), ('ext_f32_mono.wav', 3, 32, mono)]
    for name, tag, bits, x in cases:
        if tag == 3:
            q = x.astype('<f4' if bits == 32 else '<f8')
            data, val = q.tobytes(), q.astype(np.float64)
        elif bits == 8:
            q = np.clip(np.round(x * 128 + 128), 0, 255).astype(np.uint8)
            data, val = q.tobytes(), (q.astype(np.float64) - 128) / 128
        else:
            scale = 2.0 ** (bits - 1)
            q = np.clip(np.round(x * scale), -scale, scale - 1).astype(np.int64)
            if bits == 24:
                u = (q & 0xFFFFFF).astype('<u4').view(np.uint8).reshape(-1, 4)[:, :3]
                data = u.tobytes()
            else:
                data = q.astype('<i2' if bits == 16 else '<i4').tobytes()
            val = q / scale
        write(name, tag, bits, data, x.shape[1], extensible=name.startswith('ext'))
        expect[name.replace('.wav', '')] = val.mean(axis=1).astype(np.float32)  # downmixed
    np.savez_compressed(os.path.join(OUT, 'wav_expected.npz'), **expect)
    print('wav fixtures written')


if __name__ == '__main__':
    what = sys.argv[1:] or ['mel', 'resample', 'wav']
    for w in what:
        {'mel': mel, 'resample': resample, 'wav': wav}[w]()
