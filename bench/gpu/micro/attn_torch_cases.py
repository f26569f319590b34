# PyTorch SDPA times (CUDA events, median) for the cases of attn_cudnn_micro.cu, same card, same call.
import torch, torch.nn.functional as F
torch.manual_seed(0)
def t(fn, reps=30):
    for _ in range(5): fn()
    torch.cuda.synchronize(); ts = []
    for _ in range(reps):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record(); fn(); e.record(); e.synchronize(); ts.append(s.elapsed_time(e))
    return sorted(ts)[reps // 2]
print('torch', torch.__version__, torch.cuda.get_device_name(0), 'cudnn', torch.backends.cudnn.version())
cases = [('bf16 1x32x4096x4096x128 causal', torch.bfloat16, 1, 32, 32, 4096, 4096, 128, True),
         ('f16 1x32x4096x4096x128 causal', torch.float16, 1, 32, 32, 4096, 4096, 128, True),
         ('bf16 1x32(8kv)x4096x4096x128 causal', torch.bfloat16, 1, 32, 8, 4096, 4096, 128, True),
         ('bf16 13x12x1024x1024x64 none (siglip)', torch.bfloat16, 13, 12, 12, 1024, 1024, 64, False),
         ('bf16 decode 1x32(8kv)x1x4096x128', torch.bfloat16, 1, 32, 8, 1, 4096, 128, False),
         ('bf16 chunk 1x32(8kv)x128x4096x128 causal', torch.bfloat16, 1, 32, 8, 128, 4096, 128, True),
         ('bf16 1x32x512x512x128 causal', torch.bfloat16, 1, 32, 32, 512, 512, 128, True),
         ('bf16 1x32x37x37x64 causal', torch.bfloat16, 1, 32, 32, 37, 37, 64, True)]
for name, dt, B, H, Hk, Lq, Lk, D, causal in cases:
    q = torch.randn(B, H, Lq, D, device='cuda', dtype=dt)
    k = torch.randn(B, Hk, Lk, D, device='cuda', dtype=dt); v = torch.randn_like(k)
    if causal and Lq != Lk:  # bottom-right causal as MLX: explicit boolean mask
        i = torch.arange(Lq, device='cuda')[:, None] + (Lk - Lq); j = torch.arange(Lk, device='cuda')[None]
        m = j <= i
        fn = lambda: F.scaled_dot_product_attention(q, k, v, attn_mask=m, enable_gqa=H != Hk)
    else:
        fn = lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal, enable_gqa=H != Hk)
    ms = t(fn)
    fl = 4 * B * H * Lq * Lk * D / (2 if causal and Lq == Lk else 1)
    print(f'{name:44s} torch {ms:.4f} ms {fl / ms / 1e9:.0f} TFLOP/s')
